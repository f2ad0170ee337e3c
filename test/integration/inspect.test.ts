/**
 * The inspection verbs (`port`, `top`, `events`, `ls`, `stats`) through the library API on the engine
 * under test (dockerd, or the built-in engine: test/support/runtime.ts), with the offline image `berth-test/busybox:1`. One stack (web publishing on 127.0.0.1,
 * worker with two replicas) is brought up once for the file under its own project `berth-it-<random>`;
 * everything with its project label is removed afterwards, however the tests end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContainerSummary,
  events,
  ls,
  type ProjectEvent,
  port,
  ps,
  stats,
  top,
  up,
  watchStats,
} from '../../src/index.js';
import { composeJson, SLEEPER } from '../support/fixture.js';
import { httpBody } from '../support/net.js';
import { enginePort } from '../support/runtime.js';
import { StackFixture, type TempProject } from '../support/stack.js';

const fx = new StackFixture();
let p: TempProject;
let list: ContainerSummary[];

beforeAll(async () => {
  await fx.setup();
  p = fx.project(
    composeJson({
      web: {
        image: fx.image,
        command: [
          'sh',
          '-c',
          "trap 'exit 0' TERM; echo inspected > /www/index.html; httpd -f -p 80 -h /www & wait",
        ],
        ports: [{ target: 80, host_ip: '127.0.0.1' }],
      },
      worker: { image: fx.image, command: SLEEPER, scale: 2 },
    }),
  );
  await up(await p.load(), { runtime: fx.runtime });
  list = await ps(p.name, { runtime: fx.runtime });
}, 120_000);
afterAll(() => fx.close());

describe('port', () => {
  it('gives the 127.0.0.1 address the engine published, which answers', async () => {
    const binding = await port(p.name, 'web', 80, { runtime: fx.runtime });
    expect(binding.ip).toBe('127.0.0.1');
    expect(binding.port).toBeGreaterThan(0);
    const web = list.find((c) => c.Service === 'web')!;
    expect(enginePort(web.ID, '80/tcp')).toContain(`127.0.0.1:${binding.port}`);
    expect(await httpBody(`127.0.0.1:${binding.port}`)).toBe('inspected\n');
  });

  it('fails for a port the service does not publish, and for a missing replica', async () => {
    await expect(port(p.name, 'web', 81, { runtime: fx.runtime })).rejects.toThrow(
      `no port 81/tcp for container ${p.name}-web-1: 80/tcp`,
    );
    await expect(port(p.name, 'web', 80, { runtime: fx.runtime, index: 2 })).rejects.toThrow(
      'service "web" is not running container #2',
    );
  });
});

describe('top', () => {
  it("lists each running container's processes, with ps's titles", async () => {
    const result = await top(p.name, { runtime: fx.runtime });
    expect(result.map((c) => [c.Name, c.Service, c.Replica])).toEqual([
      [`${p.name}-web-1`, 'web', '1'],
      [`${p.name}-worker-1`, 'worker', '1'],
      [`${p.name}-worker-2`, 'worker', '2'],
    ]);
    for (const c of result) {
      expect(c.Titles).toContain('PID');
      expect(c.Titles).toContain('CMD');
    }
    const cmd = (c: (typeof result)[number]) => c.Processes.map((row) => row[c.Titles.indexOf('CMD')]);
    expect(cmd(result[0]!).some((s) => s?.includes('httpd -f -p 80'))).toBe(true);
    expect(cmd(result[1]!)).toContain('sleep 100000');
  });

  it('keeps to the services asked for', async () => {
    const result = await top(p.name, { runtime: fx.runtime, services: ['web'] });
    expect(result.map((c) => c.Service)).toEqual(['web']);
  });
});

describe('stats', () => {
  it('samples every running container once, with plausible values', async () => {
    const entries = await stats(p.name, { runtime: fx.runtime });
    expect(entries.map((e) => e.ID).sort()).toEqual(list.map((c) => c.ID).sort());
    for (const e of entries) {
      expect(e.Name.startsWith(`${p.name}-`)).toBe(true);
      expect(e.Memory).toBeGreaterThan(0);
      expect(e.MemoryLimit).toBeGreaterThan(e.Memory);
      expect(e.MemoryPercentage).toBeGreaterThan(0);
      expect(e.MemoryPercentage).toBeLessThan(100);
      expect(e.CPUPercentage).toBeGreaterThanOrEqual(0);
      expect(e.Pids).toBeGreaterThanOrEqual(1);
    }
    const web = entries.find((e) => e.Service === 'web')!;
    // The project network carries at least the container's own traffic (ARP, the HTTP test above).
    expect(web.NetworkRx + web.NetworkTx).toBeGreaterThan(0);
  });

  it('streams snapshots of every container until aborted (watchStats)', async () => {
    const stop = new AbortController();
    const snapshots: string[][] = [];
    for await (const entries of watchStats(p.name, {
      runtime: fx.runtime,
      signal: stop.signal,
      intervalMs: 200,
    })) {
      snapshots.push(entries.map((e) => e.Name).sort());
      for (const e of entries) expect(e.Memory).toBeGreaterThan(0);
      if (snapshots.length === 3) stop.abort();
    }
    expect(snapshots).toHaveLength(3);
    for (const names of snapshots) expect(names).toEqual(list.map((c) => c.Name).sort());
  }, 30_000);

  it('keeps to the services asked for', async () => {
    const entries = await stats(p.name, { runtime: fx.runtime, services: ['worker'] });
    expect(entries.map((e) => e.Name).sort()).toEqual([`${p.name}-worker-1`, `${p.name}-worker-2`]);
  });
});

describe('events and ls', () => {
  it('streams the container events a restart causes, and ends when aborted', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const stop = new AbortController();
    const seen: ProjectEvent[] = [];
    const worker = list.find((c) => c.Name === `${p.name}-worker-2`)!;
    const reading = (async () => {
      for await (const e of events(p.name, {
        runtime: fx.runtime,
        services: ['worker'],
        since,
        signal: stop.signal,
      })) {
        seen.push(e);
        if (e.action === 'start' && e.container === worker.ID) stop.abort();
      }
    })();
    await fx.runtime.stopContainer(worker.ID, { timeoutSeconds: 5 });
    await fx.runtime.startContainer(worker.ID);
    await reading;
    const actions = seen.filter((e) => e.container === worker.ID).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['kill', 'die', 'stop', 'start']));
    const start = seen.find((e) => e.action === 'start')!;
    expect(start.service).toBe('worker');
    expect(start.attributes.name).toBe(`${p.name}-worker-2`);
    expect(start.attributes.image).toBe(fx.image);
    expect(Object.keys(start.attributes).some((k) => k.startsWith('com.docker.compose.'))).toBe(false);
    expect(seen.every((e) => e.service === 'worker')).toBe(true);
  }, 60_000);

  it("lists the project with its containers' states and its config file", async () => {
    const only = [`^${p.name}$`];
    expect(await ls({ runtime: fx.runtime, names: only })).toEqual([
      { Name: p.name, Status: 'running(3)', ConfigFiles: p.file },
    ]);
    const worker = list.find((c) => c.Name === `${p.name}-worker-1`)!;
    await fx.runtime.stopContainer(worker.ID, { timeoutSeconds: 5 });
    expect(await ls({ runtime: fx.runtime, names: only })).toEqual([
      { Name: p.name, Status: 'running(2)', ConfigFiles: p.file },
    ]);
    expect(await ls({ runtime: fx.runtime, names: only, all: true })).toEqual([
      { Name: p.name, Status: 'exited(1), running(2)', ConfigFiles: p.file },
    ]);
    // Every project shows without a filter, this one among them.
    expect((await ls({ runtime: fx.runtime })).map((x) => x.Name)).toContain(p.name);
  }, 60_000);
});
