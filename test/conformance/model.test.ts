/**
 * Conformance: compose-go `loader/loader_yaml_test.go` cases (../shared/conformance/compose-go/model).
 * The listed files are loaded in order — parse, `!reset`/`!override` on the accumulated model,
 * `extends`, merge, unicity — and the raw model deep-equals `expect.json`'s `expected`. compose-go
 * also runs canonical/omit-empty/defaults there; they change nothing in these cases.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyExtends } from '../../src/compose/extends.js';
import { mergeModels } from '../../src/compose/merge.js';
import { applyResets } from '../../src/compose/reset.js';
import { enforceUnicity } from '../../src/compose/unicity.js';
import { type Dict, parseYaml } from '../../src/compose/yaml.js';
import { CORPUS, exceptionsFor, report } from './corpus.js';

const dir = join(CORPUS, 'model');
const exceptions = exceptionsFor('model');
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function loadModel(caseDir: string, files: string[]): Dict {
  let dict: Dict = {};
  for (const name of files) {
    const file = join(caseDir, name);
    for (const doc of parseYaml(readFileSync(file, 'utf8'), file)) {
      applyResets(dict, doc.resetPaths);
      const cfg = applyExtends(doc.value as Dict, {
        file,
        workingDir: caseDir,
        resetPaths: doc.resetPaths,
        loadFile: (abs) => parseYaml(readFileSync(abs, 'utf8'), abs)[0]!.value as Dict,
      });
      dict = enforceUnicity(mergeModels(dict, cfg));
    }
  }
  return dict;
}

let passed = 0;
let failed = 0;
let excepted = 0;

describe('conformance model', () => {
  it.each(cases)('%s', (name) => {
    if (exceptions.has(name)) {
      excepted++;
      return;
    }
    failed++;
    const caseDir = join(dir, name);
    const spec = JSON.parse(readFileSync(join(caseDir, 'expect.json'), 'utf8')) as {
      files: string[];
      expected: Dict;
    };
    expect(loadModel(caseDir, spec.files)).toEqual(spec.expected);
    failed--;
    passed++;
  });

  afterAll(() => report('model', passed, failed, excepted, cases.length));
});
