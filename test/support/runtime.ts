/**
 * Which engine the stack suites run on, and the runtime-neutral ways they reach it.
 *
 * `BERTH_TEST_RUNTIME` (`docker` by default, `builtin` in the `builtin` vitest project) picks the engine:
 * - docker: the dockerd of DOCKER_HOST / the default socket, as the suites always ran;
 * - builtin: berth's built-in engine (runc + conmon + netavark) in a per-run temporary root that the
 *   `builtin` project's globalSetup (./builtin-images.ts) creates, fills with the test images and
 *   removes after the run; its paths reach the tests through `inject` and the CLI/child processes
 *   through `cliEnv()` (BERTH_RUNTIME, BERTH_ROOT, BERTH_RUNROOT).
 *
 * The engine facts the tests read to check berth (states, labels, env, mounts, timestamps) come from
 * the engine itself, never from berth's CLI: on docker through the docker CLI, on the built-in engine
 * through its library objects (the container records and runc state), in a child process for the
 * synchronous e2e helpers (./runtime-child.ts).
 *
 * DIFFERENCES names what the built-in engine refuses, with the reason; a test of such a feature asserts
 * the refusal (RuntimeError UNSUPPORTED, or the CLI's message) on that runtime — it never skips.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.js';

export type TestRuntimeName = 'docker' | 'builtin';

export const TEST_RUNTIME: TestRuntimeName =
  process.env.BERTH_TEST_RUNTIME === 'builtin' ? 'builtin' : 'docker';

export const ON_BUILTIN = TEST_RUNTIME === 'builtin';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    berthBuiltinRoot: string;
    berthBuiltinRunRoot: string;
  }
}

/**
 * What the built-in engine does not do (yet), by feature, with the reason. A suite that covers such a
 * feature asserts the refusal on the built-in engine instead of what docker does.
 */
export const DIFFERENCES = {
  build: {
    builtin:
      'no image builder in the built-in engine: builds need a Docker engine (`docker save | berth image load` moves the result over)',
  },
  restartEvent: {
    builtin:
      'no `restart` event: the built-in engine has no restart operation (the Runtime interface has none; `berth restart` is stop + start), so an engine-side restart is journalled as stop/start',
  },
} as const satisfies Record<string, Partial<Record<TestRuntimeName, string>>>;

export type Difference = keyof typeof DIFFERENCES;

/**
 * How the built-in engine words each refusal (RuntimeError UNSUPPORTED, possibly wrapped by a verb).
 * A difference without one is a behaviour the suites adjust their expectation to (named, with its
 * reason, above), not a refusal.
 */
export const REFUSALS: Partial<Record<Difference, RegExp>> = {
  build: /the built-in engine cannot build images yet/,
};

function refusalOf(feature: Difference): RegExp {
  const r = REFUSALS[feature];
  if (!r) throw new Error(`${feature} is not a refusal`);
  return r;
}

/**
 * Asserts that `work` is refused the way the runtime under test refuses `feature` (the difference
 * test that stands in for the feature's test there; never a skip). Returns the error.
 */
export async function expectRefused(
  work: Promise<unknown>,
  feature: Difference,
): Promise<Error & { code?: string }> {
  let error: (Error & { code?: string }) | undefined;
  try {
    await work;
  } catch (err) {
    error = err as Error & { code?: string };
  }
  if (error === undefined)
    throw new Error(`expected the ${TEST_RUNTIME} runtime to refuse: ${difference(feature)}`);
  if (!refusalOf(feature).test(error.message)) throw error;
  if (error.code !== 'UNSUPPORTED' && error.code !== 'BUILD_FAILED') throw error;
  return error;
}

/** The reason `feature` differs on the runtime under test, or undefined when it works as on docker. */
export function difference(feature: Difference): string | undefined {
  return (DIFFERENCES[feature] as Partial<Record<TestRuntimeName, string>>)[TEST_RUNTIME];
}

/** The built-in engine's state directories of this run (from the globalSetup). */
export function builtinDirs(): { root: string; runRoot: string } {
  const root = process.env.BERTH_TEST_ROOT || inject('berthBuiltinRoot');
  const runRoot = process.env.BERTH_TEST_RUNROOT || inject('berthBuiltinRunRoot');
  if (!root || !runRoot) {
    throw new Error(
      'no built-in engine root: run the suite in the `builtin` vitest project (its globalSetup makes one)',
    );
  }
  return { root, runRoot };
}

