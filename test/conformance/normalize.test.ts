/**
 * Conformance: compose-go `loader/normalize_test.go` cases (../shared/conformance/compose-go/normalize).
 * Each case parses `input.yaml` (no interpolation, no validation), normalizes it with `meta.json`'s
 * environment, and deep-compares with `expected.yaml` (mapping key order ignored).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { normalize } from '../../src/compose/normalize.js';
import { CORPUS, caseFolders, parseFirstDocument, runConformance } from './corpus.js';

const dir = join(CORPUS, 'normalize');

runConformance('normalize', caseFolders('normalize'), (name) => {
  const caseDir = join(dir, name);
  const meta = JSON.parse(readFileSync(join(caseDir, 'meta.json'), 'utf8')) as {
    env?: Record<string, string>;
  };
  const actual = normalize(parseFirstDocument(join(caseDir, 'input.yaml')).value, meta.env ?? {});
  expect(actual).toStrictEqual(parseFirstDocument(join(caseDir, 'expected.yaml')).value);
});
