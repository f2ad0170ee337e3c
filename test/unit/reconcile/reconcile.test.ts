import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_HASH_LABEL,
  IMAGE_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../../../src/api/labels.js';
import type { Project } from '../../../src/compose/model.js';
import { observe } from '../../../src/reconcile/observe.js';
import { formatPlan, type Plan } from '../../../src/reconcile/plan.js';
import { type DownOptions, planDown, planUp, type UpOptions } from '../../../src/reconcile/reconcile.js';
import { FakeRuntime } from '../../support/fake-runtime.js';
import { appliedState, fakeId, project, runtimeFor } from './fixtures.js';

const GOLDEN = join(import.meta.dirname, 'golden');

/**
 * Compares the printed plan with golden/<name>.txt. The files were written by reviewing each plan by
 * hand; `UPDATE_GOLDEN=1` rewrites them (then review the diff, never accept it blindly).
 */
function golden(name: string, title: string, plan: Plan): void {
  const text = `# ${title}\n${formatPlan(plan, { operations: true })}`;
  const file = join(GOLDEN, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Every dependency refers to an earlier operation, ids are unique, the plan survives JSON. */
function checkInvariants(plan: Plan): void {
  const seen = new Set<string>();
  for (const op of plan.operations) {
    for (const d of op.dependsOn) expect(seen.has(d), `${op.id} depends on later/unknown ${d}`).toBe(true);
    expect(seen.has(op.id)).toBe(false);
    seen.add(op.id);
  }
  expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
}

async function up(p: Project, rt: FakeRuntime, options?: UpOptions): Promise<Plan> {
  const plan = planUp(p, await observe(rt, p.name, p), options);
  checkInvariants(plan);
  return plan;
}

async function down(p: Project | string, rt: FakeRuntime, options?: DownOptions): Promise<Plan> {
  const name = typeof p === 'string' ? p : p.name;
  const plan = planDown(p, await observe(rt, name, typeof p === 'string' ? {} : p), options);
  checkInvariants(plan);
  return plan;
}

const STACK = `
services:
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
    environment: { POSTGRES_PASSWORD: secret }
    healthcheck: { test: pg_isready, interval: 5s }
  api:
    image: example/api:1
    depends_on: { db: { condition: service_healthy } }
    environment: { DB_HOST: db }
  web:
    image: nginx:1.27
    depends_on: [api]
    ports: ["8080:80"]
volumes:
  data: {}
`;

const stack = (edit: (yaml: string) => string = (y) => y) => project(edit(STACK));

describe('planUp', () => {
  it('fresh up: network, volume, then containers in dependency order', async () => {
    const plan = await up(stack(), new FakeRuntime());
    golden('fresh-up', 'fresh up: 3 services, 1 network, 1 volume', plan);
    const start = plan.operations.find((o) => o.id === 'container:api:1/StartContainer')!;
    expect(start.waitFor).toEqual([{ service: 'db', condition: 'service_healthy', required: true }]);
    expect(plan.operations.find((o) => o.type === 'CreateNetwork')!.networkSpec!.name).toBe('demo_default');
  });

  it('no-op up: everything matches, nothing to do, three list calls', async () => {
    const p = stack();
    const rt = runtimeFor(p);
    const plan = await up(p, rt);
    golden('noop-up', 'no-op up: everything matches', plan);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(rt.calls.sort()).toEqual(['listContainers', 'listNetworks', 'listVolumes']);
  });

  it('changed environment: exactly one recreate', async () => {
    const rt = runtimeFor(stack());
    const plan = await up(
      stack((y) => y.replace('DB_HOST: db', 'DB_HOST: db.internal')),
      rt,
    );
    golden('changed-env', 'changed environment of api: one recreate', plan);
    const create = plan.operations.find((o) => o.type === 'CreateContainer')!;
    expect(create.tmpName).toBe(`${fakeId('api', 1).slice(0, 12)}_demo-api-1`);
    expect(create.replaces).toMatchObject({ name: 'demo-api-1', id: fakeId('api', 1) });
  });

  it('scale 3 → 1: keeps number 1, removes 2 and 3', async () => {
    const rt = runtimeFor(stack((y) => y.replace('image: nginx:1.27', 'image: nginx:1.27\n    scale: 3')));
    const plan = await up(stack(), rt);
    golden('scale-down', 'scale web 3 -> 1', plan);
  });

  it('scale 1 → 3: new numbers from max+1', async () => {
    const rt = runtimeFor(stack());
    const plan = await up(stack(), rt, { scale: { web: 3 } });
    golden('scale-up', 'scale web 1 -> 3 (--scale web=3)', plan);
  });

  it('scale down removes obsolete containers first and keeps the up-to-date ones', async () => {
    const p = stack((y) => y.replace('image: nginx:1.27', 'image: nginx:1.27\n    scale: 2'));
    const rt = runtimeFor(p);
    rt.containers.find((c) => c.name === 'demo-web-1')!.labels[CONFIG_HASH_LABEL] = 'stale';
    const plan = await up(stack(), rt);
    expect(plan.operations.map((o) => o.id)).toEqual([
      'container:web:1/StopContainer',
      'container:web:1/RemoveContainer',
    ]);
  });

  it('new numbers start after the highest existing one', async () => {
    const rt = runtimeFor(stack(), { numbers: { web: [1, 4] } });
    const plan = await up(stack(), rt, { scale: { web: 3 } });
    expect(plan.operations.filter((o) => o.type === 'CreateContainer').map((o) => o.container!.name)).toEqual(
      ['demo-web-5'],
    );
  });

  it('orphans are reported, and removed only with removeOrphans', async () => {
    const withOld = stack((y) =>
      y.replace('volumes:\n  data', '  old:\n    image: busybox\nvolumes:\n  data'),
    );
    const rt = runtimeFor(withOld);
    const kept = await up(stack(), rt);
    expect(kept.operations).toEqual([]);
    expect(kept.orphans).toEqual(['demo-old-1']);
    golden('orphan', 'orphan demo-old-1 reported', kept);
    const removed = await up(stack(), rt, { removeOrphans: true });
    golden('orphan-removed', 'orphan demo-old-1 removed (--remove-orphans)', removed);
  });

  it('exited one-off containers are orphans; running ones are not', async () => {
    const p = stack();
    const rt = runtimeFor(p);
    const oneoff = (name: string, state: 'exited' | 'running') => ({
      ...structuredClone(rt.containers[0]!),
      id: name,
      name,
      state,
      labels: {
        [PROJECT_LABEL]: 'demo',
        [SERVICE_LABEL]: 'api',
        [ONEOFF_LABEL]: 'True',
        [CONFIG_HASH_LABEL]: 'h',
      },
    });
    rt.containers.push(
      oneoff('demo-api-run-0123456789ab', 'exited'),
      oneoff('demo-api-run-ba9876543210', 'running'),
    );
    const plan = await up(p, rt);
    expect(plan.orphans).toEqual(['demo-api-run-0123456789ab']);
  });

  it('changed network: stop, disconnect, remove, create, reconnect, start — no recreate', async () => {
    const yaml = (opt: string) =>
      STACK.replace(
        'volumes:\n  data: {}',
        `volumes:\n  data: {}\nnetworks:\n  default:\n    driver_opts: { mtu: "${opt}" }`,
      );
    const rt = runtimeFor(project(yaml('1500')));
    const plan = await up(project(yaml('1400')), rt);
    golden('changed-network', 'default network config changed (driver_opts.mtu)', plan);
    expect(plan.operations.some((o) => o.type === 'CreateContainer')).toBe(false);
  });

  it('external network: never created; missing → error', async () => {
    const yaml = `
services:
  web: { image: nginx, networks: [shared] }
networks:
  shared: { external: true }
`;
    const p = project(yaml);
    const rt = new FakeRuntime({
      networks: [{ id: 'n1', name: 'shared', driver: 'bridge', labels: {}, internal: false }],
    });
    const plan = await up(p, rt);
    golden('external-network', 'external network shared exists: used, not created', plan);
    expect(plan.operations.some((o) => o.type === 'CreateNetwork')).toBe(false);
    await expect(up(p, new FakeRuntime())).rejects.toThrow(
      'network shared declared as external, but could not be found',
    );
  });

  it('external volume missing → error', async () => {
    const p = project(
      'services:\n  web: { image: nginx, volumes: [ext:/d] }\nvolumes:\n  ext: { external: true }\n',
    );
    await expect(up(p, new FakeRuntime())).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
  });

  it('unlabelled existing network and volume are adopted with a warning', async () => {
    const p = stack();
    const rt = new FakeRuntime({
      networks: [{ id: 'n1', name: 'demo_default', driver: 'bridge', labels: {}, internal: false }],
      volumes: [{ name: 'demo_data', driver: 'local', labels: {} }],
    });
    const plan = await up(p, rt);
    expect(plan.operations.some((o) => o.type === 'CreateNetwork' || o.type === 'CreateVolume')).toBe(false);
    expect(plan.warnings).toHaveLength(2);
    expect(plan.warnings[0]).toContain('demo_default exists but was not created by compose');
    expect(plan.warnings[1]).toContain('volume "demo_data" already exists');
  });

  it('a diverged volume is kept, with a warning', async () => {
    const rt = runtimeFor(stack());
    rt.volumes[0]!.labels[CONFIG_HASH_LABEL] = 'other';
    const plan = await up(stack(), rt);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings[0]).toContain(`volume "demo_data" exists but doesn't match configuration`);
  });

  const VPN = `
services:
  vpn:
    image: example/vpn:1
    environment: { REGION: eu }
  app:
    image: example/app:1
    network_mode: service:vpn
  other:
    image: example/other:1
    depends_on: [app]
`;

  it('cascaded namespace parent: vpn recreated → app (network_mode: service:vpn) recreated', async () => {
    const rt = runtimeFor(project(VPN));
    const plan = await up(project(VPN.replace('REGION: eu', 'REGION: us')), rt);
    golden('namespace-cascade', 'vpn recreated; app shares its network namespace', plan);
    const app = plan.operations.find((o) => o.id === 'container:app:1/CreateContainer')!;
    expect(app.cause).toBe('namespace parent recreated');
    expect(app.dependsOn).toContain('container:vpn:1/RenameContainer');
    expect(plan.operations.some((o) => o.resource.startsWith('container:other'))).toBe(false);
  });

  it('a child hash depends on its parent container id', async () => {
    const p = project(VPN);
    const rt = runtimeFor(p);
    // Same config everywhere, but vpn's container has another id than the one app was created with.
    rt.containers.find((c) => c.name === 'demo-vpn-1')!.id = 'f'.repeat(64);
    const plan = await up(p, rt);
    expect(plan.operations.find((o) => o.type === 'CreateContainer')!.cause).toBe('config hash changed');
  });

  it('a namespace parent whose first container is scaled away cascades too', async () => {
    const two = VPN.replace('image: example/vpn:1', 'image: example/vpn:1\n    scale: 2');
    const rt = runtimeFor(project(two));
    rt.containers.find((c) => c.name === 'demo-vpn-1')!.labels[CONFIG_HASH_LABEL] = 'stale';
    const plan = await up(project(VPN), rt);
    expect(plan.operations.filter((o) => o.type === 'CreateContainer').map((o) => [o.id, o.cause])).toEqual([
      ['container:app:1/CreateContainer', 'namespace parent recreated'],
    ]);
    expect(plan.operations.some((o) => o.id === 'container:vpn:1/RemoveContainer')).toBe(true);
  });

  it('recreated containers inherit anonymous volumes, unless -V', async () => {
    const rt = runtimeFor(stack());
    const inherit = await up(stack(), rt, { recreate: 'force' });
    expect(inherit.operations.find((o) => o.type === 'CreateContainer')!.inheritAnonymousVolumes).toBe(true);
    const renew = await up(stack(), rt, { recreate: 'force', renewAnonVolumes: true });
    expect(
      renew.operations.find((o) => o.type === 'CreateContainer')!.inheritAnonymousVolumes,
    ).toBeUndefined();
  });

  it('--force-recreate recreates every targeted container', async () => {
    const plan = await up(stack(), runtimeFor(stack()), { recreate: 'force' });
    golden('force-recreate', '--force-recreate', plan);
  });

  it('--force-recreate on one service leaves its dependencies alone unless --always-recreate-deps', async () => {
    const rt = runtimeFor(stack());
    const one = await up(stack(), rt, { services: ['api'], recreate: 'force' });
    expect(new Set(one.operations.map((o) => o.container!.service))).toEqual(new Set(['api']));
    const deps = await up(stack(), rt, {
      services: ['api'],
      recreate: 'force',
      recreateDependencies: 'force',
    });
    expect(new Set(deps.operations.map((o) => o.container!.service))).toEqual(new Set(['api', 'db']));
  });

  it('--no-recreate keeps diverged containers and only starts stopped ones', async () => {
    const rt = runtimeFor(stack());
    rt.containers.find((c) => c.name === 'demo-web-1')!.state = 'exited';
    const plan = await up(
      stack((y) => y.replace('DB_HOST: db', 'DB_HOST: other')),
      rt,
      { recreate: 'never' },
    );
    golden('no-recreate', '--no-recreate with api diverged and web exited', plan);
  });

  it('--no-start creates without starting', async () => {
    const plan = await up(stack(), new FakeRuntime(), { noStart: true });
    expect(plan.operations.some((o) => o.type === 'StartContainer')).toBe(false);
    expect(plan.operations.filter((o) => o.type === 'CreateContainer')).toHaveLength(3);
  });

  it('services selection: dependencies included, or not with --no-deps', async () => {
    const withDeps = await up(stack(), new FakeRuntime(), { services: ['api'] });
    expect(
      withDeps.operations.filter((o) => o.type === 'CreateContainer').map((o) => o.container!.service),
    ).toEqual(['db', 'api']);
    const noDeps = await up(stack(), new FakeRuntime(), { services: ['api'], noDeps: true });
    const creates = noDeps.operations.filter((o) => o.type === 'CreateContainer');
    expect(creates.map((o) => o.container!.service)).toEqual(['api']);
    // db is not part of this up: nothing to wait for.
    expect(noDeps.operations.find((o) => o.type === 'StartContainer')!.waitFor).toBeUndefined();
    await expect(up(stack(), new FakeRuntime(), { services: ['nope'] })).rejects.toMatchObject({
      code: 'COMPOSE_UNKNOWN_SERVICE',
    });
  });

  it('dependents with depends_on.restart: true are stopped first and started again', async () => {
    const yaml = STACK.replace(
      'depends_on: { db: { condition: service_healthy } }',
      'depends_on: { db: { condition: service_healthy, restart: true } }',
    );
    const rt = runtimeFor(project(yaml));
    const plan = await up(project(yaml.replace('POSTGRES_PASSWORD: secret', 'POSTGRES_PASSWORD: other')), rt);
    golden('restart-dependents', 'db recreated; api depends on it with restart: true', plan);
  });

  it('a restart: true dependent outside the selection is still stopped and started again', async () => {
    const yaml = STACK.replace(
      'depends_on: { db: { condition: service_healthy } }',
      'depends_on: { db: { condition: service_healthy, restart: true } }',
    );
    const rt = runtimeFor(project(yaml));
    const plan = await up(project(yaml), rt, { services: ['db'], recreate: 'force' });
    expect(plan.operations.map((o) => o.id)).toEqual([
      'container:api:1/StopContainer',
      'container:db:1/CreateContainer',
      'container:db:1/StopContainer',
      'container:db:1/RemoveContainer',
      'container:db:1/RenameContainer',
      'container:db:1/StartContainer',
      'container:api:1/StartContainer',
    ]);
    expect(plan.operations.at(-1)!.dependsOn).toEqual([
      'container:api:1/StopContainer',
      'container:db:1/StartContainer',
    ]);
  });

  it('changed network and a recreated container on it: disconnected, not reconnected', async () => {
    const yaml = (opt: string, env: string) =>
      STACK.replace('DB_HOST: db', `DB_HOST: ${env}`).replace(
        'volumes:\n  data: {}',
        `volumes:\n  data: {}\nnetworks:\n  default:\n    driver_opts: { mtu: "${opt}" }`,
      );
    const rt = runtimeFor(project(yaml('1500', 'db')));
    const plan = await up(project(yaml('1400', 'other')), rt);
    const ids = plan.operations.map((o) => o.id);
    expect(ids).toContain('container:api:1/DisconnectNetwork(default)');
    expect(ids).not.toContain('container:api:1/ConnectNetwork(default)');
    const create = plan.operations.find((o) => o.id === 'container:api:1/CreateContainer')!;
    expect(create.dependsOn).toContain('network:default/CreateNetwork');
    // The network recreate's stop is the recreate's stop: one stop per container.
    expect(ids.filter((i) => i === 'container:api:1/StopContainer')).toHaveLength(1);
  });

  it('image changed: the image label differs from the current image id', async () => {
    const p = stack();
    const rt = runtimeFor(p);
    for (const c of rt.containers) c.labels[IMAGE_LABEL] = `sha256:old-${c.labels[SERVICE_LABEL]}`;
    const plan = await up(p, rt, { imageIds: { web: 'sha256:new', api: 'sha256:old-api' } });
    const recreated = plan.operations.filter((o) => o.type === 'CreateContainer');
    expect(recreated.map((o) => [o.container!.name, o.cause])).toEqual([['demo-web-1', 'image changed']]);
  });

  it('a running container missing from a network, or a named volume not mounted, is recreated', async () => {
    const p = stack();
    const rt = runtimeFor(p);
    rt.containers.find((c) => c.name === 'demo-web-1')!.networks = {};
    rt.containers.find((c) => c.name === 'demo-db-1')!.volumes = { '/var/lib/postgresql/data': 'other' };
    const plan = await up(p, rt);
    expect(
      plan.operations.filter((o) => o.type === 'CreateContainer').map((o) => [o.container!.name, o.cause]),
    ).toEqual([
      ['demo-db-1', 'volume mounts changed'],
      ['demo-web-1', 'networks changed'],
    ]);
  });

  it('exited, created and paused up-to-date containers get a start', async () => {
    const p = stack();
    const rt = runtimeFor(p);
    rt.containers[0]!.state = 'exited';
    rt.containers[1]!.state = 'paused';
    const plan = await up(p, rt);
    expect(plan.operations.map((o) => [o.id, o.cause])).toEqual([
      ['container:db:1/StartContainer', 'container exited'],
      ['container:api:1/StartContainer', 'container paused'],
    ]);
  });

  it('container_name is used as the name and forbids scale > 1', async () => {
    const p = stack((y) => y.replace('image: nginx:1.27', 'image: nginx:1.27\n    container_name: front'));
    const plan = await up(p, new FakeRuntime());
    expect(plan.operations.find((o) => o.id === 'container:web:1/CreateContainer')!.container!.name).toBe(
      'front',
    );
    await expect(up(p, new FakeRuntime(), { scale: { web: 2 } })).rejects.toMatchObject({
      code: 'COMPOSE_INVALID',
    });
  });

  it('scale 0 creates nothing and removes what runs', async () => {
    const plan = await up(stack(), runtimeFor(stack()), { scale: { web: 0 } });
    expect(plan.operations.map((o) => o.id)).toEqual([
      'container:web:1/StopContainer',
      'container:web:1/RemoveContainer',
    ]);
  });
});

describe('planDown', () => {
  it('stops and removes in reverse dependency order, then the network; volumes kept', async () => {
    const p = stack();
    const plan = await down(p, runtimeFor(p));
    golden('down', 'down', plan);
  });

  it('-v also removes volumes and anonymous volumes', async () => {
    const p = stack();
    const plan = await down(p, runtimeFor(p), { volumes: true });
    golden('down-volumes', 'down -v', plan);
  });

  it('works from the project name alone, ordering by the depends_on labels', async () => {
    const p = stack();
    const plan = await down('demo', runtimeFor(p), { volumes: true });
    expect(formatPlan(plan, { operations: true })).toBe(
      formatPlan(await down(p, runtimeFor(p), { volumes: true }), { operations: true }),
    );
  });

  it('never removes external networks or volumes', async () => {
    const p = project(
      'services:\n  web: { image: nginx, networks: [shared], volumes: [ext:/d] }\n' +
        'networks:\n  shared: { external: true }\nvolumes:\n  ext: { external: true }\n',
    );
    const rt = runtimeFor(p);
    rt.networks.push({ id: 'n', name: 'shared', driver: 'bridge', labels: {}, internal: false });
    rt.volumes.push({ name: 'ext', driver: 'local', labels: {} });
    const plan = await down(p, rt, { volumes: true });
    expect(plan.operations.map((o) => o.type)).toEqual(['StopContainer', 'RemoveContainer']);
  });

  it('orphans: reported; removed with removeOrphans', async () => {
    const withOld = stack((y) =>
      y.replace('volumes:\n  data', '  old:\n    image: busybox\nvolumes:\n  data'),
    );
    const rt = runtimeFor(withOld);
    const kept = await down(stack(), rt);
    expect(kept.orphans).toEqual(['demo-old-1']);
    expect(kept.operations.some((o) => o.container?.name === 'demo-old-1')).toBe(false);
    const removed = await down(stack(), rt, { removeOrphans: true });
    expect(removed.operations.filter((o) => o.container?.name === 'demo-old-1').map((o) => o.type)).toEqual([
      'StopContainer',
      'RemoveContainer',
    ]);
  });

  it('services: the named ones and their dependents only, resources kept', async () => {
    const p = stack();
    const plan = await down(p, runtimeFor(p), { services: ['api'] });
    expect(plan.operations.map((o) => o.id)).toEqual([
      'container:web:1/StopContainer',
      'container:web:1/RemoveContainer',
      'container:api:1/StopContainer',
      'container:api:1/RemoveContainer',
    ]);
  });

  it('nothing to remove: a warning', async () => {
    const plan = await down('demo', new FakeRuntime());
    expect(plan.warnings).toEqual(['No resource found to remove for project "demo".']);
  });

  it('stopped containers are removed without a stop', async () => {
    const p = stack();
    const plan = await down(p, new FakeRuntime(appliedState(p, { state: 'exited' })));
    expect(plan.operations.filter((o) => o.type === 'StopContainer')).toEqual([]);
  });
});
