/**
 * `berth port`, `top`, `events`, `ls`, `stats --no-stream`, `version` and `completion bash` as a user
 * runs them: the built CLI (`node bin/berth.js`, so `npm run build` first) against the engine under
 * test (dockerd, or the built-in engine: test/support/runtime.ts),
 * with the offline busybox image. One stack under a unique project name in a temp dir is brought up
 * with `berth up -d`; afterAll takes it down with berth and removes anything left with its label
 * through the engine itself. Traffic goes to 127.0.0.1 only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeLeftovers } from '../support/cleanup.js';
import {
  bin,
  cleanEnv,
  PROJECT_LABEL,
  prepareBusyboxTests,
  repo,
  berth as run,
  startBerth,
  uniqueSuffix,
} from '../support/cli.js';
import { httpBody } from '../support/net.js';
import { difference, engineContainers, enginePort, engineRestart } from '../support/runtime.js';

const project = `berth-e2e-inspect-${uniqueSuffix()}`;

const STACK = `name: ${project}
services:
  web:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; echo hello from web > /www/index.html; httpd -f -p 80 -h /www & wait"]
    ports: ["127.0.0.1::80"]
  worker:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait"]
`;

/** Times in UTC, whatever the machine's zone. */
const UTC = { TZ: 'UTC' };

let dir: string;

function berth(args: string[], cwd = dir) {
  return run(args, { cwd, env: UTC });
}

/** Running container ids by service, from the engine itself. */
function ids(): Record<string, string> {
  const running = engineContainers({ [PROJECT_LABEL]: project }, { all: false });
  return Object.fromEntries(running.map((c) => [c.labels['com.docker.compose.service'], c.id]));
}

beforeAll(async () => {
  await prepareBusyboxTests();
  dir = mkdtempSync(join(tmpdir(), 'berth-e2e-inspect-'));
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  const r = berth(['up', '-d']);
  if (r.status !== 0) throw new Error(`berth up failed: ${r.stderr}`);
}, 120_000);

