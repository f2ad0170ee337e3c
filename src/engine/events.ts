/**
 * The built-in engine's event journal: with no daemon to ask, every change an engine process makes
 * (container create/start/die/stop/kill/pause/destroy, network and volume create/destroy) is appended
 * as one JSON line to `<runRoot>/events.jsonl`, and `events()` tails that file. Appends of one line
 * under PIPE_BUF with O_APPEND are atomic between processes, so writers need no lock. The journal is
 * volatile, like dockerd's in-memory one: a reboot empties it. Past 4 MiB it is rotated (renamed to
 * `.1`, keeping one generation) by whoever appends next.
 */
import { watch } from 'node:fs';
import { appendFile, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListFilter, RuntimeEvent } from '../runtime/runtime.js';
import { matchLabels } from './labels.js';

const MAX_BYTES = 4 * 1024 * 1024;

export function journalPath(runRoot: string): string {
  return join(runRoot, 'events.jsonl');
}

interface StoredEvent {
  type: RuntimeEvent['type'];
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch, as a decimal string (bigint is not JSON). */
  timeNano: string;
}

function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/** Appends one event; never throws (an event lost is better than a failed stop). */
export async function appendEvent(
  runRoot: string,
  event: Pick<RuntimeEvent, 'type' | 'action' | 'id' | 'attributes'>,
): Promise<void> {
  const path = journalPath(runRoot);
  const line: StoredEvent = { ...event, timeNano: nowNano().toString() };
  try {
    const s = await stat(path).catch(() => undefined);
    if (s && s.size > MAX_BYTES) await rename(path, `${path}.1`).catch(() => {});
    await appendFile(path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  } catch {}
}

function toEvent(s: StoredEvent): RuntimeEvent {
  const timeNano = BigInt(s.timeNano);
  return {
    type: s.type,
    action: s.action,
    id: s.id,
    attributes: s.attributes,
    time: new Date(Number(timeNano / 1_000_000n)).toISOString(),
    timeNano,
  };
}

function matches(e: RuntimeEvent, filter: ListFilter | undefined): boolean {
  if (!matchLabels(e.attributes, filter?.labels)) return false;
  if (filter?.names?.length && !filter.names.includes(e.attributes.name ?? '')) return false;
  return true;
}

function parseTime(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ms = Number.isFinite(n) ? n * 1000 : Date.parse(value);
  return Number.isFinite(ms) ? BigInt(Math.floor(ms)) * 1_000_000n : undefined;
}

/**
 * Past events since `since` (none without it), then new ones as they are appended, until `until` or
 * the signal. Polls as well as watching: fs.watch can miss appends from other processes.
 */
export async function* followEvents(
  runRoot: string,
  filter: ListFilter & { since?: string; until?: string; signal?: AbortSignal } = {},
): AsyncIterable<RuntimeEvent> {
  const path = journalPath(runRoot);
  const since = parseTime(filter.since);
  const until = parseTime(filter.until);
  const signal = filter.signal;
  let offset = since === undefined ? ((await stat(path).catch(() => undefined))?.size ?? 0) : 0;
  let rest = '';
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(runRoot, { persistent: false }, poke);
  } catch {}
  signal?.addEventListener('abort', poke, { once: true });
  try {
    while (!signal?.aborted) {
      const s = await stat(path).catch(() => undefined);
      if (s && s.size < offset) offset = 0; // rotated
      if (s && s.size > offset) {
        const fh = await open(path, 'r');
        try {
          const buf = Buffer.alloc(s.size - offset);
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          offset += bytesRead;
          rest += buf.subarray(0, bytesRead).toString('utf8');
        } finally {
          await fh.close();
        }
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (!line) continue;
          let e: RuntimeEvent;
          try {
            e = toEvent(JSON.parse(line) as StoredEvent);
          } catch {
            continue;
          }
          if (since !== undefined && (e.timeNano ?? 0n) < since) continue;
          if (until !== undefined && (e.timeNano ?? 0n) > until) return;
          if (matches(e, filter)) yield e;
        }
      }
      if (until !== undefined && nowNano() > until) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    signal?.removeEventListener('abort', poke);
  }
}
