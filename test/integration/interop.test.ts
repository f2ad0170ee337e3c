/**
 * Interop with Debian's docker-compose v1 (`/usr/bin/docker-compose`, Python, 1.29), which reads and
 * writes the same `com.docker.compose.*` labels (issue 3, item 7), on the real dockerd with the offline
 * busybox image:
 * (a) a stack brought up by berth's library is listed by `docker-compose ps` and removed by its `down`;
 * (b) a stack brought up by `docker-compose up -d` (containers `<project>_<service>_1`) is listed by
 *     berth's `ps` and removed by berth's `down`, networks and volumes included;
 * (c) berth's `up` on a v1-created project: v1's config hash is not berth's, so every container is
 *     recreated (new one first, then the old one stopped and removed) under berth's v2 name
 *     `<project>-<service>-1` with the replace label naming the v1 container; v1's network and named
 *     volume carry the project and key labels but no config hash, so they are kept as they are (the
 *     data in the volume survives). A second berth `up` is then a no-op.
 * The compose file is one v1 accepts: no top-level `name:`, no `version:` (v1.27+ reads the Compose
 * Specification), short `depends_on`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPLACE_LABEL } from '../../src/api/labels.js';
import { down, ps, up } from '../../src/index.js';
import {
  type CommandResult,
  dockerInspect,
  leftovers,
  runCommand,
  StackFixture,
  type TempProject,
} from '../support/stack.js';

const DOCKER_COMPOSE_V1 = '/usr/bin/docker-compose';

const fx = new StackFixture();
beforeAll(() => fx.setup());
afterEach(() => fx.cleanup());
afterAll(() => fx.close());

const sleeper = ['sh', '-c', "trap 'exit 0' TERM; sleep 100000 & wait"];

function v1File(): string {
  const services = {
    a: { image: fx.image, command: sleeper, volumes: ['data:/data'] },
    b: { image: fx.image, command: sleeper, depends_on: ['a'] },
  };
  return `${JSON.stringify({ services, volumes: { data: {} } }, null, 2)}\n`;
}

/** `docker-compose -p NAME -f compose.yaml …` in the project directory; fails the test on a non-zero exit. */
async function dockerComposeV1(p: TempProject, ...args: string[]): Promise<CommandResult> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('COMPOSE_')) delete env[k];
  const result = await runCommand(DOCKER_COMPOSE_V1, ['-p', p.name, '-f', p.file, ...args], {
    cwd: p.dir,
    env,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `docker-compose ${args.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`,
    );
  }
  return result;
}

// docker-compose v1 (Python) is slow to start on a loaded machine: a generous timeout.
describe('interop with docker-compose v1', { timeout: 120_000 }, () => {
  it('is docker-compose 1.x', async () => {
    const r = await runCommand(DOCKER_COMPOSE_V1, ['version', '--short']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^1\.\d+\.\d+/);
  });

  it('(a) a berth stack is listed by `docker-compose ps` and removed by `docker-compose down`', async () => {
    const p = fx.project(v1File());
    await up(await p.load(), { runtime: fx.runtime });

    const listed = await dockerComposeV1(p, 'ps');
    const rows = listed.stdout.split('\n').filter((l) => l.startsWith(p.name));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual([`${p.name}-a-1`, `${p.name}-b-1`]);
    for (const r of rows) expect(r).toMatch(/\bUp\b/);
    const quiet = await dockerComposeV1(p, 'ps', '-q');
    const ids = (await ps(p.name, { runtime: fx.runtime })).map((c) => c.ID).sort();
    expect(quiet.stdout.trim().split('\n').sort()).toEqual(ids);

    await dockerComposeV1(p, 'down');
    // v1's down keeps named volumes, like berth's.
    expect(await leftovers(fx.runtime, p.name)).toEqual({
      containers: [],
      networks: [],
      volumes: [`${p.name}_data`],
    });
    await dockerComposeV1(p, 'down', '-v');
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('(b) a docker-compose stack is listed by berth `ps` and removed by berth `down`', async () => {
    const p = fx.project(v1File());
    await dockerComposeV1(p, 'up', '-d');

    const list = await ps(p.name, { runtime: fx.runtime });
    expect(list.map((c) => [c.Name, c.Service, c.Number, c.State])).toEqual([
      [`${p.name}_a_1`, 'a', 1, 'running'],
      [`${p.name}_b_1`, 'b', 1, 'running'],
    ]);
    expect(await leftovers(fx.runtime, p.name)).toEqual({
      containers: [`${p.name}_a_1`, `${p.name}_b_1`],
      networks: [`${p.name}_default`],
      volumes: [`${p.name}_data`],
    });

    // From the project name alone (no file): the labels say the rest, v1's network included.
    await down(p.name, { runtime: fx.runtime });
    expect(await leftovers(fx.runtime, p.name)).toEqual({
      containers: [],
      networks: [],
      volumes: [`${p.name}_data`],
    });
    await down(p.name, { runtime: fx.runtime, volumes: true });
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('(c) berth `up` on a docker-compose project recreates the containers under v2 names, keeping network and volume data', async () => {
    const p = fx.project(v1File());
    await dockerComposeV1(p, 'up', '-d');
    const v1 = await ps(p.name, { runtime: fx.runtime });
    const v1Network = await fx.runtime.inspectNetwork(`${p.name}_default`);
    const a1 = v1.find((c) => c.Service === 'a')!;
    expect((await fx.runtime.exec(a1.ID, { cmd: ['sh', '-c', 'echo from-v1 > /data/file'] })).exitCode).toBe(
      0,
    );

    const result = await up(await p.load(), { runtime: fx.runtime, wait: true });
    expect(result.containers.map((c) => [c.Name, c.State])).toEqual([
      [`${p.name}-a-1`, 'running'],
      [`${p.name}-b-1`, 'running'],
    ]);
    const causes = new Set(
      result.plan.operations.filter((o) => o.type === 'CreateContainer').map((o) => o.cause),
    );
    expect([...causes]).toEqual(['config hash changed']);
    // Network and volume: adopted as they are (labelled by v1, no config hash: never recreated).
    expect(result.plan.operations.filter((o) => o.network || o.volume)).toEqual([]);
    expect((await fx.runtime.inspectNetwork(`${p.name}_default`))?.id).toBe(v1Network!.id);

    const inspected = await dockerInspect(...result.containers.map((c) => c.ID));
    expect(inspected.map((i) => i.Config.Labels[REPLACE_LABEL])).toEqual([`${p.name}_a_1`, `${p.name}_b_1`]);
    const a = result.containers.find((c) => c.Service === 'a')!;
    const read = await fx.runtime.exec(a.ID, { cmd: ['cat', '/data/file'] });
    expect(read.stdout?.trim()).toBe('from-v1');

    const again = await up(await p.load(), { runtime: fx.runtime });
    expect(again.plan.operations).toEqual([]);

    // And v1 still sees the project berth now runs, and takes it down with its volume.
    const listed = await dockerComposeV1(p, 'ps');
    expect(listed.stdout).toContain(`${p.name}-a-1`);
    await dockerComposeV1(p, 'down', '-v');
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
