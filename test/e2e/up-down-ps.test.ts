/**
 * `berth up`, `ps` and `down` as a user runs them: the built CLI (`node bin/berth.js`, so `npm run build`
 * first) against the engine under test (dockerd, or the built-in engine in the `builtin` project: see
 * test/support/runtime.ts), with the offline busybox image. Each run uses unique project names in a
 * temp dir; afterAll takes the stacks down with berth and then removes anything left with the project
 * label through the engine itself, so a failing test leaks nothing. Traffic goes to 127.0.0.1 only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeLeftovers } from '../support/cleanup.js';
import {
  PROJECT_LABEL,
  prepareBusyboxTests,
  berth as run,
  startBerth,
  uniqueSuffix,
} from '../support/cli.js';
import { freePort, httpBody } from '../support/net.js';
import { engineContainers, engineInspect, engineNetworks, engineVolumes } from '../support/runtime.js';

const suffix = uniqueSuffix();
const project = `berth-e2e-${suffix}`;
const jobProject = `berth-e2e-job-${suffix}`;
const waitProject = `berth-e2e-wait-${suffix}`;
const flakyProject = `berth-e2e-flaky-${suffix}`;

/** berth in the stack's directory unless told otherwise. */
function berth(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return run(args, { ...opts, cwd: opts.cwd ?? dir });
}

/** Ids of the containers with the project label, as the engine itself lists them. */
function dockerIds(name: string): string[] {
  return engineContainers({ [PROJECT_LABEL]: name })
    .map((c) => c.id)
    .sort();
}

function idsByService(name: string): Record<string, string> {
  const r = berth(['-p', name, 'ps', '-a', '--format', 'json', '--no-trunc']);
  expect(r.status).toBe(0);
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const c = JSON.parse(line);
    out[c.Service] = c.ID;
  }
  return out;
}

function stack(port: number, workerEnv: string): string {
  return `name: ${project}
services:
  web:
    image: berth-test/busybox:1
    command: ["sh", "-c", "echo hello from web > /www/index.html; httpd -p 80 -h /www; trap 'exit 0' TERM; while :; do sleep 1; done"]
    ports: ["127.0.0.1:${port}:80"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 1s
      timeout: 2s
      retries: 30
  worker:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    environment:
      MODE: "${workerEnv}"
    volumes: ["data:/data"]
    depends_on:
      web:
        condition: service_healthy
volumes:
  data: {}
`;
}

const JOB_STACK = `name: ${jobProject}
services:
  job:
    image: berth-test/busybox:1
    command: ["sh", "-c", "echo first line; sleep 0.3; echo second line; exit 3"]
  side:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; echo side ready; while :; do sleep 1; done"]
`;

const WAIT_STACK = `name: ${waitProject}
services:
  sick:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 1s
      retries: 60
`;

// Runs three times (on-failure:2), printing its run number each time.
const FLAKY_STACK = `name: ${flakyProject}
services:
  flaky:
    image: berth-test/busybox:1
    command: ["sh", "-c", "echo run; sleep 0.5; exit 4"]
    restart: on-failure:2
`;

let dir: string;
let jobDir: string;
let elsewhere: string;
let port: number;
let composeFile: string;

beforeAll(async () => {
  await prepareBusyboxTests();
  dir = mkdtempSync(join(tmpdir(), 'berth-e2e-up-'));
  jobDir = mkdtempSync(join(tmpdir(), 'berth-e2e-job-'));
  elsewhere = mkdtempSync(join(tmpdir(), 'berth-e2e-none-'));
  port = await freePort();
  composeFile = join(dir, 'compose.yaml');
  writeFileSync(composeFile, stack(port, 'one'));
  writeFileSync(join(jobDir, 'compose.yaml'), JOB_STACK);
  writeFileSync(join(jobDir, 'wait.yaml'), WAIT_STACK);
  writeFileSync(join(jobDir, 'flaky.yaml'), FLAKY_STACK);
});

