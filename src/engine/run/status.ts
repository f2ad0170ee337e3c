/**
 * The live state of a container from its record + what runc and conmon say, and docker's human status
 * text for it (moby container/state.go State.String): `Created`, `Up 3 seconds`, `Up 2 minutes
 * (Paused)`, `Up 5 seconds (healthy)`, `Up 1 second (health: starting)`, `Exited (3) 2 seconds ago`.
 * Pure, so every combination is unit-tested; containers.ts gathers the inputs.
 */
import type { ContainerState } from '../../runtime/runtime.js';
import { humanDuration } from '../images/format.js';
import type { RuncStatus } from './runc.js';
import type { RecordState } from './types.js';

export interface Observed {
  record: RecordState;
  /** `runc state` status, undefined when runc does not know the container. */
  runc?: RuncStatus;
  /** Content of conmon's exit file for the current run, undefined when there is none. */
  exit?: { code: number; at: string };
}

export interface LiveState {
  state: ContainerState;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  health?: RecordState['health'];
}

/**
 * - never started → created;
 * - an exit file → exited with its code (conmon writes it once the process is gone);
 * - runc running/paused → running/paused;
 * - started but runc knows nothing and no exit file (state lost: reboot, runRoot wiped) → exited 255,
 *   as docker reports containers that died with the daemon; runc `stopped`/`created` without an exit
 *   file (conmon died) likewise.
 */
export function liveState(o: Observed): LiveState {
  const r = o.record;
  if (r.status === 'created' && o.runc === undefined && o.exit === undefined) {
    return { state: 'created', exitCode: r.exitCode ?? 0 };
  }
  if (r.status === 'exited' && o.runc !== 'running' && o.runc !== 'paused') {
    return {
      state: 'exited',
      exitCode: r.exitCode ?? o.exit?.code ?? 0,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    };
  }
  if (o.exit !== undefined) {
    return { state: 'exited', exitCode: o.exit.code, startedAt: r.startedAt, finishedAt: o.exit.at };
  }
  if (o.runc === 'running' || o.runc === 'paused') {
    return {
      state: o.runc === 'paused' ? 'paused' : 'running',
      startedAt: r.startedAt,
      exitCode: 0,
      health: r.health,
    };
  }
  if (r.status === 'created') return { state: 'created', exitCode: r.exitCode ?? 0 };
  return { state: 'exited', exitCode: 255, startedAt: r.startedAt, finishedAt: r.finishedAt ?? r.startedAt };
}

function since(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return humanDuration(Number.isNaN(t) ? 0 : Math.max(0, now - t));
}

export function statusText(s: LiveState, now: number = Date.now()): string {
  switch (s.state) {
    case 'created':
      return 'Created';
    case 'running':
    case 'paused': {
      const up = `Up ${since(s.startedAt, now)}`;
      if (s.state === 'paused') return `${up} (Paused)`;
      if (s.health === 'starting') return `${up} (health: starting)`;
      if (s.health) return `${up} (${s.health})`;
      return up;
    }
    case 'restarting':
      return `Restarting (${s.exitCode ?? 0}) ${since(s.finishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      if (!s.finishedAt) return '';
      return `Exited (${s.exitCode ?? 0}) ${since(s.finishedAt, now)} ago`;
  }
}
