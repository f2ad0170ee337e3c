/**
 * The lifecycle commands as a user runs them: the built CLI (`node bin/berth.js`, so `npm run build`
 * first) against the engine under test (dockerd, or the built-in engine: test/support/runtime.ts) with
 * the offline busybox image — stop/start/restart/kill/pause/unpause/rm/create/scale/wait/logs, their
 * progress lines, outputs and exit statuses. Unique project names in a temp dir; afterAll takes
 * everything with the project labels away through the engine itself, so a failing test leaks nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { removeLeftovers } from '../support/cleanup.js';
import { prepareBusyboxTests, berth as run, startBerth, uniqueSuffix } from '../support/cli.js';
import {
  engineExec,
  engineInspect,
  engineRemoveVolume,
  engineVolumes,
  engineWait,
} from '../support/runtime.js';

/** The name of the volume mounted at `destination` in the container ('' for none), from the engine. */
const volumeAt = (container: string, destination: string) =>
  engineInspect(container).Mounts.find((m) => m.Destination === destination)?.Name ?? '';

const suffix = uniqueSuffix();
const project = `berth-e2e-lc-${suffix}`;
const jobProject = `berth-e2e-lcjob-${suffix}`;
let dir = '';

/** `berth --progress plain …` in the project directory, `input` on stdin. */
function berth(args: string[], input?: string) {
  return run(['--progress', 'plain', ...args], { cwd: dir, input });
}

/** name → State, from `berth ps -a --format json`. */
function states(name = project): Record<string, string> {
  const r = berth(['-p', name, 'ps', '-a', '--format', 'json']);
  expect(r.status).toBe(0);
  const out: Record<string, string> = {};
  for (const line of r.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')) {
    const c = JSON.parse(line);
    out[c.Name] = c.State;
  }
  return out;
}

const STACK = `name: ${project}
services:
  db:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; echo db ready; sleep 100000 & wait"]
  web:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; echo web one; echo web two; sleep 100000 & wait"]
    volumes: ["/scratch"]
    depends_on:
      db: {condition: service_started, restart: true}
`;

const JOB_STACK = `name: ${jobProject}
services:
  job:
    image: berth-test/busybox:1
    command: ["sh", "-c", "echo working; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo finished; exit 3"]
`;

beforeAll(async () => {
  await prepareBusyboxTests();
  dir = mkdtempSync(join(tmpdir(), 'berth-e2e-lc-'));
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  writeFileSync(join(dir, 'job.yaml'), JOB_STACK);
});

