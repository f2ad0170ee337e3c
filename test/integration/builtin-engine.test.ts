/**
 * What the built-in engine does without a daemon that the contract suite does not reach: restart
 * policies applied by the per-project supervisor, `die` events from conmon's exit hook, `autoRemove`
 * (`run --rm`) done by that hook, `volumes_from`, and the `auto` runtime choice. Real runc, conmon and
 * netavark in temporary state directories; everything is removed afterwards, even on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopSupervisor, supervisorPid } from '../../src/engine/supervisor/client.js';
import { type BuiltinRuntime, createBuiltinRuntime } from '../../src/runtime/builtin/builtin-runtime.js';
import { chooseRuntime } from '../../src/runtime/open.js';
import type { ContainerSpec, RuntimeEvent } from '../../src/runtime/runtime.js';
import { ensureBusyboxInStore } from '../support/images/busybox-store.js';

describe('built-in engine: supervisor, exit hook, volumes_from', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-be-root-'));
  const runRoot = mkdtempSync(join(tmpdir(), 'berth-be-run-'));
  const project = `berth-it-${randomBytes(4).toString('hex')}`;
  const labels = { 'com.docker.compose.project': project };
  let rt: BuiltinRuntime;
  let image: string;

  const spec = (name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name: `${project}-${name}`,
    image,
    env: {},
    labels,
    mounts: [],
    ports: [],
    networks: {},
    networkMode: 'none',
    ...extra,
  });

  beforeAll(async () => {
    rt = await createBuiltinRuntime({ root, runRoot });
    image = await ensureBusyboxInStore(rt.store);
  });

  afterAll(async () => {
    try {
      if (rt) {
        for (const c of await rt.listContainers({ all: true, labels })) {
          await rt.removeContainer(c.id, { force: true, volumes: true }).catch(() => {});
        }
        await stopSupervisor({ paths: rt.paths, project });
        for (const v of await rt.listVolumes())
          await rt.removeVolume(v.name, { force: true }).catch(() => {});
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(runRoot, { recursive: true, force: true });
    }
  });

  it('restarts on-failure:2 twice through the supervisor, then leaves it exited; conmon announces each exit', async () => {
    const events: RuntimeEvent[] = [];
    const ac = new AbortController();
    const listening = (async () => {
      for await (const e of rt.events({ labels, signal: ac.signal })) events.push(e);
    })();
    const { id } = await rt.createContainer(
      spec('flaky', {
        command: ['sh', '-c', 'sleep 0.2; exit 4'],
        restart: { name: 'on-failure', maximumRetryCount: 2 },
      }),
    );
    await rt.startContainer(id);
    expect(await supervisorPid({ paths: rt.paths, project })).toBeGreaterThan(0);
    let info = await rt.inspectContainer(id);
    for (let i = 0; i < 150 && !(info?.state === 'exited' && info.restartCount === 2); i++) {
      await new Promise((r) => setTimeout(r, 200));
      info = await rt.inspectContainer(id);
    }
    expect(info).toMatchObject({ state: 'exited', exitCode: 4, restartCount: 2 });
    // Stays exited: the policy is spent.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await rt.inspectContainer(id))?.state).toBe('exited');
    for (let i = 0; i < 50 && events.filter((e) => e.action === 'die').length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    ac.abort();
    await listening;
    const mine = events.filter((e) => e.id === id);
    expect(mine.filter((e) => e.action === 'die').map((e) => e.attributes.exitCode)).toEqual(['4', '4', '4']);
    expect(mine.filter((e) => e.action === 'start')).toHaveLength(3);
    expect(mine.every((e) => e.attributes.name === `${project}-flaky`)).toBe(true);
  });

  it('removes an autoRemove container once it exits (run --rm)', async () => {
    const { id } = await rt.createContainer(spec('once', { command: ['true'], autoRemove: true }));
    const removed = rt.waitContainer(id, { condition: 'removed' });
    await rt.startContainer(id);
    await removed;
    expect(await rt.inspectContainer(id)).toBeUndefined();
  });

  it('mounts the volumes of another container with volumes_from, read-only with :ro', async () => {
    const { id: src } = await rt.createContainer(
      spec('data', {
        command: ['sh', '-c', 'echo shared > /data/f; sleep 60'],
        mounts: [{ type: 'volume', target: '/data' }],
        init: true,
      }),
    );
    await rt.startContainer(src);
    for (let i = 0; i < 50; i++) {
      const r = await rt.exec(src, { cmd: ['cat', '/data/f'] });
      if (r.exitCode === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const { id: reader } = await rt.createContainer(
      spec('reader', {
        command: ['sh', '-c', 'cat /data/f; echo x > /data/g'],
        volumesFrom: [`${project}-data:ro`],
      }),
    );
    await rt.startContainer(reader);
    expect(await rt.waitContainer(reader)).toEqual({ exitCode: 1 });
    const out: string[] = [];
    for await (const l of rt.logs(reader)) out.push(`${l.stream}: ${l.text}`);
    expect(out[0]).toBe('stdout: shared');
    expect(out.join('\n')).toMatch(/Read-only file system/);
    await rt.stopContainer(src, { timeoutSeconds: 1 });
  });

  it("answers DNS at Docker's 127.0.0.11 on a user network, as aardvark-dns does", async () => {
    const net = `${project}-dns`;
    await rt.createNetwork({ name: net, labels });
    const onNet = (name: string, command: string[]) =>
      spec(name, {
        command,
        init: true,
        networkMode: undefined,
        networks: { [net]: { aliases: [`${name}-alias`] } },
      });
    const { id: web } = await rt.createContainer(onNet('web', ['sleep', '60']));
    const { id: client } = await rt.createContainer(onNet('client', ['sleep', '60']));
    await rt.startContainer(web);
    await rt.startContainer(client);
    const webIp = (await rt.inspectContainer(web))?.networks[net]?.ipAddress;
    expect(webIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    let r: { exitCode: number; stdout?: string } = { exitCode: -1 };
    // aardvark-dns learns a new name on SIGHUP, asynchronously: allow it a moment.
    for (let i = 0; i < 30; i++) {
      r = await rt.exec(client, { cmd: ['nslookup', 'web-alias', '127.0.0.11'] });
      if (r.exitCode === 0 && r.stdout?.includes(webIp!)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(webIp);
    for (const id of [client, web]) await rt.removeContainer(id, { force: true });
    await rt.removeNetwork(net);
  });

  it('auto picks docker when a Docker engine answers or is named, builtin otherwise', async () => {
    expect((await chooseRuntime({ BERTH_RUNTIME: 'builtin' })).name).toBe('builtin');
    expect((await chooseRuntime({ DOCKER_HOST: 'unix:///nonexistent.sock' })).name).toBe('docker');
    // dockerd answers on the default socket in CI (the docker runtime tests need it).
    expect(await chooseRuntime({})).toMatchObject({
      name: 'docker',
      reason: expect.stringContaining('answers'),
    });
    const dir = mkdtempSync(join(tmpdir(), 'berth-be-home-'));
    try {
      // No DOCKER_HOST, no context (an empty docker config dir), and the default socket silent.
      const silent = async () => false;
      expect(await chooseRuntime({ DOCKER_CONFIG: dir }, silent)).toEqual({
        name: 'builtin',
        reason: 'no Docker engine answers at unix:///var/run/docker.sock',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(chooseRuntime({ BERTH_RUNTIME: 'podman' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
