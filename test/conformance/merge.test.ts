/**
 * Conformance: compose-go `override/merge*_test.go` cases (../shared/conformance/compose-go/merge).
 * Each case parses base/override/expected, applies the override's `!reset`/`!override` paths to the
 * base, merges (and, for "merge+unicity", enforces unicity) and deep-compares with the expected tree
 * (mapping key order ignored, sequence order kept).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeModels } from '../../src/compose/merge.js';
import { applyResets } from '../../src/compose/reset.js';
import { enforceUnicity } from '../../src/compose/unicity.js';
import { type Dict, parseYaml } from '../../src/compose/yaml.js';
import { CORPUS, exceptionsFor, report } from './corpus.js';

const dir = join(CORPUS, 'merge');
const exceptions = exceptionsFor('merge');
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function parse(file: string): { value: Dict; resetPaths: string[] } {
  const [doc] = parseYaml(readFileSync(file, 'utf8'), file);
  return { value: (doc?.value ?? {}) as Dict, resetPaths: doc?.resetPaths ?? [] };
}

let passed = 0;
let failed = 0;
let excepted = 0;

describe('conformance merge', () => {
  it.each(cases)('%s', (name) => {
    if (exceptions.has(name)) {
      excepted++;
      return;
    }
    failed++;
    const caseDir = join(dir, name);
    const meta = JSON.parse(readFileSync(join(caseDir, 'meta.json'), 'utf8')) as { operation: string };
    const base = parse(join(caseDir, 'base.yaml')).value;
    const override = parse(join(caseDir, 'override.yaml'));
    applyResets(base, override.resetPaths);
    let actual = mergeModels(base, override.value);
    if (meta.operation === 'merge+unicity') actual = enforceUnicity(actual);
    expect(actual).toEqual(parse(join(caseDir, 'expected.yaml')).value);
    failed--;
    passed++;
  });

  afterAll(() => report('merge', passed, failed, excepted, cases.length));
});
