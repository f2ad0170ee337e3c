/**
 * `runc state` / `runc list` without spawning runc: the same answer read from runc's own files under
 * `--root` (one `<id>/state.json` per container, written atomically by runc), decided the way runc
 * 1.1's libcontainer does it (container_linux.go `refreshState` / `runType`):
 *
 *   paused   the freezer cgroup (v1 `freezer.state`, v2 `cgroup.freeze`) is frozen
 *   stopped  the init process is gone, is another process (its start time differs), or is a zombie
 *   created  the init process waits on `exec.fifo` (runc deletes the fifo on `runc start`)
 *   running  otherwise
 *
 * and the fields `runc state` prints (pid 0 when stopped, the bundle from the `bundle=` label).
 * Anything this cannot decide for sure (an unreadable or unknown state file, a freezer in
 * transition) is `null`, and the caller asks runc. A runc process costs 10–30 ms of CPU on the
 * machines berth targets and `list`/`inspect`/`stop`/`remove` asked for one per container per call.
 */
// Synchronous reads: a few small files under /proc, /sys and runc's root per container. Each costs
// microseconds this way, against a thread-pool round trip (open, fstat, read, close) with promises:
// that overhead was most of `berth ps`'s time on the built-in engine.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RuncState } from './runc.js';

interface StateFile {
  id?: string;
  init_process_pid?: number;
  init_process_start?: number | string;
  created?: string;
  cgroup_paths?: Record<string, string>;
  config?: { labels?: string[]; cgroups?: { path?: string } };
}

/** The process's state letter and start time (clock ticks), from /proc/<pid>/stat; undefined if gone. */
async function procStat(pid: number): Promise<{ state: string; start: string } | undefined> {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces or parentheses: fields follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is fields[0]; field 22 (starttime) is fields[19].
  const state = fields[0];
  const start = fields[19];
  if (!state || !start) return undefined;
  return { state, start };
}

/** Without an exception for a missing path: `exec.fifo` is missing for every running container. */
async function exists(path: string): Promise<boolean> {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** true/false when known; undefined when runc should decide (a transition, an unknown layout). */
async function frozen(s: StateFile): Promise<boolean | undefined> {
  const paths = s.cgroup_paths ?? {};
  const v1 = paths.freezer;
  if (v1) {
    let text: string;
    try {
      text = readFileSync(join(v1, 'freezer.state'), 'utf8').trim();
    } catch {
      // No freezer dir: the cgroup is gone with the container (runc reports it unpaused too).
      return false;
    }
    if (text === 'THAWED') return false;
    if (text === 'FROZEN') return true;
    return undefined;
  }
  const v2 = paths[''];
  if (v2) {
    try {
      return readFileSync(join(v2, 'cgroup.freeze'), 'utf8').trim() === '1';
    } catch {
      return false;
    }
  }
  return undefined;
}

/**
 * The container's state as `runc state` reports it; undefined when runc does not know the container,
 * null when only runc can tell.
 */
export async function readRuncState(root: string, id: string): Promise<RuncState | undefined | null> {
  if (id === '' || id.includes('/') || id.startsWith('.')) return null;
  let s: StateFile;
  try {
    s = JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8')) as StateFile;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Not a container directory (runc skips those too) or no state written yet (runc: not found).
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return null;
  }
  const pid = s.init_process_pid;
  if (typeof pid !== 'number' || s.init_process_start === undefined || s.id !== id) return null;
  const bundle = (s.config?.labels ?? []).find((l) => l.startsWith('bundle='))?.slice('bundle='.length) ?? '';
  let status: RuncState['status'];
  const paused = await frozen(s);
  if (paused === undefined) return null;
  if (paused) status = 'paused';
  else {
    const proc = pid > 0 ? await procStat(pid) : undefined;
    if (!proc || proc.start !== String(s.init_process_start) || proc.state === 'Z' || proc.state === 'X') {
      status = 'stopped';
    } else if (await exists(join(root, id, 'exec.fifo'))) status = 'created';
    else status = 'running';
  }
  return {
    id,
    pid: status === 'stopped' ? 0 : pid,
    status,
    bundle,
    ...(s.created ? { created: s.created } : {}),
  };
}

/** Every container runc knows under `root`, as `runc list` reports them; null when only runc can tell. */
export async function readRuncStates(root: string): Promise<RuncState[] | null> {
  let ids: string[];
  try {
    ids = readdirSync(root);
  } catch (err) {
    // runc creates its root on first use; `runc list` answers an empty list before that.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return null;
  }
  const states = await Promise.all(ids.map((id) => readRuncState(root, id)));
  if (states.some((s) => s === null)) return null;
  return states.filter((s): s is RuncState => s !== undefined);
}
