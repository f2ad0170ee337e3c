/**
 * The supervisor with real processes and real time: "containers" are `/bin/sh -c` processes whose
 * wrapper writes the exit code into a temporary exits directory (as conmon does), watched with
 * fs.watch. Proves restart on-failure:2 happens twice and then stops, and a health probe going
 * healthy → unhealthy after `retries` failures. Then the same through the detached process:
 * ensureSupervisor spawns main.ts (through tsx), a second call finds it, it restarts a container and
 * exits on its own when idle; stopSupervisor stops one that still has work.
 *
 * Everything lives under a mkdtemp dir; every process group started is killed afterwards.
 */
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EnginePaths, enginePaths } from '../../../../src/engine/paths.js';
import { pidAlive } from '../../../../src/engine/store/fsutil.js';
import { ensureSupervisor, stopSupervisor, supervisorPid } from '../../../../src/engine/supervisor/client.js';
import { supervisorFiles } from '../../../../src/engine/supervisor/files.js';
import { Supervisor } from '../../../../src/engine/supervisor/supervisor.js';
import { ProcessHost } from './support/process-host.js';

let tmp: string;
let paths: EnginePaths;
let host: ProcessHost;
const extraPids: number[] = [];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'berth-supervisor-'));
  paths = enginePaths({ root: join(tmp, 'root'), runRoot: join(tmp, 'run') });
  host = new ProcessHost(paths);
});

afterEach(async () => {
  await host.killAll();
  for (const pid of extraPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(tmp, { recursive: true, force: true });
});

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function lines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

describe('Supervisor with real processes', () => {
  it('restarts on-failure:2 twice, then leaves the container exited and returns', async () => {
    const runs = join(tmp, 'flaky.runs');
    await host.add({
      id: 'flaky',
      cmd: `echo run >> '${runs}'; exit 3`,
      restart: { name: 'on-failure', maximumRetryCount: 2 },
    });
    await host.start('flaky');
    const logs: string[] = [];
    const sup = new Supervisor({
      host,
      exitsDir: paths.exits,
      pollIntervalMs: 200,
      idleGraceMs: 300,
      log: (m) => logs.push(m),
    });
    const ac = new AbortController();
    const guard = setTimeout(() => ac.abort(), 30_000);
    try {
      await sup.run(ac.signal);
    } finally {
      clearTimeout(guard);
    }
    expect(ac.signal.aborted).toBe(false);
    expect(await lines(runs)).toEqual(['run', 'run', 'run']);
    const rec = await host.read('flaky');
    expect(rec.restartCount).toBe(2);
    expect(rec.pids).toHaveLength(3);
    expect(await host.exitCodeOf('flaky')).toBe(3);
    expect(logs.filter((l) => l.includes('restarted'))).toHaveLength(2);
    expect(logs.some((l) => l.includes('exited with code 3; not restarting'))).toBe(true);
  });

  it('a health probe flips healthy → unhealthy after retries failures', async () => {
    const flag = join(tmp, 'healthy');
    await writeFile(flag, '');
    await host.add({
      id: 'web',
      cmd: 'exec sleep 60',
      healthcheck: {
        test: ['CMD-SHELL', `test -f '${flag}' && echo fine`],
        intervalMs: 100,
        timeoutMs: 5000,
        retries: 2,
      },
    });
    await host.start('web');
    const sup = new Supervisor({ host, exitsDir: paths.exits, pollIntervalMs: 100 });
    const ac = new AbortController();
    const running = sup.run(ac.signal);
    try {
      const healthy = await waitFor('healthy', async () => {
        const h = (await host.read('web')).health;
        return h?.status === 'healthy' ? h : undefined;
      });
      expect(healthy.failingStreak).toBe(0);
      expect(healthy.log.at(-1)).toMatchObject({ exitCode: 0, output: 'fine\n' });

      await unlink(flag);
      const unhealthy = await waitFor('unhealthy', async () => {
        const h = (await host.read('web')).health;
        return h?.status === 'unhealthy' ? h : undefined;
      });
      expect(unhealthy.failingStreak).toBe(2);
      expect(unhealthy.log.slice(-2).map((e) => e.exitCode)).toEqual([1, 1]);
      expect(Date.parse(unhealthy.log.at(-1)!.end)).toBeGreaterThanOrEqual(
        Date.parse(unhealthy.log.at(-1)!.start),
      );
    } finally {
      ac.abort();
      await running;
    }
  });
});

describe('the supervisor process', () => {
  const hostModule = fileURLToPath(new URL('./support/process-host.ts', import.meta.url));
  const entry = fileURLToPath(new URL('../../../../src/engine/supervisor/main.ts', import.meta.url));
  const client = (project: string) => ({
    paths,
    project,
    entry,
    // main.ts runs from / (cwd), so tsx is named by its absolute URL
    execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
    args: ['--host-module', hostModule, '--poll-interval-ms', '100', '--idle-grace-ms', '300'],
  });

  it('is started once, restarts a container, and exits by itself when idle', async () => {
    const project = `berth-test-${process.pid}-a`;
    const runs = join(tmp, 'job.runs');
    await host.add({
      id: 'job',
      cmd: `echo run >> '${runs}'; sleep 1; exit 1`,
      restart: { name: 'on-failure', maximumRetryCount: 1 },
    });
    await host.start('job');

    const first = await ensureSupervisor(client(project));
    extraPids.push(first.pid);
    expect(first.started).toBe(true);
    const files = supervisorFiles(paths, project);
    expect(Number((await readFile(files.pid, 'utf8')).trim())).toBe(first.pid);
    const again = await ensureSupervisor(client(project));
    expect(again).toEqual({ pid: first.pid, started: false });

    await waitFor('the supervisor to exit', async () => !pidAlive(first.pid));
    expect(await lines(runs)).toEqual(['run', 'run']);
    expect((await host.read('job')).restartCount).toBe(1);
    await expect(stat(files.pid)).rejects.toThrow(/ENOENT/);
    expect(await supervisorPid({ paths, project })).toBeUndefined();
    const log = await readFile(files.log, 'utf8');
    expect(log).toMatch(/job exited with code 1; restart #1/);
    expect(log).toMatch(/nothing left to supervise; exiting/);
  });

  it('stopSupervisor stops one that still has work; a stale pid file is not trusted', async () => {
    const project = `berth-test-${process.pid}-b`;
    await host.add({ id: 'svc', cmd: 'exec sleep 60', restart: { name: 'always' } });
    await host.start('svc');
    const files = supervisorFiles(paths, project);

    // a pid file naming some other live process (ours) is not a supervisor
    await mkdir(paths.supervisor, { recursive: true });
    await writeFile(files.pid, `${process.pid}\n`);
    expect(await supervisorPid({ paths, project })).toBeUndefined();
    expect(await stopSupervisor({ paths, project })).toBe(false);

    const { pid, started } = await ensureSupervisor(client(project));
    extraPids.push(pid);
    expect(started).toBe(true);
    expect(pid).not.toBe(process.pid);
    // still alive after the idle grace: the container has a restart policy
    await new Promise((r) => setTimeout(r, 800));
    expect(pidAlive(pid)).toBe(true);
    expect(await stopSupervisor({ paths, project }, { timeoutMs: 10_000 })).toBe(true);
    expect(pidAlive(pid)).toBe(false);
    expect(await readFile(files.log, 'utf8')).toMatch(/received SIGTERM/);
    // the container is not the supervisor's child: it keeps running
    const rec = await host.read('svc');
    expect(pidAlive(rec.pid!)).toBe(true);
  });
});