afterAll(() => {
  removeLeftovers(project, jobProject);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('berth lifecycle commands', () => {
  it('create leaves containers created; start starts them; stop prints compose lines', () => {
    expect(berth(['create']).status).toBe(0);
    expect(states()).toEqual({ [`${project}-db-1`]: 'created', [`${project}-web-1`]: 'created' });
    const started = berth(['start']);
    expect(started.status).toBe(0);
    expect(started.stderr).toContain(` Container ${project}-db-1  Started\n`);
    const stopped = berth(['stop', '-t', '5']);
    expect(stopped.status).toBe(0);
    expect(stopped.stderr).toBe(
      [
        ` Container ${project}-web-1  Stopping`,
        ` Container ${project}-web-1  Stopped`,
        ` Container ${project}-db-1  Stopping`,
        ` Container ${project}-db-1  Stopped`,
        '',
      ].join('\n'),
    );
    expect(states()).toEqual({ [`${project}-db-1`]: 'exited', [`${project}-web-1`]: 'exited' });
    // From the project name alone, as compose's projectOrName.
    expect(berth(['-p', project, 'start', 'web']).status).toBe(0);
    expect(states()).toEqual({ [`${project}-db-1`]: 'running', [`${project}-web-1`]: 'running' });
  });

  it('restart db restarts its restart: true dependent', () => {
    const r = berth(['restart', 'db']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(` Container ${project}-db-1  Restarting\n`);
    expect(r.stderr).toContain(` Container ${project}-web-1  Restarting\n`);
    const noDeps = berth(['restart', '--no-deps', 'db']);
    expect(noDeps.stderr).not.toContain('web-1');
  });

  it('logs: prefixes, --no-log-prefix, -t, --tail, --index', () => {
    const all = berth(['logs', 'web']);
    expect(all.status).toBe(0);
    // Started, started again and restarted above: each run printed its two lines.
    expect(all.stdout.split('\n').filter((l) => l === 'web-1  | web one')).toHaveLength(3);
    const bare = berth(['logs', '--no-log-prefix', '--tail', '1', 'web']);
    expect(bare.stdout).toBe('web two\n');
    const stamped = berth(['logs', '-t', '-n', '1', 'db']);
    expect(stamped.stdout).toMatch(/^db-1 {2}\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z db ready\n$/);
    expect(berth(['logs', '--index', '1', 'web', '-n', '1']).stdout).toBe('web-1  | web two\n');
    expect(berth(['logs', '--since', '1h', '-n', '1', 'db']).stdout).toBe('db-1  | db ready\n');
    expect(berth(['logs', '--until', '2000-01-01T00:00:00Z', 'db']).stdout).toBe('');
    const badTime = berth(['logs', '--since', 'yesterday']);
    expect(badTime.status).toBe(1);
    expect(badTime.stderr).toContain('failed to parse value as time or duration: "yesterday"');
    const badIndex = berth(['logs', '--index', '1']);
    expect(badIndex.status).toBe(1);
    expect(badIndex.stderr).toContain('--index requires one service to be selected');
  });

  it('an unknown service fails with a hint', () => {
    const r = berth(['stop', 'wbe']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: no such service: wbe');
    expect(r.stderr).toContain('hint: did you mean');
  });

  it('pause / unpause / kill -s', () => {
    expect(berth(['pause', 'web']).stderr).toBe(` Container ${project}-web-1  Paused\n`);
    expect(states()[`${project}-web-1`]).toBe('paused');
    expect(berth(['unpause']).stderr).toBe(` Container ${project}-web-1  Unpaused\n`);
    expect(states()[`${project}-web-1`]).toBe('running');
    const k = berth(['kill', '-s', 'SIGTERM', 'web']);
    expect(k.status).toBe(0);
    expect(k.stderr).toContain(` Container ${project}-web-1  Killed\n`);
    // The signal is sent; the container's exit follows a moment later.
    engineWait(`${project}-web-1`);
    expect(berth(['kill', 'web']).stderr).toBe('no container to kill\n');
  });

  it('rm asks, and -f -s -v removes containers and anonymous volumes', () => {
    const volume = volumeAt(`${project}-web-1`, '/scratch');
    expect(volume).not.toBe('');
    const declined = berth(['rm', 'web'], 'n\n');
    expect(declined.status).toBe(0);
    expect(declined.stdout).toBe(`Going to remove ${project}-web-1`);
    expect(Object.keys(states())).toContain(`${project}-web-1`);
    // db is running: without -s it is left alone.
    const forced = berth(['rm', '-f', '-s', '-v']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toBe(`Going to remove ${project}-db-1, ${project}-web-1\n`);
    expect(forced.stderr).toContain(` Container ${project}-db-1  Stopped\n`);
    expect(forced.stderr).toContain(` Container ${project}-web-1  Removed\n`);
    expect(states()).toEqual({});
    expect(engineVolumes({ name: volume })).toEqual([]);
    expect(berth(['rm', '-f']).stderr).toBe('No stopped containers\n');
  });

  it('scale up and down keeps the lowest numbers', () => {
    expect(berth(['scale', 'web=3']).status).toBe(0);
    // Like compose, scaling down keeps the removed replicas' anonymous volumes: remove them here.
    const anonymous = [2, 3].map((n) => volumeAt(`${project}-web-${n}`, '/scratch'));
    onTestFinished(() => {
      for (const v of anonymous.filter((name) => name !== '')) {
        try {
          engineRemoveVolume(v);
        } catch {
          // still in use when the test failed before scaling down: the afterAll backstop reports it
        }
      }
    });
    expect(Object.keys(states()).sort()).toEqual([
      `${project}-db-1`,
      `${project}-web-1`,
      `${project}-web-2`,
      `${project}-web-3`,
    ]);
    const down = berth(['scale', 'web=1']);
    expect(down.status).toBe(0);
    expect(down.stderr).toContain(` Container ${project}-web-3  Removed\n`);
    expect(Object.keys(states()).sort()).toEqual([`${project}-db-1`, `${project}-web-1`]);
    expect(berth(['scale', 'web']).stderr).toContain('invalid scale specifier: web');
  });

  it('logs -f ends when the job exits; wait returns its exit code', async () => {
    const job = ['-f', 'job.yaml'];
    expect(berth([...job, 'up', '-d']).status).toBe(0);
    const follow = startBerth([...job, 'logs', '-f'], { cwd: dir });
    const waiter = startBerth([...job, 'wait', 'job'], { cwd: dir });
    const [followed, waited] = [follow.finished, waiter.finished];
    // Let the job finish once the follow has printed its first line.
    await follow.printed('working');
    // Slack for `wait` to have listed the running job too (it started with the follow).
    await new Promise((r) => setTimeout(r, 1000));
    engineExec(`${jobProject}-job-1`, ['touch', '/tmp/go']);
    const f = await followed;
    expect(f.status).toBe(0);
    expect(f.stdout).toBe('job-1  | working\njob-1  | finished\njob-1 exited with code 3\n');
    const w = await waited;
    expect(w.status).toBe(3);
    const id = engineInspect(`${jobProject}-job-1`).Id;
    expect(w.stdout).toBe(`container "${id}" exited with status code 3\n`);
  });

  it('logs -f stops on Ctrl-C with status 130', async () => {
    expect(berth(['up', '-d', 'db']).status).toBe(0);
    const follow = startBerth(['logs', '-f', 'db'], { cwd: dir });
    await follow.printed('db ready');
    follow.kill('SIGINT');
    expect(await follow.exited).toBe(130);
  });
});
