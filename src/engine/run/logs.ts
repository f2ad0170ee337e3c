/**
 * Reads conmon's k8s-file logs (`<RFC3339Nano> stdout|stderr F|P <text>`, P = a partial line whose
 * rest follows) as LogLines, with docker's `logs` options: `tail` (last N lines, applied first, then
 * `since`/`until` as moby's json-file reader does), `timestamps`, and `follow` (fs.watch on the file
 * plus polling as a fallback; ends once the container is no longer running and the file is drained,
 * at `until`, or when the AbortSignal fires — never with an error for the abort).
 *
 * `since`/`until` arrive in the engine's form (`seconds[.nanoseconds]`, what verbs/logs.ts sends), an
 * RFC 3339 time is accepted too.
 */
import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { LogLine, LogOptions } from '../../runtime/runtime.js';

export interface K8sRecord {
  /** As conmon wrote it (`2026-11-23T11:23:13.448993172+00:00`). */
  time: string;
  nanos: bigint;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

const LINE = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/s;

/** Nanoseconds since the epoch of an RFC 3339 time with up to 9 fraction digits; undefined if malformed. */
export function rfc3339Nanos(value: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** One log file line; undefined when it is not in k8s-file form. */
export function parseK8sLine(line: string): K8sRecord | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const nanos = rfc3339Nanos(m[1]!);
  if (nanos === undefined) return undefined;
  return { time: m[1]!, nanos, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4] ?? '' };
}

/** docker's timestamp form: RFC3339Nano in UTC (`…T11:23:13.448993172Z`, trailing zeros trimmed). */
export function dockerTimestamp(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = String(nanos % 1_000_000_000n)
    .padStart(9, '0')
    .replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

/** An engine time (`seconds[.fraction]` or RFC 3339) → nanoseconds; undefined when empty/malformed. */
export function engineTimeNanos(value: string | undefined): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  const r = rfc3339Nanos(value);
  if (r !== undefined) return r;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}

/** A joined line with its first part's time. */
export interface JoinedLine {
  nanos: bigint;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Joins P partials of each stream until their F line. */
export class LineJoiner {
  private readonly pending = new Map<string, { nanos: bigint; text: string }>();

  push(rec: K8sRecord): JoinedLine | undefined {
    const prev = this.pending.get(rec.stream);
    const nanos = prev?.nanos ?? rec.nanos;
    const text = (prev?.text ?? '') + rec.text;
    if (rec.partial) {
      this.pending.set(rec.stream, { nanos, text });
      return undefined;
    }
    this.pending.delete(rec.stream);
    return { nanos, stream: rec.stream, text };
  }

  /** Partials never completed (the file ended mid-line). */
  flush(): JoinedLine[] {
    const out = [...this.pending.entries()].map(([stream, p]) => ({
      nanos: p.nanos,
      stream: stream as 'stdout' | 'stderr',
      text: p.text,
    }));
    this.pending.clear();
    return out.sort((a, b) => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0));
  }
}

/** Parses a whole log text into joined lines. */
export function parseLog(text: string): JoinedLine[] {
  const joiner = new LineJoiner();
  const out: JoinedLine[] = [];
  for (const line of text.split('\n')) {
    const rec = parseK8sLine(line);
    if (!rec) continue;
    const j = joiner.push(rec);
    if (j) out.push(j);
  }
  out.push(...joiner.flush());
  return out;
}

function toLogLine(l: JoinedLine, timestamps: boolean): LogLine {
  return timestamps
    ? { stream: l.stream, text: l.text, timestamp: dockerTimestamp(l.nanos) }
    : { stream: l.stream, text: l.text };
}

/** tail, then since/until (see the file comment). `stop` = a line after `until` was seen. */
export function selectLines(
  lines: readonly JoinedLine[],
  options: Pick<LogOptions, 'tail' | 'since' | 'until'>,
): { lines: JoinedLine[]; stop: boolean } {
  const tail = options.tail;
  let selected = tail === undefined || tail < 0 ? [...lines] : tail === 0 ? [] : lines.slice(-tail);
  const since = engineTimeNanos(options.since);
  const until = engineTimeNanos(options.until);
  if (since !== undefined) selected = selected.filter((l) => l.nanos >= since);
  let stop = false;
  if (until !== undefined) {
    const i = selected.findIndex((l) => l.nanos > until);
    if (i >= 0) {
      selected = selected.slice(0, i);
      stop = true;
    }
  }
  return { lines: selected, stop };
}

export interface ReadLogOptions extends LogOptions {
  /** For follow: resolves true once the container is not running (its output is complete). */
  exited?: () => Promise<boolean>;
  /** Polling period while following (fs.watch may miss events on some filesystems). */
  pollMs?: number;
}

async function readFrom(path: string, offset: number): Promise<{ data: Buffer; size: number }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: Buffer.alloc(0), size: 0 };
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return { data: Buffer.alloc(0), size };
    const data = Buffer.alloc(size - offset);
    let read = 0;
    while (read < data.length) {
      const r = await fh.read(data, read, data.length - read, offset + read);
      if (r.bytesRead === 0) break;
      read += r.bytesRead;
    }
    return { data: data.subarray(0, read), size: offset + read };
  } finally {
    await fh.close();
  }
}

/** First chunk `tail` reads from the end of the file; each further one is twice as large. */
export const TAIL_CHUNK = 64 * 1024;

