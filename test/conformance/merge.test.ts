/**
 * Conformance: compose-go `override/merge*_test.go` cases (../shared/conformance/compose-go/merge).
 * Each case parses base/override/expected, applies the override's `!reset`/`!override` paths to the
 * base, merges (and, for "merge+unicity", enforces unicity) and deep-compares with the expected tree
 * (mapping key order ignored, sequence order kept).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { mergeModels } from '../../src/compose/merge.js';
import { applyResets } from '../../src/compose/reset.js';
import { enforceUnicity } from '../../src/compose/unicity.js';
import { CORPUS, caseFolders, parseFirstDocument, runConformance } from './corpus.js';

const dir = join(CORPUS, 'merge');

runConformance('merge', caseFolders('merge'), (name) => {
  const caseDir = join(dir, name);
  const meta = JSON.parse(readFileSync(join(caseDir, 'meta.json'), 'utf8')) as { operation: string };
  const base = parseFirstDocument(join(caseDir, 'base.yaml')).value;
  const override = parseFirstDocument(join(caseDir, 'override.yaml'));
  applyResets(base, override.resetPaths);
  let actual = mergeModels(base, override.value);
  if (meta.operation === 'merge+unicity') actual = enforceUnicity(actual);
  expect(actual).toEqual(parseFirstDocument(join(caseDir, 'expected.yaml')).value);
});