afterAll(() => {
  berth(['-p', project, 'down', '-t', '0'], tmpdir());
  removeLeftovers(project);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('berth port', () => {
  it('prints the 127.0.0.1 address of the published port, which serves the container', async () => {
    const r = berth(['port', 'web', '80']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    const hostPort = r.stdout.trim();
    expect(enginePort(ids().web!, '80/tcp')).toContain(hostPort);
    expect(await httpBody(hostPort)).toBe('hello from web\n');
    // From the project name alone, in another directory.
    expect(berth(['-p', project, 'port', 'web', '80'], tmpdir()).stdout).toBe(r.stdout);
  });

  it('fails as compose does for an unpublished port, a stopped service and a bad port', () => {
    const unpublished = berth(['port', 'web', '81']);
    expect(unpublished.status).toBe(1);
    expect(unpublished.stderr).toContain(`error: no port 81/tcp for container ${project}-web-1: 80/tcp`);
    const udp = berth(['port', '--protocol', 'udp', 'web', '80']);
    expect(udp.status).toBe(1);
    expect(udp.stderr).toContain('no port 80/udp');
    const none = berth(['port', 'nothing', '80']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('service "nothing" is not running');
    const bad = berth(['port', 'web', 'http']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('invalid port "http"');
    expect(berth(['port', 'web']).status).toBe(1);
  });
});

describe('berth top', () => {
  it("prints one table of the containers' processes", () => {
    const r = berth(['top']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE +# +UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    expect(lines.some((l) => /^web +1 +root +\d+ .*httpd -f -p 80 -h \/www$/.test(l))).toBe(true);
    expect(lines.some((l) => /^worker +1 +root +\d+ .*sleep 100000$/.test(l))).toBe(true);
    const webOnly = berth(['top', 'web']).stdout.trimEnd().split('\n').slice(1);
    expect(webOnly.length).toBeGreaterThan(0);
    expect(webOnly.every((l) => l.startsWith('web '))).toBe(true);
  });
});

describe('berth stats --no-stream', () => {
  it('prints one row per container with plausible values', () => {
    const r = berth(['stats', '--no-stream']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/,
    );
    expect(lines).toHaveLength(3);

    const json = berth(['stats', '--no-stream', '--format', 'json', '--no-trunc']);
    expect(json.status).toBe(0);
    const rows = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byName = Object.fromEntries(rows.map((row) => [row.Name, row]));
    expect(Object.keys(byName).sort()).toEqual([`${project}-web-1`, `${project}-worker-1`]);
    const expectedIds = ids();
    expect(byName[`${project}-web-1`].ID).toBe(expectedIds.web);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([
        'BlockIO',
        'CPUPerc',
        'Container',
        'ID',
        'MemPerc',
        'MemUsage',
        'Name',
        'NetIO',
        'PIDs',
      ]);
      expect(row.CPUPerc).toMatch(/^\d+\.\d\d%$/);
      expect(row.MemUsage).toMatch(/^[\d.]+(B|KiB|MiB) \/ [\d.]+(MiB|GiB|TiB)$/);
      expect(row.MemUsage.startsWith('0B')).toBe(false);
      expect(row.MemPerc).toMatch(/^\d+\.\d\d%$/);
      expect(row.NetIO).toMatch(/^[\d.]+(B|kB|MB) \/ [\d.]+(B|kB|MB)$/);
      expect(Number(row.PIDs)).toBeGreaterThanOrEqual(1);
    }
    const worker = berth(['stats', '--no-stream', '--format', 'json', 'worker']).stdout.trimEnd().split('\n');
    expect(worker.map((l) => JSON.parse(l).Name)).toEqual([`${project}-worker-1`]);
  }, 60_000);
});

describe('berth stats (streaming)', () => {
  it('redraws the table until Ctrl-C, then exits with status 130', async () => {
    const child = startBerth(['stats'], { cwd: dir, env: UTC });
    const frames = () => child.stdout.split('\x1b[H').length - 1;
    try {
      const deadline = Date.now() + 30_000;
      while (frames() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(child.stderr).toBe('');
      expect(frames()).toBeGreaterThanOrEqual(2);
      const stdout = child.stdout;
      const last = stdout.slice(stdout.lastIndexOf('\x1b[H') + 3).replace(/\x1b\[[JK]/g, '');
      const lines = last.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^CONTAINER ID +NAME +CPU %/);
      expect(
        lines
          .slice(1)
          .map((l) => l.split(/ +/)[1])
          .sort(),
      ).toEqual([`${project}-web-1`, `${project}-worker-1`]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('berth ls', () => {
  it('lists the project with its status and config file', () => {
    const r = berth(['ls', '--format', 'json', '--filter', `name=^${project}$`], tmpdir());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { Name: project, Status: 'running(2)', ConfigFiles: join(dir, 'compose.yaml') },
    ]);
    const table = berth(['ls'], tmpdir());
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME {3,}STATUS {3,}CONFIG FILES$/);
    expect(table.stdout).toMatch(
      new RegExp(`\\n${project} +running\\(2\\) +${join(dir, 'compose.yaml')}\\n`),
    );
    expect(berth(['ls', '-q', '--filter', `name=${project}`], tmpdir()).stdout).toBe(`${project}\n`);
    const bad = berth(['ls', '--filter', 'status=running'], tmpdir());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("invalid filter 'status'");
  });
});

describe('berth events', () => {
  it('streams the JSON events of a restart, then stops on Ctrl-C with status 130', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const child = startBerth(['events', '--json', '--since', since, 'worker'], { cwd: dir, env: UTC });
    // The built-in engine has no restart operation: its restart is a stop and a start (DIFFERENCES).
    const last = difference('restartEvent') ? 'start' : 'restart';
    try {
      const worker = ids().worker!;
      engineRestart(worker, 1);
      const deadline = Date.now() + 30_000;
      while (
        !child.stdout.split('\n').some((l) => l.includes(`"action":"${last}"`)) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(child.stderr).toBe('');
      const events = child.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const start = events.find((e) => e.action === 'start');
      expect(start).toMatchObject({
        type: 'container',
        id: worker,
        service: 'worker',
        attributes: { name: `${project}-worker-1`, image: 'berth-test/busybox:1' },
      });
      expect(start.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(events.map((e) => e.action)).toEqual(
        expect.arrayContaining(['kill', 'die', 'stop', 'start', last]),
      );
      expect(events.every((e) => e.service === 'worker')).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('berth version', () => {
  it('prints the version three ways', () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(berth(['version']).stdout).toBe(`berth version ${version}\n`);
    expect(berth(['version', '--short']).stdout).toBe(`${version}\n`);
    expect(berth(['version', '--format', 'json']).stdout).toBe(`{"version":"${version}"}\n`);
    expect(berth(['version', '-f', 'json']).stdout).toBe(`{"version":"${version}"}\n`);
    expect(berth(['--version']).stdout).toBe(`berth version ${version}\n`);
  });
});

describe('berth completion bash', () => {
  it("completes the project's service names through the real CLI", () => {
    const script = join(dir, 'berth.bash');
    writeFileSync(script, berth(['completion', 'bash']).stdout);
    const program = `
berth() { "${process.execPath}" "${bin}" "$@"; }
source "${script}"
COMP_WORDS=(berth -f compose.yaml stats w)
COMP_CWORD=4
_berth
printf '%s\\n' "\${COMPREPLY[@]}"
`;
    const r = spawnSync('bash', ['-c', program], { cwd: dir, encoding: 'utf8', env: cleanEnv(UTC) });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['web', 'worker']);
  });
});
