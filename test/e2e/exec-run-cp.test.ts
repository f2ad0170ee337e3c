/**
 * `berth exec`, `run` and `cp` as a user runs them: the built CLI (`node bin/berth.js`, so `npm run
 * build` first) against the engine under test (dockerd, or the built-in engine: test/support/runtime.ts),
 * with the offline busybox image. Exit codes pass through,
 * stdin is piped with -T, a TTY session runs through a real pseudo-terminal (util-linux `script`),
 * one-offs are labelled and cleaned up, and cp copies both ways, `-` tar streams included. One project
 * per file run; afterAll takes it down with berth and then removes anything left with its label
 * through the engine itself, so a failing test leaks nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeLeftovers } from '../support/cleanup.js';
import {
  berthBytes,
  bin,
  cleanEnv,
  PROJECT_LABEL,
  prepareBusyboxTests,
  berth as run,
  startBerth,
  uniqueSuffix,
} from '../support/cli.js';
import { engineContainers, engineInspect } from '../support/runtime.js';

const project = `berth-e2e-x-${uniqueSuffix()}`;

/** `berth -p <project> …` with stdin from `input` (else /dev/null). */
function berth(args: string[], opts: { input?: string | Buffer; cwd?: string } = {}) {
  return run(['-p', project, ...args], { cwd: opts.cwd ?? dir, input: opts.input, stdin: 'ignore' });
}

function berthRaw(args: string[]): Buffer {
  return berthBytes(['-p', project, ...args], { cwd: dir });
}

/** Names of the project's containers (with the extra labels too), as the engine lists them. */
function names(labels: Record<string, string> = {}): string[] {
  return engineContainers({ [PROJECT_LABEL]: project, ...labels })
    .map((c) => c.name)
    .sort();
}

const ONEOFF = { 'com.docker.compose.oneoff': 'True' };

/**
 * Runs `berth -p <project> <args>` inside a pseudo-terminal (`script -qfec … /dev/null`), writes
 * `keys` to it once output matching `after` appeared (when given), and resolves with what the
 * terminal showed and the exit status. The terminal's input stays open until berth has exited.
 */
