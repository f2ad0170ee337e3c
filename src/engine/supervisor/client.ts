/**
 * Starting and stopping a project's supervisor process (main.ts) from the CLI or library:
 *
 * - `ensureSupervisor`: if the pid file names a live process that really is this project's supervisor
 *   (its /proc/<pid>/cmdline runs supervisor/main and names the project, so a reused pid does not
 *   fool it), nothing happens; otherwise it spawns `node main.js …` detached (own session, stdio to the
 *   log, unref'd) and waits for its pid file. Two callers racing are fine: main.ts takes a per-project
 *   flock and the loser exits at once.
 * - `stopSupervisor`: SIGTERM to that pid, SIGKILL after the timeout.
 *
 * Call ensureSupervisor after starting containers: a supervisor with nothing to do exits after a
 * short grace period.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../../api/errors.js';
import type { EnginePaths } from '../paths.js';
import { pidAlive } from '../store/fsutil.js';
import { supervisorFiles } from './files.js';

export interface SupervisorClientOptions {
  paths: Pick<EnginePaths, 'root' | 'runRoot' | 'supervisor'>;
  project: string;
  /** main.js to run; default: beside this module (tsc's dist/engine/supervisor/main.js). */
  entry?: string;
  /** Default process.execPath. */
  execPath?: string;
  /** Node flags before the entry (e.g. `--import tsx` in tests). */
  execArgv?: string[];
  /** More arguments for main.js (`--host-module`, `--idle-grace-ms`, …). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the new process's pid file. Default 15 s. */
  startTimeoutMs?: number;
}

/** The default main.js: next to this module, or (in the CLI bundle) dist/engine/supervisor/main.js. */
export function defaultSupervisorEntry(): string {
  const here = typeof import.meta.url === 'string' && import.meta.url !== '' ? import.meta.url : undefined;
  if (here) return fileURLToPath(new URL('./main.js', here));
  // bundled CLI: bin/berth.js → ../dist/engine/supervisor/main.js
  return resolve(dirname(process.argv[1] ?? '.'), '..', 'dist', 'engine', 'supervisor', 'main.js');
}

/** The pid of the project's running supervisor, checked against /proc/<pid>/cmdline; else undefined. */
export async function supervisorPid(
  options: Pick<SupervisorClientOptions, 'paths' | 'project'>,
): Promise<number | undefined> {
  const files = supervisorFiles(options.paths, options.project);
  let pid: number;
  try {
    pid = Number((await readFile(files.pid, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return undefined;
  return (await isSupervisorProcess(pid, options.project, options.paths.runRoot)) ? pid : undefined;
}

/** Whether `pid` runs supervisor/main for `project` under `runRoot` (not a reused pid). */
export async function isSupervisorProcess(pid: number, project: string, runRoot: string): Promise<boolean> {
  let argv: string[];
  try {
    argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return false;
  }
  const isMain = argv.some((a) => /supervisor[/\\]main\.(c?js|ts)$/.test(a));
  const proj = argv.findIndex((a, i) => a === '--project' && argv[i + 1] === project);
  const rr = argv.findIndex(
    (a, i) => a === '--run-root' && argv[i + 1] !== undefined && resolve(argv[i + 1]!) === resolve(runRoot),
  );
  return isMain && proj >= 0 && rr >= 0;
}

/** Starts the project's supervisor unless it runs; returns its pid. */
export async function ensureSupervisor(
  options: SupervisorClientOptions,
): Promise<{ pid: number; started: boolean }> {
  const running = await supervisorPid(options);
  if (running !== undefined) return { pid: running, started: false };
  const files = supervisorFiles(options.paths, options.project);
  await mkdir(options.paths.supervisor, { recursive: true, mode: 0o700 });
  const entry = options.entry ?? defaultSupervisorEntry();
  const argv = [
    ...(options.execArgv ?? []),
    entry,
    '--root',
    options.paths.root,
    '--run-root',
    options.paths.runRoot,
    '--project',
    options.project,
    ...(options.args ?? []),
  ];
  const logFd = openSync(files.log, 'a', 0o600);
  let exited: number | null | undefined;
  let spawnError: Error | undefined;
  try {
    const child = spawn(options.execPath ?? process.execPath, argv, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: options.env ?? process.env,
      cwd: '/',
    });
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('exit', (code) => {
      exited = code;
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    const pid = await supervisorPid(options);
    if (pid !== undefined) return { pid, started: true };
    if (spawnError) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `cannot start the supervisor of ${options.project}: ${spawnError.message}`,
        {
          cause: spawnError,
        },
      );
    }
    if (exited !== undefined && exited !== 0) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `the supervisor of ${options.project} exited with code ${exited}: ${await logTail(files.log)}`,
        { hint: `see ${files.log}` },
      );
    }
    if (exited === 0) {
      // another supervisor won the race (it holds the lock) or there was nothing to do
      const other = await supervisorPid(options);
      if (other !== undefined) return { pid: other, started: false };
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `the supervisor of ${options.project} exited at once: ${await logTail(files.log)}`,
        {
          hint: `see ${files.log}`,
        },
      );
    }
    if (Date.now() > deadline) {
      throw new RuntimeError('RUNTIME_ERROR', `the supervisor of ${options.project} did not start in time`, {
        hint: `see ${files.log}`,
      });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stops the project's supervisor (SIGTERM, then SIGKILL after `timeoutMs`); false when none ran. */
export async function stopSupervisor(
  options: Pick<SupervisorClientOptions, 'paths' | 'project'>,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<boolean> {
  const pid = await supervisorPid(options);
  if (pid === undefined) return false;
  const files = supervisorFiles(options.paths, options.project);
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (pidAlive(pid)) {
    signal(pid, 'SIGKILL');
    while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 10));
  }
  try {
    if (Number((await readFile(files.pid, 'utf8')).trim()) === pid) await rm(files.pid, { force: true });
  } catch {
    // gone already
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function logTail(path: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