/** The environment the berth CLI (and child processes running the library) need for this runtime. */
export function cliEnv(): Record<string, string> {
  if (!ON_BUILTIN) return {};
  const { root, runRoot } = builtinDirs();
  return {
    BERTH_RUNTIME: 'builtin',
    BERTH_ROOT: root,
    BERTH_RUNROOT: runRoot,
    BERTH_TEST_RUNTIME: 'builtin',
    BERTH_TEST_ROOT: root,
    BERTH_TEST_RUNROOT: runRoot,
  };
}

/** A Runtime over the engine under test (the caller closes it). */
export async function openTestRuntime(): Promise<Runtime> {
  if (ON_BUILTIN) {
    const { createBuiltinRuntime } = await import('../../src/runtime/builtin/builtin-runtime.js');
    return createBuiltinRuntime(builtinDirs());
  }
  const { createDockerRuntime } = await import('../../src/runtime/docker/docker-runtime.js');
  return createDockerRuntime();
}

/**
 * Makes `image` available in `runtime`: busybox is built offline (dockerd) or crafted (built-in store);
 * the catalog images are built in dockerd and, for the built-in engine, moved over with `docker save |
 * image load` (once: a store that has the image is left alone).
 */
export async function ensureImage(runtime: Runtime, image = 'berth-test/busybox:1'): Promise<string> {
  const { ensureImageIn } = await import('./builtin-images.js');
  return ensureImageIn(runtime, image);
}

/**
 * Images dockerd has (built there: the built-in engine cannot build, DIFFERENCES.build) put into the
 * engine under test: nothing to do on docker; `docker save | image load` into the built-in store.
 */
export async function loadFromDocker(images: string[]): Promise<void> {
  if (!ON_BUILTIN) return;
  const runtime = await openTestRuntime();
  try {
    const { loadFromDocker: load } = await import('./builtin-images.js');
    await load(runtime as import('../../src/runtime/builtin/builtin-runtime.js').BuiltinRuntime, images);
  } finally {
    await runtime.close();
  }
}

/** Asserts a CLI run (`{ status, stderr }`, or a terminal's merged `output`) was refused for `feature`. */
export function expectCliRefused(
  run: { status: number | null; stderr?: string; output?: string },
  feature: Difference,
): void {
  const text = run.stderr ?? run.output ?? '';
  const refusal = refusalOf(feature);
  if (run.status !== 1 || !refusal.test(text) || /^\s+at /m.test(text)) {
    throw new Error(
      `expected the ${TEST_RUNTIME} runtime to refuse (${difference(feature)}): exit 1 with ${refusal}, no stack trace; got exit ${run.status}:\n${text}`,
    );
  }
}

// ---- engine facts, async (library integration suites) ----------------------------------------------

/** The fields of `docker inspect` the suites read, from whichever engine runs the test. */
export interface EngineInspect {
  Id: string;
  Name: string;
  State: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string };
  Config: { Labels: Record<string, string>; Env: string[] };
  Mounts: Array<{ Destination: string; Name?: string }>;
}

