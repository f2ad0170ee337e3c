/**
 * Conformance: compose-go `override/uncity_test.go` cases (../shared/conformance/compose-go/unicity):
 * `enforceUnicity(input)` deep-equals `expected` (mapping key order ignored, sequence order kept).
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { enforceUnicity } from '../../src/compose/unicity.js';
import { CORPUS, caseFolders, parseFirstDocument, runConformance } from './corpus.js';

const dir = join(CORPUS, 'unicity');

runConformance('unicity', caseFolders('unicity'), (name) => {
  const actual = enforceUnicity(parseFirstDocument(join(dir, name, 'input.yaml')).value);
  expect(actual).toEqual(parseFirstDocument(join(dir, name, 'expected.yaml')).value);
});
