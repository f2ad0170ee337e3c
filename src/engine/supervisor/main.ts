/**
 * The supervisor process of one project, started detached by client.ts:
 *
 *   node <dist>/engine/supervisor/main.js --root R --run-root RR --project P [--host-module M]
 *
 * It holds `<runRoot>/supervisor/<P>.lock` (flock) for its whole life, so only one runs per project
 * (a second one exits at once), writes its pid to `<P>.pid`, logs to `<P>.log`, watches
 * `<runRoot>/exits`, and exits when nothing is left to supervise, or on SIGTERM/SIGINT.
 *
 * The SupervisorHost comes from a module exporting `createSupervisorHost(ctx)` (SupervisorHostFactory):
 * `--host-module` names it (tests), else `./host.js` beside this file (the implementation over
 * engine/run's Containers).
 */
import { createWriteStream, realpathSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RuntimeError } from '../../api/errors.js';
import { type EnginePaths, enginePaths } from '../paths.js';
import { writeFileAtomic } from '../store/fsutil.js';
import { tryLock } from '../store/lock.js';
import { supervisorFiles } from './files.js';
import { Supervisor, type SupervisorHost } from './supervisor.js';

export interface SupervisorMainOptions {
  root: string;
  runRoot: string;
  project: string;
  /** Module exporting `createSupervisorHost`; default `./host.js` beside main.js. */
  hostModule?: string;
  pollIntervalMs?: number;
  idleGraceMs?: number;
}

export interface SupervisorHostContext {
  paths: EnginePaths;
  project: string;
  log: (message: string) => void;
}

export type SupervisorHostFactory = (ctx: SupervisorHostContext) => Promise<SupervisorHost> | SupervisorHost;

/** Parses main.js's arguments. */
export function parseSupervisorArgs(argv: string[]): SupervisorMainOptions {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new RuntimeError('USAGE', `unexpected argument ${JSON.stringify(arg)}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new RuntimeError('USAGE', `--${m[1]} needs a value`);
    values[m[1]!] = value;
  }
  for (const key of ['root', 'run-root', 'project']) {
    if (!values[key]) throw new RuntimeError('USAGE', `--${key} is required`);
  }
  const num = (key: string): number | undefined => {
    const v = values[key];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new RuntimeError('USAGE', `--${key} must be a number of ms`);
    return n;
  };
  return {
    root: values.root!,
    runRoot: values['run-root']!,
    project: values.project!,
    hostModule: values['host-module'],
    pollIntervalMs: num('poll-interval-ms'),
    idleGraceMs: num('idle-grace-ms'),
  };
}

/** Loads `createSupervisorHost` from the host module. */
export async function loadHostFactory(hostModule?: string): Promise<SupervisorHostFactory> {
  const url = hostModule
    ? pathToFileURL(isAbsolute(hostModule) ? hostModule : resolve(hostModule)).href
    : new URL('./host.js', import.meta.url).href;
  let mod: { createSupervisorHost?: SupervisorHostFactory };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (err) {
    const missing =
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((err as Error).message).includes(`${new URL(url).pathname}'`);
    if (!missing || hostModule) throw err;
    throw new RuntimeError('RUNTIME_ERROR', `no supervisor host module at ${url}`, {
      hint: 'the engine must provide engine/supervisor/host.js exporting createSupervisorHost',
      cause: err,
    });
  }
  if (typeof mod.createSupervisorHost !== 'function') {
    throw new RuntimeError('RUNTIME_ERROR', `${url} does not export createSupervisorHost`);
  }
  return mod.createSupervisorHost;
}

/**
 * Runs the supervisor of `options.project` in this process until it is idle or `signal` aborts.
 * Returns 'already-running' (without doing anything) when another process holds the project's lock.
 */
export async function runSupervisorProcess(
  options: SupervisorMainOptions,
  factory: SupervisorHostFactory,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<'done' | 'already-running'> {
  const paths = enginePaths({ root: options.root, runRoot: options.runRoot });
  const files = supervisorFiles(paths, options.project);
  await mkdir(paths.supervisor, { recursive: true, mode: 0o700 });
  const held = await tryLock(files.lock, { timeoutMs: 0 });
  if (!held) return 'already-running';
  try {
    await writeFileAtomic(files.pid, `${process.pid}\n`, 0o644);
    log(`supervisor of ${options.project} started (pid ${process.pid})`);
    const host = await factory({ paths, project: options.project, log });
    const supervisor = new Supervisor({
      host,
      exitsDir: paths.exits,
      pollIntervalMs: options.pollIntervalMs,
      idleGraceMs: options.idleGraceMs,
      log,
    });
    await supervisor.run(signal);
    log(signal?.aborted ? 'stopped by a signal' : 'nothing left to supervise; exiting');
    return 'done';
  } finally {
    try {
      const text = await readFile(files.pid, 'utf8');
      if (Number(text.trim()) === process.pid) await rm(files.pid, { force: true });
    } catch {
      // no pid file
    }
    await held.release();
  }
}

/** The process entry. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let options: SupervisorMainOptions;
  try {
    options = parseSupervisorArgs(argv);
  } catch (err) {
    process.stderr.write(`berth supervisor: ${(err as Error).message}\n`);
    return 2;
  }
  const paths = enginePaths({ root: options.root, runRoot: options.runRoot });
  const files = supervisorFiles(paths, options.project);
  await mkdir(paths.supervisor, { recursive: true, mode: 0o700 });
  const out = createWriteStream(files.log, { flags: 'a', mode: 0o600 });
  const log = (message: string): void => {
    out.write(`${new Date().toISOString()} [${process.pid}] ${message}\n`);
  };
  const ac = new AbortController();
  const onSignal = (sig: string) => () => {
    log(`received ${sig}`);
    ac.abort();
  };
  process.on('SIGTERM', onSignal('SIGTERM'));
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGHUP', () => undefined);
  let code = 0;
  try {
    const factory = await loadHostFactory(options.hostModule);
    const result = await runSupervisorProcess(options, factory, log, ac.signal);
    if (result === 'already-running') log('another supervisor runs for this project; exiting');
  } catch (err) {
    log(`fatal: ${(err as Error).stack ?? String(err)}`);
    code = 1;
  }
  await new Promise<void>((done) => out.end(done));
  return code;
}

function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntry()) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`berth supervisor: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
