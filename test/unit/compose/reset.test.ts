import { describe, expect, it } from 'vitest';
import { mergeModels } from '../../../src/compose/merge.js';
import { applyResets } from '../../../src/compose/reset.js';
import { type Dict, parseYaml } from '../../../src/compose/yaml.js';

const doc = (text: string) => parseYaml(text, 'override.yaml')[0]!;

/** What the loader does for each later file: resets on the accumulated model, then the merge. */
function layer(base: Dict, text: string): Dict {
  const d = doc(text);
  applyResets(base, d.resetPaths);
  return mergeModels(base, d.value as Dict);
}

describe('applyResets', () => {
  it('deletes the addressed mapping entries', () => {
    const dict = { services: { web: { image: 'a', ports: ['80'] }, db: { ports: ['5432'] } } };
    applyResets(dict, ['services.web.ports']);
    expect(dict).toEqual({ services: { web: { image: 'a' }, db: { ports: ['5432'] } } });
  });

  it('ignores paths that address nothing, sequence items and the root', () => {
    const dict = { services: { web: { ports: ['80', '81'] } } };
    applyResets(dict, ['services.api.ports', 'services.web.ports.0', '', 'networks.n']);
    expect(dict).toEqual({ services: { web: { ports: ['80', '81'] } } });
  });

  it('matches keys that contain dots', () => {
    const dict: Dict = { services: { 'a.b': { command: ['x'], image: 'i' } } };
    applyResets(dict, ['services.a.b.command']);
    expect(dict).toEqual({ services: { 'a.b': { image: 'i' } } });
  });

  it('!reset removes an inherited value', () => {
    const out = layer(
      { services: { web: { image: 'a', ports: ['80:80'], environment: { A: '1', B: '2' } } } },
      'services:\n  web:\n    ports: !reset []\n    environment:\n      A: !reset\n',
    );
    expect(out).toEqual({ services: { web: { image: 'a', environment: ['B=2'] } } });
  });

  it('!override replaces instead of merging', () => {
    const out = layer(
      { services: { web: { ports: ['80:80'], environment: { A: '1' } } } },
      'services:\n  web:\n    ports: !override ["8080:80"]\n    environment: !override {B: "2"}\n',
    );
    expect(out).toEqual({ services: { web: { ports: ['8080:80'], environment: { B: '2' } } } });
  });

  it('!reset of a whole resource removes it', () => {
    const out = layer({ networks: { n: { external: true } }, services: {} }, 'networks:\n  n: !reset {}\n');
    expect(out).toEqual({ networks: {}, services: {} });
  });
});