/** `docker inspect` of containers, or the built-in engine's records with their live state. */
export async function inspectContainers(runtime: Runtime, ...ids: string[]): Promise<EngineInspect[]> {
  if (!ON_BUILTIN) {
    const out = execFileSync('docker', ['inspect', ...ids], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(out) as EngineInspect[];
  }
  const { inspectBuiltin } = await import('./runtime-child.js');
  return inspectBuiltin(runtime, ids);
}

// ---- engine facts, sync (e2e suites: the CLI runs in a child process, the checks stay synchronous) --

/** A container as the engine lists it. */
export interface EngineContainer {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** Runs one op of ./runtime-child.ts against the built-in engine, in a process of its own. */
function builtinOp<T>(op: string, ...args: unknown[]): T {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(here, 'runtime-child.ts'), op, JSON.stringify(args)],
    {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, ...cliEnv() },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`engine op ${op} failed (${r.status}): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as T;
}

function dockerCli(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }).trim();
}

const lines = (out: string) => (out === '' ? [] : out.split('\n'));

/** The containers with all of `labels` (`key` alone: the label exists); running only unless `all`. */
export function engineContainers(
  labels: Record<string, string>,
  options: { all?: boolean } = { all: true },
): EngineContainer[] {
  if (ON_BUILTIN) return builtinOp('containers', labels, options.all ?? true);
  const filters = Object.entries(labels).flatMap(([k, v]) => [
    '--filter',
    v === '' ? `label=${k}` : `label=${k}=${v}`,
  ]);
  const out = dockerCli([
    'ps',
    ...(options.all === false ? [] : ['-a']),
    '--no-trunc',
    ...filters,
    '--format',
    '{{json .}}',
  ]);
  return lines(out).map((l) => {
    const c = JSON.parse(l) as { ID: string; Names: string; State: string; Labels: string };
    const parsed: Record<string, string> = {};
    // `docker ps` joins labels with commas; the ids and states are what the suites compare, the
    // labels are read back through inspect for exactness.
    for (const kv of c.Labels.split(',')) {
      const i = kv.indexOf('=');
      if (i > 0) parsed[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return { id: c.ID, name: c.Names, state: c.State, labels: parsed };
  });
}

/** `docker inspect` of one container (by name or id), from the engine under test. */
export function engineInspect(nameOrId: string): EngineInspect {
  if (ON_BUILTIN) return builtinOp<EngineInspect[]>('inspect', [nameOrId])[0]!;
  return (JSON.parse(dockerCli(['inspect', nameOrId])) as EngineInspect[])[0]!;
}

/** Ids of the networks with the label. */
export function engineNetworks(labels: Record<string, string>): string[] {
  if (ON_BUILTIN) return builtinOp('networks', labels);
  const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  return lines(dockerCli(['network', 'ls', '-q', ...filters]));
}

/** Names of the volumes with the labels, or of the one named `name`. */
export function engineVolumes(filter: { labels?: Record<string, string>; name?: string }): string[] {
  if (ON_BUILTIN) return builtinOp('volumes', filter);
  const filters = [
    ...Object.entries(filter.labels ?? {}).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]),
    ...(filter.name ? ['--filter', `name=${filter.name}`] : []),
  ];
  return lines(dockerCli(['volume', 'ls', '-q', ...filters]));
}

export function engineRemoveVolume(name: string): void {
  if (ON_BUILTIN) builtinOp('removeVolume', name);
  else dockerCli(['volume', 'rm', '-f', name]);
}

/** Waits for the container to stop; its exit code. */
export function engineWait(nameOrId: string): number {
  if (ON_BUILTIN) return builtinOp('wait', nameOrId);
  return Number(dockerCli(['wait', nameOrId]));
}

/** Runs a command in a running container, returns its stdout (throws on a non-zero exit). */
export function engineExec(nameOrId: string, cmd: string[]): string {
  if (ON_BUILTIN) return builtinOp('exec', nameOrId, cmd);
  return dockerCli(['exec', nameOrId, ...cmd]);
}

export function engineRestart(nameOrId: string, timeoutSeconds: number): void {
  if (ON_BUILTIN) builtinOp('restart', nameOrId, timeoutSeconds);
  else dockerCli(['restart', '-t', String(timeoutSeconds), nameOrId]);
}

/** `docker port <id> 80/tcp`: the `host:port` lines the engine published the port on. */
export function enginePort(nameOrId: string, port: string): string[] {
  if (ON_BUILTIN) return builtinOp('port', nameOrId, port);
  return lines(dockerCli(['port', nameOrId, port]));
}

/** Removes containers (forced, with anonymous volumes), networks and volumes with the project label. */
export function engineRemoveProject(labels: Record<string, string>): void {
  if (ON_BUILTIN) {
    builtinOp('removeProject', labels);
    return;
  }
  const containers = engineContainers(labels).map((c) => c.id);
  if (containers.length > 0) dockerCli(['rm', '-f', '-v', ...containers]);
  const networks = engineNetworks(labels);
  if (networks.length > 0) dockerCli(['network', 'rm', ...networks]);
  const volumes = engineVolumes({ labels });
  if (volumes.length > 0) dockerCli(['volume', 'rm', '-f', ...volumes]);
}