function inTerminal(
  args: string[],
  keys?: { after: RegExp; text: string },
): Promise<{ status: number | null; output: string }> {
  const quoted = [process.execPath, bin, '-p', project, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const child = spawn('script', ['-qfec', quoted.join(' '), '/dev/null'], {
    cwd: dir,
    env: { ...cleanEnv(), TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let sent = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    if (keys && !sent && keys.after.test(output)) {
      sent = true;
      child.stdin.write(keys.text);
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolveRun({ status, output });
    });
  });
}

const STACK = `
services:
  web:
    image: berth-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait"]
    environment:
      GREETING: hello
  job:
    image: berth-test/busybox:1
    depends_on: [web]
    command: ["echo", "job default"]
`;

let dir: string;

beforeAll(async () => {
  await prepareBusyboxTests();
  dir = mkdtempSync(join(tmpdir(), 'berth-e2e-x-'));
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  const up = berth(['up', '-d', 'web']);
  if (up.status !== 0) throw new Error(`up failed: ${up.stderr}`);
});

afterAll(() => {
  berth(['down', '-v', '-t', '0', '--remove-orphans']);
  removeLeftovers(project);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('berth exec', () => {
  it('passes the exit code through, with stdout and stderr apart', () => {
    const r = berth(['exec', 'web', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  it('applies -e, -u and -w; options after the service belong to the command', () => {
    const r = berth([
      'exec',
      '-e',
      'A=1',
      '-e',
      'B',
      '-u',
      'nobody',
      '-w',
      '/tmp',
      'web',
      'sh',
      '-c',
      'echo "$A-$B-$GREETING"; id -u; pwd',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('1--hello\n65534\n/tmp\n');
    // `-p` and `-e` here are ls's and echo's, not berth's.
    const ls = berth(['exec', 'web', 'ls', '-p', '/']);
    expect(ls.status).toBe(0);
    expect(ls.stdout).toContain('tmp/\n');
    expect(berth(['exec', 'web', 'echo', '-e', '-u']).stdout).toBe('-u\n');
  });

  it('pipes stdin with -T and closes it at its end', () => {
    const r = berth(['exec', '-T', 'web', 'sh', '-c', 'cat; echo end'], { input: 'one\ntwo\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('one\ntwo\nend\n');
  });

  it("a service that is not running: compose's error, status 1", () => {
    const r = berth(['exec', 'job', 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('service "job" is not running');
    const idx = berth(['exec', '--index', '5', 'web', 'true']);
    expect(idx.status).toBe(1);
    expect(idx.stderr).toContain('service "web" is not running container #5');
  });

  it('allocates a TTY in a terminal: the command sees /dev/pts, keystrokes reach it, the status passes through', async () => {
    const t = await inTerminal(['exec', 'web', 'tty']);
    expect(t.status).toBe(0);
    expect(t.output).toMatch(/\/dev\/pts\/\d+/);

    const session = await inTerminal(
      ['exec', 'web', 'sh', '-c', 'echo ready; read x; echo "got:$x"; exit 5'],
      {
        after: /ready/,
        text: 'typed\r',
      },
    );
    expect(session.output).toContain('got:typed');
    expect(session.status).toBe(5);

    // -T in a terminal: no TTY for the command.
    const noTty = await inTerminal(['exec', '-T', 'web', 'sh', '-c', 'tty; true']);
    expect(noTty.output).toContain('not a tty');
  });
});

describe('berth run', () => {
  it('runs a one-off with the exit code passed through; --rm leaves nothing', () => {
    const r = berth(['run', '--rm', 'job', 'sh', '-c', 'echo "$GREETING one-off"; exit 7']);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe(' one-off\n');
    expect(names(ONEOFF)).toEqual([]);
  });

  it('uses the service command by default and pipes stdin with -T', () => {
    const d = berth(['run', '--rm', '--no-deps', 'job']);
    expect(d.status).toBe(0);
    expect(d.stdout).toBe('job default\n');
    const r = berth(['run', '--rm', '-T', 'job', 'cat'], { input: 'piped\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('piped\n');
  });

  it('-d prints the id of a labelled one-off; down --remove-orphans removes it', () => {
    const r = berth(['run', '-d', '--name', `${project}-custom`, '-l', 'purpose=e2e', 'job', 'sleep', '300']);
    expect(r.status).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const info = engineInspect(id);
    const labels = info.Config.Labels;
    expect(labels['com.docker.compose.oneoff']).toBe('True');
    expect(labels['com.docker.compose.service']).toBe('job');
    expect(labels.purpose).toBe('e2e');
    expect(`${info.Name} ${info.State.Status}`).toBe(`/${project}-custom running`);

    const auto = berth(['run', '-d', 'job', 'sleep', '300']);
    const autoName = engineInspect(auto.stdout.trim()).Name;
    expect(autoName).toMatch(new RegExp(`^/${project}-job-run-[0-9a-f]{12}$`));

    // `ps -a` lists them; down without --remove-orphans keeps them, with it they go.
    expect(berth(['down', '-t', '0']).status).toBe(0);
    expect(names(ONEOFF)).toHaveLength(2);
    expect(berth(['down', '-t', '0', '--remove-orphans']).status).toBe(0);
    expect(names()).toEqual([]);
    expect(berth(['up', '-d', 'web']).status).toBe(0);
  });

  it('gives the one-off a TTY in a terminal', async () => {
    const t = await inTerminal(['run', '--rm', '--no-deps', 'job', 'sh', '-c', 'tty; exit 2']);
    expect(t.output).toMatch(/\/dev\/pts\/\d+/);
    expect(t.status).toBe(2);
  });

  it('forwards Ctrl-C (SIGINT) to a one-off without a TTY', async () => {
    const child = startBerth(
      [
        '-p',
        project,
        'run',
        '--rm',
        '-T',
        '--no-deps',
        'job',
        'sh',
        '-c',
        "trap 'echo got INT; exit 9' INT; echo waiting; while true; do sleep 0.2; done",
      ],
      { cwd: dir },
    );
    await child.printed('waiting');
    child.kill('SIGINT');
    expect(await child.exited).toBe(9);
    expect(child.stdout).toContain('got INT');
  });
});

describe('berth cp', () => {
  it('copies a directory in and out, and tar streams with -', () => {
    const local = join(dir, 'tree');
    mkdirSync(join(local, 'sub'), { recursive: true });
    writeFileSync(join(local, 'a.txt'), 'A\n');
    writeFileSync(join(local, 'sub', 'b.txt'), 'B\n');

    expect(berth(['cp', 'tree', 'web:/tmp/']).status).toBe(0);
    expect(berth(['cp', 'tree/a.txt', 'web:/tmp/renamed.txt']).status).toBe(0);
    expect(berth(['exec', 'web', 'sh', '-c', 'cat /tmp/tree/sub/b.txt /tmp/renamed.txt']).stdout).toBe(
      'B\nA\n',
    );

    expect(berth(['cp', 'web:/tmp/tree', 'back']).status).toBe(0);
    expect(readFileSync(join(dir, 'back', 'sub', 'b.txt'), 'utf8')).toBe('B\n');

    // Out as a tar on stdout, and a tar on stdin back in.
    const tar = berthRaw(['cp', 'web:/tmp/tree', '-']);
    const listed = execFileSync('tar', ['-tf', '-'], { input: tar, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(listed.sort()).toEqual(['tree/', 'tree/a.txt', 'tree/sub/', 'tree/sub/b.txt']);
    const packed = execFileSync('tar', ['-C', local, '-cf', '-', '.']);
    expect(berth(['exec', 'web', 'mkdir', '-p', '/tmp/fromtar']).status).toBe(0);
    expect(berth(['cp', '-', 'web:/tmp/fromtar'], { input: packed }).status).toBe(0);
    expect(berth(['exec', 'web', 'cat', '/tmp/fromtar/sub/b.txt']).stdout).toBe('B\n');

    const missing = berth(['cp', 'web:/does/not/exist', 'x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('Could not find the file /does/not/exist');
  });
});