/**
 * The last `n` joined lines, reading the file backwards in growing chunks rather than whole. The
 * window starts after a newline; its first joined line of each stream may have lost its first partial
 * records (they lie before the window), so it is dropped — and the last n lines must all come after
 * it — until the window reaches the file's start.
 * With `follow`, a trailing fragment is left for the follower (offset points at it) and partial lines
 * stay pending in the returned joiner.
 */
export async function readTail(
  path: string,
  n: number,
  options: { follow?: boolean; chunk?: number } = {},
): Promise<{ lines: JoinedLine[]; joiner: LineJoiner; offset: number }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { lines: [], joiner: new LineJoiner(), offset: 0 };
    }
    throw err;
  }
  try {
    const { size } = await fh.stat();
    let start = size;
    let window = Buffer.alloc(0);
    let chunk = options.chunk ?? TAIL_CHUNK;
    for (;;) {
      const from = Math.max(0, start - chunk);
      const piece = Buffer.alloc(start - from);
      let got = 0;
      while (got < piece.length) {
        const r = await fh.read(piece, got, piece.length - got, from + got);
        if (r.bytesRead === 0) break;
        got += r.bytesRead;
      }
      window = Buffer.concat([piece.subarray(0, got), window]);
      start = from;
      chunk *= 2;
      let bodyStart = 0;
      if (start > 0) {
        const nl = window.indexOf(10);
        if (nl < 0) continue;
        bodyStart = nl + 1;
      }
      const bodyEnd = options.follow ? window.lastIndexOf(10) + 1 : window.length;
      const joiner = new LineJoiner();
      const lines: JoinedLine[] = [];
      const seen = new Set<string>();
      // Lines from here on follow the last dropped one: the last n must all lie after it.
      let validFrom = 0;
      const text = bodyEnd > bodyStart ? window.subarray(bodyStart, bodyEnd).toString('utf8') : '';
      const keep = (j: JoinedLine): void => {
        // Possibly cut at the window's start: only whole once the window is the file's start.
        if (start > 0 && !seen.has(j.stream)) {
          seen.add(j.stream);
          validFrom = lines.length;
          return;
        }
        lines.push(j);
      };
      for (const line of text.split('\n')) {
        const rec = parseK8sLine(line);
        if (!rec) continue;
        const j = joiner.push(rec);
        if (j) keep(j);
      }
      if (!options.follow) for (const j of joiner.flush()) keep(j);
      if (lines.length - validFrom >= n || start === 0) {
        const offset = start + Math.max(bodyEnd, bodyStart);
        return { lines: n === 0 ? [] : lines.slice(-n), joiner, offset };
      }
    }
  } finally {
    await fh.close();
  }
}

/** The log of one container as LogLines (see the file comment). */
export async function* readLog(path: string, options: ReadLogOptions = {}): AsyncIterable<LogLine> {
  const timestamps = options.timestamps === true;
  const { signal } = options;
  if (signal?.aborted) return;
  let offset: number;
  let joiner: LineJoiner;
  let initial: JoinedLine[];
  if (options.tail !== undefined && options.tail >= 0) {
    // The last lines only: read from the end, never the whole file.
    const t = await readTail(path, options.tail, { follow: options.follow });
    ({ offset, joiner } = t);
    initial = t.lines;
  } else {
    const first = await readFrom(path, 0);
    // Only complete lines now; a trailing fragment is re-read when following.
    const text = first.data.toString('utf8');
    const complete = options.follow ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
    offset = options.follow ? Buffer.byteLength(complete) : first.size;
    joiner = new LineJoiner();
    initial = [];
    for (const line of complete.split('\n')) {
      const rec = parseK8sLine(line);
      if (!rec) continue;
      const j = joiner.push(rec);
      if (j) initial.push(j);
    }
    if (!options.follow) initial.push(...joiner.flush());
  }
  const { lines, stop } = selectLines(initial, { since: options.since, until: options.until });
  for (const l of lines) yield toLogLine(l, timestamps);
  if (!options.follow || stop) return;

  const since = engineTimeNanos(options.since);
  const until = engineTimeNanos(options.until);
  const pollMs = options.pollMs ?? 250;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let watcher: ReturnType<typeof watch> | undefined;
  const startWatch = (): void => {
    if (watcher) return;
    try {
      watcher = watch(path, poke);
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // not there yet: polling until it is
    }
  };
  signal?.addEventListener('abort', poke, { once: true });
  let fragment = '';
  try {
    let exitedSeen = false;
    for (;;) {
      if (signal?.aborted) return;
      startWatch();
      // Truncation (log rewritten): start over from its beginning.
      const st = await stat(path).catch(() => undefined);
      if (st && st.size < offset) {
        offset = 0;
        fragment = '';
      }
      const { data, size } = await readFrom(path, offset);
      offset = size;
      if (data.length > 0) {
        const chunk = fragment + data.toString('utf8');
        const cut = chunk.lastIndexOf('\n');
        fragment = chunk.slice(cut + 1);
        for (const line of chunk.slice(0, cut + 1).split('\n')) {
          const rec = parseK8sLine(line);
          if (!rec) continue;
          const j = joiner.push(rec);
          if (!j) continue;
          if (until !== undefined && j.nanos > until) return;
          if (since !== undefined && j.nanos < since) continue;
          yield toLogLine(j, timestamps);
          if (signal?.aborted) return;
        }
        continue;
      }
      if (exitedSeen) return;
      if (until !== undefined && BigInt(Date.now()) * 1_000_000n > until) return;
      if (options.exited && (await options.exited())) {
        // One more read drains what conmon wrote before the exit.
        exitedSeen = true;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve();
        }, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    watcher?.close();
    signal?.removeEventListener('abort', poke);
  }
}
