import { describe, expect, it } from 'vitest';
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  NETWORK_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  SERVICE_LABEL,
  VOLUME_LABEL,
} from '../../../src/api/labels.js';
import { observe } from '../../../src/reconcile/observe.js';
import type { ContainerInfo, NetworkInfo } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from '../../support/fake-runtime.js';
import { project, runtimeFor } from './fixtures.js';

const container = (
  name: string,
  labels: Record<string, string>,
  state: ContainerInfo['state'] = 'running',
): ContainerInfo => ({
  id: `id-${name}`,
  name,
  image: 'x',
  labels: { [PROJECT_LABEL]: 'demo', [ONEOFF_LABEL]: 'False', [CONFIG_HASH_LABEL]: 'h', ...labels },
  state,
  status: '',
  created: '',
  ports: [],
  networks: {},
});

const svc = (service: string, n: number) => ({
  [SERVICE_LABEL]: service,
  [CONTAINER_NUMBER_LABEL]: String(n),
});

const network = (name: string, labels: Record<string, string>): NetworkInfo => ({
  id: `id-${name}`,
  name,
  driver: 'bridge',
  labels,
  internal: false,
});

describe('observe', () => {
  it('makes exactly one list call per kind when everything is labelled', async () => {
    const p = project('services:\n  web: { image: nginx, volumes: [data:/d] }\nvolumes:\n  data: {}\n');
    const rt = runtimeFor(p);
    const state = await observe(rt, 'demo', p);
    expect(rt.calls.sort()).toEqual(['listContainers', 'listNetworks', 'listVolumes']);
    expect(Object.keys(state.networks)).toEqual(['default']);
    expect(Object.keys(state.volumes)).toEqual(['data']);
    expect(state.networks['default']!.managed).toBe(true);
  });

  it('groups containers by service, sorted by number, with stopped ones and one-offs apart', async () => {
    const rt = new FakeRuntime({
      containers: [
        container('demo-web-10', svc('web', 10)),
        container('demo-web-2', svc('web', 2), 'exited'),
        container('demo-db-1', svc('db', 1)),
        container('demo-web-run-abc', { [SERVICE_LABEL]: 'web', [ONEOFF_LABEL]: 'True' }, 'exited'),
        {
          ...container('other-web-1', svc('web', 1)),
          labels: { [PROJECT_LABEL]: 'other', ...svc('web', 1) },
        },
        // A pre_start hook container: no config hash, not listed (Compose's default filters).
        {
          ...container('demo-web-hook', svc('web', 1)),
          labels: { [PROJECT_LABEL]: 'demo', ...svc('web', 1) },
        },
      ],
    });
    const state = await observe(rt, 'demo');
    expect(Object.keys(state.containers)).toEqual(['db', 'web']);
    expect(state.containers['web']!.map((c) => [c.name, c.number, c.state])).toEqual([
      ['demo-web-2', 2, 'exited'],
      ['demo-web-10', 10, 'running'],
    ]);
    expect(state.oneOffs.map((c) => c.name)).toEqual(['demo-web-run-abc']);
  });

  it('looks up unlabelled declared resources by name (adoption) and external ones', async () => {
    const p = project(
      'services:\n  web: { image: nginx, networks: [back, ext], volumes: [data:/d] }\n' +
        'networks:\n  back: {}\n  ext: { external: true, name: corp-net }\nvolumes:\n  data: {}\n',
    );
    const rt = new FakeRuntime({
      networks: [network('demo_back', {}), network('corp-net', { owner: 'it' })],
    });
    const state = await observe(rt, 'demo', p);
    expect(rt.calls.filter((c) => c.startsWith('inspect')).sort()).toEqual([
      'inspectNetwork:corp-net',
      'inspectNetwork:demo_back',
      'inspectVolume:demo_data',
    ]);
    expect(state.networks['back']).toMatchObject({ managed: false, info: { name: 'demo_back' } });
    expect(state.networks['ext']).toMatchObject({ managed: false, info: { name: 'corp-net' } });
    expect(state.volumes['data']).toBeUndefined();
  });

  it('several labelled networks for one key: the expected name wins, the others are warned about', async () => {
    const labels = { [PROJECT_LABEL]: 'demo', [NETWORK_LABEL]: 'default' };
    const rt = new FakeRuntime({
      networks: [network('a_default', labels), network('demo_default', labels), network('b_default', labels)],
    });
    const state = await observe(rt, 'demo', project('services:\n  web: { image: x }\n'));
    expect(state.networks['default']!.info.name).toBe('demo_default');
    expect(state.warnings).toHaveLength(2);
    expect(state.warnings[0]).toContain('a_default');
  });

  it('without the expected name, the lexicographically smallest one wins', async () => {
    const labels = { [PROJECT_LABEL]: 'demo', [NETWORK_LABEL]: 'default' };
    const rt = new FakeRuntime({ networks: [network('z_net', labels), network('m_net', labels)] });
    const state = await observe(rt, 'demo');
    expect(state.networks['default']!.info.name).toBe('m_net');
  });

  it('a key now declared external only matches the external resource', async () => {
    const rt = new FakeRuntime({
      networks: [network('demo_shared', { [PROJECT_LABEL]: 'demo', [NETWORK_LABEL]: 'shared' })],
    });
    const p = project(
      'services:\n  web: { image: x, networks: [shared] }\nnetworks:\n  shared: { external: true }\n',
    );
    const state = await observe(rt, 'demo', p);
    expect(state.networks['shared']).toBeUndefined();
  });

  it('keeps labelled volumes the model no longer declares (down removes them from labels)', async () => {
    const rt = new FakeRuntime({
      volumes: [
        { name: 'demo_old', driver: 'local', labels: { [PROJECT_LABEL]: 'demo', [VOLUME_LABEL]: 'old' } },
      ],
    });
    const state = await observe(rt, 'demo', project('services:\n  web: { image: x }\n'));
    expect(state.volumes['old']).toMatchObject({ managed: true, info: { name: 'demo_old' } });
  });

  it('is plain data', async () => {
    const p = project('services:\n  web: { image: x }\n');
    const state = await observe(runtimeFor(p), 'demo', p);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
