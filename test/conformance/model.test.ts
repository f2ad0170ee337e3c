/**
 * Conformance: compose-go `loader/loader_yaml_test.go` cases (../shared/conformance/compose-go/model).
 * The listed files are loaded in order — parse, `!reset`/`!override` on the accumulated model,
 * `extends`, merge, unicity — and the raw model deep-equals `expect.json`'s `expected`. compose-go
 * also runs canonical/omit-empty/defaults there; they change nothing in these cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { applyExtends } from '../../src/compose/extends.js';
import { mergeModels } from '../../src/compose/merge.js';
import { applyResets } from '../../src/compose/reset.js';
import { enforceUnicity } from '../../src/compose/unicity.js';
import { type Dict, parseYaml } from '../../src/compose/yaml.js';
import { CORPUS, caseFolders, runConformance } from './corpus.js';

const dir = join(CORPUS, 'model');

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

runConformance('model', caseFolders('model'), (name) => {
  const caseDir = join(dir, name);
  const spec = JSON.parse(readFileSync(join(caseDir, 'expect.json'), 'utf8')) as {
    files: string[];
    expected: Dict;
  };
  expect(loadModel(caseDir, spec.files)).toEqual(spec.expected);
});
