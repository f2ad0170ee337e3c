/**
 * Helpers for the stack integration tests (test/integration/stack.test.ts, interop.test.ts): temporary
 * project directories with a compose.yaml, unique project names, engine facts read from the engine under
 * test (./runtime.ts: the docker CLI, or the built-in engine's records),
 * and a cleanup by project label (containers, networks, volumes) that runs however a test ends.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PROJECT_LABEL } from '../../src/api/labels.js';
import { loadProject, type Project } from '../../src/index.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { cliEnv, type EngineInspect, ensureImage, inspectContainers, openTestRuntime } from './runtime.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** `berth-it-<random>`: lowercase, valid as a Compose project name, unique per test. */
export function uniqueProjectName(prefix = 'berth-it'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A project on disk: one directory, one compose file, one project name. */
export interface TempProject {
  name: string;
  dir: string;
  file: string;
  /** Replaces the compose file. */
  write(yaml: string): void;
  /** Loads the compose file as the library does (`-p name -f compose.yaml`). */
  load(): Promise<Project>;
  /** Removes the directory (the engine objects are `cleanupProject`'s). */
  dispose(): void;
}

export function tempProject(yaml: string, name = uniqueProjectName()): TempProject {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, yaml);
  return {
    name,
    dir,
    file,
    write: (text) => writeFileSync(file, text),
    load: () => loadProject({ files: [file], projectName: name, cwd: dir, env: {} }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Removes everything labelled with `project`: containers (forced, with anonymous volumes), then
 * networks and volumes. Errors are collected, not thrown, until the end: a cleanup should clean as
 * much as it can.
 */
export async function cleanupProject(runtime: Runtime, project: string): Promise<void> {
  const labels = { [PROJECT_LABEL]: project };
  const errors: unknown[] = [];
  const containers = await runtime.listContainers({ labels, all: true });
  await Promise.all(
    containers.map((c) =>
      runtime.removeContainer(c.id, { force: true, volumes: true }).catch((e) => {
        if ((e as { code?: string }).code !== 'RUNTIME_NOT_FOUND') errors.push(e);
      }),
    ),
  );
  const [networks, volumes] = await Promise.all([
    runtime.listNetworks({ labels }),
    runtime.listVolumes({ labels }),
  ]);
  await Promise.all([
    ...networks.map((n) => runtime.removeNetwork(n.id).catch((e) => errors.push(e))),
    ...volumes.map((v) => runtime.removeVolume(v.name, { force: true }).catch((e) => errors.push(e))),
  ]);
  if (errors.length > 0) throw new AggregateError(errors, `cleanup of project ${project} failed`);
}

/** What is left with the project label: names of containers, networks, volumes. */
export async function leftovers(runtime: Runtime, project: string) {
  const labels = { [PROJECT_LABEL]: project };
  const [containers, networks, volumes] = await Promise.all([
    runtime.listContainers({ labels, all: true }),
    runtime.listNetworks({ labels }),
    runtime.listVolumes({ labels }),
  ]);
  return {
    containers: containers.map((c) => c.name).sort(),
    networks: networks.map((n) => n.name).sort(),
    volumes: volumes.map((v) => v.name).sort(),
  };
}

/**
 * The shared fixture of a test file: one runtime (the engine under test, ./runtime.ts), the busybox image, and a registry of projects and
 * directories that `cleanup()` removes (call it from afterEach/afterAll).
 */
export class StackFixture {
  runtime!: Runtime;
  image = '';
  private readonly projects = new Set<string>();
  private readonly dirs: TempProject[] = [];

  async setup(): Promise<void> {
    this.runtime = await openTestRuntime();
    this.image = await ensureImage(this.runtime);
  }

  /** A temp project whose engine objects are removed by `cleanup()`. */
  project(yaml: string, name?: string): TempProject {
    const p = tempProject(yaml, name);
    this.projects.add(p.name);
    this.dirs.push(p);
    return p;
  }

  /** Registers a project name created some other way (a child process, docker-compose). */
  track(name: string): void {
    this.projects.add(name);
  }

  async cleanup(): Promise<void> {
    const names = [...this.projects];
    this.projects.clear();
    const results = await Promise.allSettled(names.map((n) => cleanupProject(this.runtime, n)));
    for (const d of this.dirs.splice(0)) d.dispose();
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw failed[0]!.reason;
  }

  async close(): Promise<void> {
    try {
      await this.cleanup();
    } finally {
      await this.runtime?.close();
    }
  }
}

/** `docker inspect` of containers (the fields the runtime does not expose: StartedAt, FinishedAt…). */
export type DockerInspect = EngineInspect;

/**
 * `docker inspect` of containers on dockerd; on the built-in engine the same fields from its container
 * records and live state (./runtime.ts `inspectContainers`).
 */
export async function dockerInspect(...ids: string[]): Promise<DockerInspect[]> {
  const runtime = await openTestRuntime();
  try {
    return await inspectContainers(runtime, ...ids);
  } finally {
    await runtime.close();
  }
}

/** Runs `docker …` and returns stdout (throws with stderr on a non-zero exit). */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without throwing on a non-zero exit. */
export function runCommand(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs).unref()
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolveResult({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** The script a child berth process runs (test/support/stack-child.ts) and how to start it. */
export const CHILD_SCRIPT = resolve(here, 'stack-child.ts');

/** `node --import tsx stack-child.ts <file> <project> [optionsJson]`: a berth process of its own. */
export function spawnBerthUp(file: string, project: string, options: object = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD_SCRIPT, file, project, JSON.stringify(options)],
    {
      cwd: resolve(here, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...cliEnv() },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CommandResult>((resolveDone) => {
    child.on('close', (code, signal) =>
      resolveDone({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout, stderr }),
    );
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Polls `check` until it returns true (or throws the last failure after `timeoutMs`). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
