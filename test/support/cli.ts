/**
 * Driving the built CLI in the end-to-end tests (`node bin/berth.js`, so `npm run build` first): with a
 * clean environment (no COMPOSE_*, NO_COLOR or DOCKER_CONFIG leaking in from the shell; DOCKER_HOST
 * kept), run to its end (`berth`) or left running to be interrupted (`startBerth`); the docker CLI for
 * what the engine says; unique project names; the offline images a file needs.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { cliEnv, ensureImage, openTestRuntime } from './runtime.js';

export { PROJECT_LABEL } from '../../src/api/labels.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = join(repo, 'bin', 'berth.js');

/** `<pid>-<time>`: makes a test file's project names its own (`berth-e2e-x-${uniqueSuffix()}`). */
export function uniqueSuffix(): string {
  return `${process.pid}-${Date.now().toString(36)}`;
}

/** What a berth run printed, and how it ended. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A clean environment: PATH, HOME and DOCKER_HOST (when set) from ours, the engine under test's
 * (./runtime.ts `cliEnv`: BERTH_RUNTIME, BERTH_ROOT, BERTH_RUNROOT on the built-in engine), then `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...cliEnv(),
    ...extra,
  };
}

export interface BerthOptions {
  /** Working directory; the repository by default. */
  cwd?: string;
  /** Added to (or replacing) the clean environment's variables. */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  /** Without `input`: an empty pipe (the default) or /dev/null (`ignore`). */
  stdin?: 'pipe' | 'ignore';
  /** Killed after this many ms (default 120 s). */
  timeout?: number;
}

/** `node bin/berth.js <args>`, run to its end. */
export function berth(args: string[], options: BerthOptions = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repo,
    encoding: 'utf8',
    env: cleanEnv(options.env),
    input: options.input,
    stdio: [options.input === undefined ? (options.stdin ?? 'pipe') : 'pipe', 'pipe', 'pipe'],
    timeout: options.timeout ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** `node bin/berth.js <args>` with its stdout as bytes (`cp … -` tar streams). */
export function berthBytes(args: string[], options: { cwd?: string; input?: Buffer } = {}): Buffer {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repo,
    env: cleanEnv(),
    input: options.input,
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  }).stdout;
}

/** A berth process left running (to be interrupted): its output so far, and its end. */
export interface RunningBerth {
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status, once the process ended and its output was read. */
  readonly exited: Promise<number | null>;
  /** The whole run, once it ended. */
  readonly finished: Promise<Run>;
  /** Resolves once stdout contains `text` (or matches it). */
  printed(text: string | RegExp): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `node bin/berth.js <args>` (stdin /dev/null) and collects its output as it comes. */
export function startBerth(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): RunningBerth {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repo,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const check of [...waiters]) check();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    finished: exited.then((status) => ({ status, stdout, stderr })),
    printed(text) {
      const seen = () => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
      return new Promise<void>((resolveSeen) => {
        const check = () => {
          if (!seen()) return;
          waiters.splice(waiters.indexOf(check), 1);
          resolveSeen();
        };
        waiters.push(check);
        check();
      });
    },
    kill: (signal) => void child.kill(signal),
  };
}

/** `docker <args>`'s trimmed stdout (throws on a non-zero exit). */
export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** The lines of a command's output; none for an empty one. */
export function lines(out: string): string[] {
  return out === '' ? [] : out.split('\n');
}

/** The e2e tests run the built CLI: fail at once, saying how to build it, when it is not there. */
export function assertCliBuilt(): void {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) {
    throw new Error('the CLI is not built: run `npm run build` (npm test does it first)');
  }
}

/** The usual beforeAll of a file that runs stacks of the busybox image: the CLI built, the image there
 * (in the engine under test). */
export async function prepareBusyboxTests(): Promise<void> {
  assertCliBuilt();
  const runtime = await openTestRuntime();
  try {
    await ensureImage(runtime);
  } finally {
    await runtime.close();
  }
}

/** Runs `work` with a docker runtime of its own (to build the offline test images), closed after. */
export async function withDockerRuntime<T>(work: (runtime: DockerRuntime) => Promise<T>): Promise<T> {
  const runtime = await createDockerRuntime();
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