afterAll(() => {
  for (const name of [project, jobProject, waitProject, flakyProject]) {
    berth(['-p', name, 'down', '-v', '-t', '0'], { cwd: elsewhere ?? tmpdir() });
    // Backstop: whatever berth left, by label, through the engine itself.
    removeLeftovers(name);
  }
  for (const d of [dir, jobDir, elsewhere]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('berth up / ps / down on the real engine', () => {
  it('up -d --wait brings the stack up healthy and exits 0', () => {
    const r = berth(['up', '-d', '--wait']);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status).toBe(0);
    // Not a TTY: plain progress, compose's lines.
    expect(r.stderr).toContain(` Container ${project}-web-1  Started\n`);
    expect(r.stderr).toContain(` Container ${project}-worker-1  Started\n`);
    expect(r.stdout).toBe('');
    expect(dockerIds(project)).toHaveLength(2);
  });

  it('ps --format json prints one compose-shaped object per container', () => {
    const r = berth(['ps', '--format', 'json']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [web, worker] = lines.map((l) => JSON.parse(l));
    expect(web).toMatchObject({
      Name: `${project}-web-1`,
      Names: `${project}-web-1`,
      Project: project,
      Service: 'web',
      Image: 'berth-test/busybox:1',
      State: 'running',
      Health: 'healthy',
      ExitCode: 0,
      Ports: `127.0.0.1:${port}->80/tcp`,
      Publishers: [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: port, Protocol: 'tcp' }],
    });
    expect(web.ID).toMatch(/^[0-9a-f]{12}$/);
    expect(web.Status).toMatch(/^Up /);
    expect(web.RunningFor).toMatch(/ago$/);
    expect(web.Networks).toBe(`${project}_default`);
    expect(worker).toMatchObject({
      Name: `${project}-worker-1`,
      Service: 'worker',
      State: 'running',
      Publishers: [],
    });
  });

  it('ps -q prints the full ids, ps --services the services, the table has compose columns', () => {
    const q = berth(['ps', '-q']);
    expect(q.status).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(dockerIds(project));
    const s = berth(['ps', '--services']);
    expect(s.stdout).toBe('web\nworker\n');
    expect(berth(['ps', '--services', '--status', 'paused']).stdout).toBe('\n');
    const t = berth(['ps']);
    expect(t.stdout.split('\n')[0]).toMatch(/^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
    expect(t.stdout).toContain(`127.0.0.1:${port}->80/tcp`);
    // Works from the project name alone, with no compose file around.
    const byName = berth(['-p', project, 'ps', '-q'], { cwd: elsewhere });
    expect(byName.status).toBe(0);
    expect(byName.stdout.trim().split('\n').sort()).toEqual(dockerIds(project));
  });

  it('the published port answers on 127.0.0.1', async () => {
    expect(await httpBody(port)).toBe('hello from web\n');
  });

  it('up -d again changes nothing: the same containers', () => {
    const before = idsByService(project);
    const r = berth(['--progress', 'json', 'up', '-d']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Creating|Recreate|Removing/);
    // --progress json: every stderr line is one JSON object.
    for (const line of r.stderr.split('\n').filter((l) => l !== ''))
      expect(() => JSON.parse(line)).not.toThrow();
    expect(idsByService(project)).toEqual(before);
  });

  it('--dry-run up prints the plan for a changed service and changes nothing', () => {
    const before = idsByService(project);
    writeFileSync(composeFile, stack(port, 'two'));
    const r = berth(['--dry-run', 'up', '-d']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Container ${project}-worker-1  Recreate`);
    expect(r.stdout).not.toContain(`${project}-web-1`);
    expect(idsByService(project)).toEqual(before);
  });

  it('a changed environment recreates only that service', () => {
    const before = idsByService(project);
    const r = berth(['up', '-d', '--wait']);
    expect(r.status).toBe(0);
    const after = idsByService(project);
    expect(after.web).toBe(before.web);
    expect(after.worker).not.toBe(before.worker);
    const env = engineInspect(after.worker!).Config.Env;
    expect(env).toContain('MODE=two');
  });

  it('an unknown service is an error with a clear message, exit 1, no stack trace', () => {
    const r = berth(['up', '-d', 'nosuch']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: no such service: nosuch');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const ps = berth(['ps', 'nosuch']);
    expect(ps.status).toBe(1);
    expect(ps.stderr).toContain('error: no such service: nosuch');
  });

  it('an unreachable engine is exit 1 with `no Docker engine at …`, no stack trace', () => {
    // Runtime selection (auto → DOCKER_HOST) is the same whichever engine the suite runs on.
    const env = { DOCKER_HOST: 'unix:///nonexistent.sock', BERTH_RUNTIME: 'auto' };
    for (const args of [['up', '-d'], ['ps'], ['down']]) {
      const r = berth(args, { env });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('error: no Docker engine at unix:///nonexistent.sock');
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('up --wait that times out exits 1 naming the service', () => {
    const r = berth(['-f', 'wait.yaml', 'up', '-d', '--wait', '--wait-timeout', '2'], { cwd: jobDir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: .*${waitProject}-sick-1`, 'm'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(berth(['-f', 'wait.yaml', 'down', '-t', '0'], { cwd: jobDir }).status).toBe(0);
  });

  it('up in the foreground streams prefixed logs and exits with --exit-code-from', () => {
    const r = berth(['up', '--exit-code-from', 'job'], { cwd: jobDir });
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^Attaching to job-1, side-1$/m);
    expect(r.stdout).toMatch(/^job-1 +\| first line$/m);
    expect(r.stdout).toMatch(/^job-1 +\| second line$/m);
    expect(r.stdout).toMatch(/^side-1 +\| side ready$/m);
    expect(r.stdout).toContain('job-1 exited with code 3\n');
    expect(r.stdout).toContain('Aborting on container exit...\n');
    // The rest of the project was stopped, not removed.
    const states = engineContainers({ [PROJECT_LABEL]: jobProject }).map((c) => `${c.name} ${c.state}`);
    expect(states.sort()).toEqual([`${jobProject}-job-1 exited`, `${jobProject}-side-1 exited`]);
  });

  it('in the foreground, a container its restart policy brings back stays attached', () => {
    const r = berth(['-f', 'flaky.yaml', 'up'], { cwd: jobDir });
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status).toBe(0);
    // Three runs (the first and two restarts), each one's output exactly once, and the last exit. (A
    // run that starts and ends between two looks at the container shows its lines, not its exit.)
    expect(r.stdout.match(/^flaky-1 +\| run$/gm)).toHaveLength(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('flaky-1 exited with code 4');
    expect(berth(['-f', 'flaky.yaml', 'down', '-t', '0'], { cwd: jobDir }).status).toBe(0);
  });

  it('Ctrl-C in the foreground stops (not removes) the containers and exits 130', async () => {
    const child = startBerth(['up', 'side'], { cwd: jobDir });
    const deadline = Date.now() + 60_000;
    while (!/side-1 +\| side ready/.test(child.stdout)) {
      if (Date.now() > deadline) throw new Error(`no log line from side-1; stderr: ${child.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    expect(child.stderr).toContain('Gracefully stopping... (press Ctrl+C again to force)');
    expect(child.stdout).toContain('side-1 exited with code 0\n');
    const side = engineInspect(`${jobProject}-side-1`).State.Status;
    expect(side).toBe('exited');
  });

  it('down -v removes every container, network and volume with the project label', () => {
    const r = berth(['down', '-v']);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status).toBe(0);
    const labels = { [PROJECT_LABEL]: project };
    expect(engineContainers(labels)).toEqual([]);
    expect(engineNetworks(labels)).toEqual([]);
    expect(engineVolumes({ labels })).toEqual([]);
    // And from the project name alone, without a compose file.
    const job = berth(['-p', jobProject, 'down', '-v'], { cwd: elsewhere });
    expect(job.status).toBe(0);
    expect(engineContainers({ [PROJECT_LABEL]: jobProject })).toEqual([]);
    expect(engineNetworks({ [PROJECT_LABEL]: jobProject })).toEqual([]);
  });
});
