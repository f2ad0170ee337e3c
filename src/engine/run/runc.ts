/**
 * A thin wrapper of the runc CLI, always with berth's own `--root` (<runRoot>/runc) so berth never sees
 * or touches Docker's containers. Every call is bounded by a timeout; failures become RuntimeError with
 * runc's own message. "container does not exist" is not an error for the callers that clean up: runc
 * deletes nothing by itself here (conmon runs it detached), but a reboot or a manual `runc delete` can
 * leave a record without runc state, which must read as "gone", never hang a wait.
 */
import { spawn } from 'node:child_process';
import { RuntimeError } from '../../api/errors.js';
import { readRuncState, readRuncStates } from './runc-state.js';
import { signalNumber } from './signals.js';

export type RuncStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface RuncState {
  id: string;
  pid: number;
  status: RuncStatus;
  bundle: string;
  created?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RuncOptions {
  /** `--root` for runc (<runRoot>/runc). */
  root: string;
  /** The runc binary (default `runc` from PATH). */
  binary?: string;
  /** Per-call timeout, default 30 s. */
  timeoutMs?: number;
}

/** runc's "no such container" wording across versions. */
export function isNotExist(message: string): boolean {
  return /container does not exist|container not found/i.test(message);
}

/** runc's message from its stderr (it logs `time=… level=error msg="…"` lines or plain text). */
export function runcMessage(stderr: string): string {
  const msgs = [...stderr.matchAll(/level=(?:error|fatal)\s+msg="((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1]!.replace(/\\"/g, '"').replace(/\\\\/g, '\\'),
  );
  if (msgs.length > 0) return msgs.join('; ');
  return stderr.trim();
}

/** Runs a program, collecting its output, killed (SIGKILL) after `timeoutMs`. */
export function run(
  binary: string,
  args: readonly string[],
  options: { timeoutMs?: number; input?: string; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new RuntimeError('RUNTIME_ERROR', `cannot run ${binary}: ${err.message}`, {
          hint: `install ${binary.split('/').pop()} (Debian package of the same name)`,
          cause: err,
        }),
      );
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new RuntimeError(
            'RUNTIME_ERROR',
            `${binary} ${args.join(' ')} timed out after ${options.timeoutMs ?? 30_000} ms`,
          ),
        );
      } else resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the program may exit without reading it
    child.stdin.end(options.input ?? '');
  });
}

export class Runc {
  readonly root: string;
  readonly binary: string;
  private readonly timeoutMs: number;

  constructor(options: RuncOptions) {
    this.root = options.root;
    this.binary = options.binary ?? 'runc';
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Global args conmon passes on to runc (`--runtime-arg`). */
  get globalArgs(): string[] {
    return ['--root', this.root];
  }

  private async call(args: string[], what: string): Promise<RunResult> {
    const res = await run(this.binary, [...this.globalArgs, ...args], { timeoutMs: this.timeoutMs });
    if (res.code !== 0) {
      const message = runcMessage(res.stderr) || `exit status ${res.code}`;
      const code = isNotExist(message) ? 'RUNTIME_NOT_FOUND' : 'RUNTIME_ERROR';
      throw new RuntimeError(code, `runc ${what}: ${message}`);
    }
    return res;
  }

  /** The container's runc state, or undefined when runc does not know it. */
  async state(id: string): Promise<RuncState | undefined> {
    const read = await readRuncState(this.root, id);
    if (read !== null) return read;
    try {
      const res = await this.call(['state', id], `state ${id}`);
      return JSON.parse(res.stdout) as RuncState;
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'RUNTIME_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async list(): Promise<RuncState[]> {
    const read = await readRuncStates(this.root);
    if (read !== null) return read;
    const res = await this.call(['list', '--format', 'json'], 'list');
    const parsed = JSON.parse(res.stdout || 'null') as RuncState[] | null;
    return parsed ?? [];
  }

  async start(id: string): Promise<void> {
    await this.call(['start', id], `start ${id}`);
  }

  /** Sends a signal (`TERM`, `SIGKILL`, `9`…). Resolves false when the container is gone or not running. */
  async kill(id: string, signal: string): Promise<boolean> {
    // What `runc kill` does for one process: kill(2) on the init pid its state file names, once the
    // state says the process is still the container's (runc-state.ts checks its start time). Without
    // a runc process: 10–20 ms of CPU per container, which a `down` of many paid twice.
    const state = await readRuncState(this.root, id);
    const sig = signalNumber(signal);
    if (state === undefined) return false;
    if (state !== null && sig !== undefined) {
      if (state.status === 'stopped' || state.pid <= 0) return false;
      try {
        process.kill(state.pid, sig);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
        // EPERM and the like: let runc say what is wrong.
      }
    }
    try {
      await this.call(['kill', id, signal.replace(/^SIG/i, '')], `kill ${id}`);
      return true;
    } catch (err) {
      if (err instanceof RuntimeError) {
        if (
          err.code === 'RUNTIME_NOT_FOUND' ||
          /not running|container not running|process already finished/i.test(err.message)
        ) {
          return false;
        }
      }
      throw err;
    }
  }

  /** Deletes runc's state (`force`: kills it first). Nothing to delete is fine. */
  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    // Already gone (a stop deleted it, and `rm` asks again): runc would answer "not found" too, after
    // 10–20 ms of CPU per container that a `down` of many containers pays on a busy machine.
    if ((await readRuncState(this.root, id)) === undefined) return;
    try {
      await this.call(['delete', ...(options.force ? ['--force'] : []), id], `delete ${id}`);
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'RUNTIME_NOT_FOUND') return;
      throw err;
    }
  }

  async pause(id: string): Promise<void> {
    await this.call(['pause', id], `pause ${id}`);
  }

  async resume(id: string): Promise<void> {
    await this.call(['resume', id], `resume ${id}`);
  }

  /** Host pids of the container's processes. */
  async ps(id: string): Promise<number[]> {
    const res = await this.call(['ps', '--format', 'json', id], `ps ${id}`);
    return (JSON.parse(res.stdout || 'null') as number[] | null) ?? [];
  }

  /** `runc exec` argument list (the caller spawns it: it needs the stdio). */
  execArgs(id: string, processJson: string, options: { detach?: boolean; pidFile?: string } = {}): string[] {
    return [
      ...this.globalArgs,
      'exec',
      '--process',
      processJson,
      ...(options.detach ? ['--detach'] : []),
      ...(options.pidFile ? ['--pid-file', options.pidFile] : []),
      id,
    ];
  }
}
