/**
 * Conformance: compose-go `loader/normalize_test.go` cases (../shared/conformance/compose-go/normalize).
 * Each case parses `input.yaml` (no interpolation, no validation), normalizes it with `meta.json`'s
 * environment, and deep-compares with `expected.yaml` (mapping key order ignored).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/compose/normalize.js';
import { type Dict, parseYaml } from '../../src/compose/yaml.js';
import { CORPUS, exceptionsFor, report } from './corpus.js';

const dir = join(CORPUS, 'normalize');
const exceptions = exceptionsFor('normalize');
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function parse(file: string): Dict {
  return (parseYaml(readFileSync(file, 'utf8'), file)[0]?.value ?? {}) as Dict;
}

let passed = 0;
let failed = 0;
let excepted = 0;

describe('conformance normalize', () => {
  it.each(cases)('%s', (name) => {
    if (exceptions.has(name)) {
      excepted++;
      return;
    }
    failed++;
    const caseDir = join(dir, name);
    const meta = JSON.parse(readFileSync(join(caseDir, 'meta.json'), 'utf8')) as {
      env?: Record<string, string>;
    };
    const actual = normalize(parse(join(caseDir, 'input.yaml')), meta.env ?? {});
    expect(actual).toStrictEqual(parse(join(caseDir, 'expected.yaml')));
    failed--;
    passed++;
  });

  afterAll(() => report('normalize', passed, failed, excepted, cases.length));
});
