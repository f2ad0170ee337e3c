/**
 * Conformance: compose-go `override/uncity_test.go` cases (../shared/conformance/compose-go/unicity):
 * `enforceUnicity(input)` deep-equals `expected` (mapping key order ignored, sequence order kept).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enforceUnicity } from '../../src/compose/unicity.js';
import { type Dict, parseYaml } from '../../src/compose/yaml.js';
import { CORPUS, exceptionsFor, report } from './corpus.js';

const dir = join(CORPUS, 'unicity');
const exceptions = exceptionsFor('unicity');
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

describe('conformance unicity', () => {
  it.each(cases)('%s', (name) => {
    if (exceptions.has(name)) {
      excepted++;
      return;
    }
    failed++;
    const caseDir = join(dir, name);
    const actual = enforceUnicity(parse(join(caseDir, 'input.yaml')));
    expect(actual).toEqual(parse(join(caseDir, 'expected.yaml')));
    failed--;
    passed++;
  });

  afterAll(() => report('unicity', passed, failed, excepted, cases.length));
});
