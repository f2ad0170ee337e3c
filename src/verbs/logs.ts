/**
 * `logs` (docker/compose pkg/compose/logs.go, monitor.go): the output of the project's service
 * containers (one-offs apart) as an AsyncIterable of entries.
 *
 * - Without `follow`, each container's log is read to its end (`tail`, `since`, `until` applied per
 *   container by the engine) and the streams are merged by the engine's timestamp, so lines of several
 *   containers come out in the order they were printed (compose prints them as they arrive, which
 *   interleaves arbitrarily).
 * - With `follow`, lines come out as they arrive. The project's container events are watched as
 *   compose's monitor does: a container of the selected services that starts later (a restart, a
 *   recreate by `up`, a scale up) is followed too, from where its log left off; a followed container
 *   that stops gives an `exit` entry (`web-1 exited with code 0`, `(restarting)` when its restart
 *   policy brings it back). The iteration ends once no selected container is running or about to
 *   start (created, restarting) — compose's rule since PR #10181; containers already stopped when the
 *   follow begins only print their history — or when `signal` aborts. With `until`, following ends
 *   when every stream reaches that time.
 * - `since`/`until` accept what the docker CLI accepts (RFC 3339 with or without zone, a date, a Unix
 *   timestamp, or a Go duration back from now such as `42m`) and are converted here, as the docker
 *   client does before calling the engine.
 */
import { BerthError, RuntimeError } from '../api/errors.js';
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../api/labels.js';
import type { LogEntry, LogExitEntry, LogLineEntry, LogSource, LogsOptions } from '../api/lifecycle.js';
import type { Project } from '../compose/model.js';
import type { ObservedContainer } from '../reconcile/observe.js';
import { sleep } from '../reconcile/wait.js';
import { openRuntime } from '../runtime/open.js';
import type { Runtime, RuntimeEvent } from '../runtime/runtime.js';
import { observeProject, type ProjectState, selectServices } from './lifecycle.js';

// ---- times -----------------------------------------------------------------------------------------

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`1h30m`, `1.5s`, `300ms`) in milliseconds, or undefined. */
export function parseGoDuration(value: string): number | undefined {
  const m = /^([-+]?)(.+)$/.exec(value);
  if (!m || m[2] === '') return undefined;
  // µs as escapes (micro sign, Greek mu): the CLI bundle stays ASCII (see scripts/bundle-cli.mjs).
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  const body = m[2]!;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) return undefined;
    total += Number(p[1]) * DURATION_UNITS[p[2]!]!;
    at = part.lastIndex;
  }
  return m[1] === '-' ? -total : total;
}

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

/** An RFC 3339-like time → nanoseconds since the epoch; no zone = local time. Undefined if malformed. */
export function timeNanos(value: string): bigint | undefined {
  const m = TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7).map((x) => x ?? '0') as string[];
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const zone = m[8];
  let ms: number;
  if (zone === undefined) {
    ms = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
  } else {
    ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (zone !== 'Z' && zone !== 'z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    }
  }
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(fraction);
}

/** Nanoseconds → the engine's `seconds.nanoseconds`. */
export function engineSeconds(nanos: bigint): string {
  const sec = nanos / 1_000_000_000n;
  const rest = nanos % 1_000_000_000n;
  return `${sec}.${String(rest).padStart(9, '0')}`;
}

/**
 * `--since`/`--until` as the docker client converts them (moby api/types/time GetTimestamp): a
 * duration counts back from `now`; RFC 3339 times, dates and times without a zone (local) become
 * `seconds.nanoseconds`; a Unix timestamp passes through.
 * @throws BerthError USAGE for anything else.
 */
export function parseLogTime(value: string, now: Date = new Date()): string {
  if (value !== '0') {
    const d = parseGoDuration(value);
    if (d !== undefined) return String(Math.floor((now.getTime() - d) / 1000));
  }
  const nanos = timeNanos(value);
  if (nanos !== undefined) return engineSeconds(nanos);
  if (!value.includes('-') && /^\d+(\.\d{1,9})?$/.test(value)) return value;
  throw new BerthError('USAGE', `failed to parse value as time or duration: "${value}"`, {
    hint: 'use an RFC 3339 time (2013-01-02T13:23:37Z), a Unix timestamp or a duration (42m)',
  });
}

/** The engine time just after an RFC 3339 log timestamp (its `since` is inclusive). */
function justAfter(timestamp: string | undefined): string | undefined {
  const n = timestamp === undefined ? undefined : timeNanos(timestamp);
  return n === undefined ? undefined : engineSeconds(n + 1n);
}

// ---- selection -------------------------------------------------------------------------------------

/** The containers `logs` reads, and which containers that appear later it should follow too. */
export function selectLogContainers(
  state: ProjectState,
  options: Pick<LogsOptions, 'services' | 'index'>,
): { containers: ObservedContainer[]; watch: (service: string, number: number) => boolean } {
  const named = options.services && options.services.length > 0;
  let services: Set<string>;
  if (named) services = selectServices(state, options.services);
  else if (state.project) {
    // compose logs: the services that are attached by default (attach: false ones are left out).
    services = new Set(state.defaults.filter((s) => state.project!.services[s]?.attach !== false));
  } else services = new Set(state.defaults);
  const index = options.index;
  if (index !== undefined && index > 0) {
    if (!named || options.services!.length !== 1) {
      throw new BerthError('USAGE', '--index requires one service to be selected');
    }
    const service = options.services![0]!;
    const found = state.containers.find((c) => c.service === service && c.number === index);
    if (!found) {
      throw new RuntimeError('RUNTIME_NOT_FOUND', `service "${service}" is not running container #${index}`);
    }
    return { containers: [found], watch: (s, n) => s === service && n === index };
  }
  return {
    containers: state.containers.filter((c) => services.has(c.service)),
    watch: (s) => services.has(s),
  };
}

function sourceOf(c: ObservedContainer): LogSource {
  return { id: c.id, name: c.name, service: c.service, number: c.number };
}

// ---- merging ---------------------------------------------------------------------------------------

/**
 * Merges streams that are each in time order into one in time order (a k-way merge: one line of each
 * stream is held at a time). Ties keep the stream order; entries without a time sort first.
 */
export async function* mergeByTime<T>(
  sources: AsyncIterable<T>[],
  time: (item: T) => bigint | undefined,
): AsyncGenerator<T> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  try {
    const heads = await Promise.all(its.map((it) => it.next()));
    const keys = heads.map((h) => (h.done ? 0n : (time(h.value) ?? 0n)));
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        if (heads[i]!.done) continue;
        if (best < 0 || keys[i]! < keys[best]!) best = i;
      }
      if (best < 0) return;
      yield heads[best]!.value as T;
      const next = await its[best]!.next();
      heads[best] = next;
      keys[best] = next.done ? 0n : (time(next.value) ?? 0n);
    }
  } finally {
    await Promise.allSettled(its.map((it) => it.return?.()));
  }
}

/** A push queue read as an AsyncIterable; `end(error)` fails the reader. */
class Queue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.notify();
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.ended) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

// ---- the verb --------------------------------------------------------------------------------------

/**
 * The logs of the project's service containers. Without `follow` the entries are in time order; with
 * it, in arrival order until every followed container has stopped. Breaking out of the loop (or
 * aborting `signal`) closes every stream.
 */
export async function* logs(project: Project | string, options: LogsOptions = {}): AsyncGenerator<LogEntry> {
  const since = options.since === undefined ? undefined : parseLogTime(options.since);
  const until = options.until === undefined ? undefined : parseLogTime(options.until);
  const { runtime, owned } = await openRuntime(options);
  try {
    if (options.follow) {
      yield* follow(runtime, project, options, since, until);
      return;
    }
    const state = await observeProject(runtime, project);
    const { containers } = selectLogContainers(state, options);
    options.onSelect?.(containers.map(sourceOf));
    const streams = containers.map((c) =>
      lines(runtime, sourceOf(c), { since, until, tail: options.tail }, options.signal),
    );
    yield* mergeByTime(streams, (e) => (e.timestamp === undefined ? undefined : timeNanos(e.timestamp)));
  } finally {
    if (owned) await runtime.close();
  }
}

async function* lines(
  runtime: Runtime,
  source: LogSource,
  query: { since?: string; until?: string; tail?: number; follow?: boolean },
  signal: AbortSignal | undefined,
): AsyncGenerator<LogLineEntry> {
  for await (const line of runtime.logs(source.id, { ...query, timestamps: true, signal })) {
    yield { type: 'line', ...source, stream: line.stream, text: line.text, timestamp: line.timestamp };
  }
}

interface Track {
  source: LogSource;
  /** A log stream of it is open. */
  following: boolean;
  /** Expected to start (created, or restarting by policy): keeps the follow alive. */
  pending: boolean;
  /** It ran while followed: its stop is reported. */
  ran: boolean;
  /** Exit code of its last `die` event, and who waits for the next one. */
  died?: number;
  onDie: Array<() => void>;
  /** A `start` event came while its stream was open: follow it again once the stream ends. */
  startedAgain?: boolean;
  /** Timestamp of its last line seen. */
  lastTimestamp?: string;
  /** Engine time of its last stop seen (a `die` event), where a new stream starts without a line. */
  lastStop?: string;
}

async function* follow(
  runtime: Runtime,
  project: Project | string,
  options: LogsOptions,
  since: string | undefined,
  until: string | undefined,
): AsyncGenerator<LogEntry> {
  const name = typeof project === 'string' ? project : project.name;
  const done = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, done.signal]) : done.signal;
  const queue = new Queue<LogEntry>();
  const fail = (err: unknown) => {
    if (signal.aborted) return;
    done.abort();
    queue.end(err);
  };
  // Aborted (by the caller, or because the follow is over): the reader ends with what it has.
  signal.addEventListener('abort', () => queue.end(), { once: true });
  const tracks = new Map<string, Track>();
  let ready = false;
  const settle = () => {
    if (!ready || signal.aborted) return;
    for (const t of tracks.values()) if (t.following || t.pending) return;
    done.abort();
    queue.end();
  };

  const exitEntry = (t: Track, exitCode: number, restarting: boolean): LogExitEntry => ({
    type: 'exit',
    ...t.source,
    exitCode,
    ...(restarting && { restarting: true }),
  });

  /** The code of the `die` event of a container that is gone, waiting a little for the event. */
  const exitCodeFromEvent = async (t: Track): Promise<number | undefined> => {
    if (t.died === undefined) {
      const timer = new AbortController();
      await Promise.race([
        new Promise<void>((resolve) => t.onDie.push(resolve)),
        sleep(2000, AbortSignal.any([signal, timer.signal])).catch(() => {}),
      ]);
      timer.abort();
    }
    return t.died;
  };

  const startFollowing = (t: Track, first: boolean): void => {
    t.following = true;
    t.pending = false;
    t.startedAgain = false;
    t.died = undefined;
    const from = first ? since : (justAfter(t.lastTimestamp) ?? t.lastStop);
    void (async () => {
      let count = 0;
      const began = Date.now();
      for await (const line of runtime.logs(t.source.id, {
        follow: true,
        timestamps: true,
        since: from,
        until,
        tail: first ? options.tail : undefined,
        signal,
      })) {
        count++;
        t.lastTimestamp = line.timestamp ?? t.lastTimestamp;
        queue.push({
          type: 'line',
          ...t.source,
          stream: line.stream,
          text: line.text,
          timestamp: line.timestamp,
        });
      }
      // Still counted as followed while its fate is looked up, so the follow cannot end meanwhile.
      if (signal.aborted) return;
      const info = until === undefined ? await runtime.inspectContainer(t.source.id) : undefined;
      if (signal.aborted) return;
      if (info === undefined) {
        // Removed right after it stopped (`down`, a recreate): its `die` event still has the code.
        if (t.ran && until === undefined) {
          const code = await exitCodeFromEvent(t);
          if (code !== undefined) queue.push(exitEntry(t, code, false));
        }
        t.ran = false;
        t.following = false;
        return settle();
      }
      if (info.state === 'running' || info.state === 'paused' || t.startedAgain) {
        // Started again already (or the engine had not recorded the stop yet): follow on.
        if (count === 0 && Date.now() - began < 200) await sleep(200, signal).catch(() => {});
        t.following = false;
        if (!signal.aborted) startFollowing(t, false);
        return;
      }
      t.following = false;
      if (info.state === 'restarting' || info.state === 'created') {
        if (t.ran && info.state === 'restarting') queue.push(exitEntry(t, info.exitCode ?? 0, true));
        t.pending = true;
        return settle();
      }
      if (t.ran) queue.push(exitEntry(t, info.exitCode ?? 0, false));
      t.ran = false;
      settle();
    })().catch((err: unknown) => {
      t.following = false;
      // Removed under us (`down`, `rm`): nothing more to follow there.
      if ((err as { code?: string }).code !== 'RUNTIME_NOT_FOUND') return fail(err);
      t.pending = false;
      settle();
    });
  };

  const onEvent = async (e: RuntimeEvent): Promise<void> => {
    if (e.type !== 'container') return;
    const a = e.attributes;
    const service = a[SERVICE_LABEL] ?? '';
    const number = Number.parseInt(a[CONTAINER_NUMBER_LABEL] ?? '', 10) || 0;
    if (a[ONEOFF_LABEL] === ONEOFF_TRUE || a[CONFIG_HASH_LABEL] === undefined) return;
    if (!watch(service, number)) return;
    let t = tracks.get(e.id);
    if (t === undefined) {
      t = {
        source: { id: e.id, name: a.name ?? e.id, service, number },
        following: false,
        pending: false,
        ran: false,
        onDie: [],
      };
      tracks.set(e.id, t);
    }
    if (a.name) t.source = { ...t.source, name: a.name };
    switch (e.action) {
      case 'create':
        if (!t.following) t.pending = true;
        return;
      case 'start':
        t.ran = true;
        if (t.following) t.startedAgain = true;
        else startFollowing(t, false);
        return;
      case 'die': {
        t.lastStop = justAfter(e.time);
        t.died = Number(a.exitCode ?? 0);
        for (const wake of t.onDie.splice(0)) wake();
        if (t.following || !t.pending) return;
        // Restarting by policy stays pending; anything else has stopped for good.
        const info = await runtime.inspectContainer(e.id);
        if (info?.state === 'restarting' || info?.state === 'running' || t.following) return;
        t.pending = false;
        if (t.ran) queue.push(exitEntry(t, Number(a.exitCode ?? info?.exitCode ?? 0), false));
        t.ran = false;
        return settle();
      }
      case 'destroy':
        if (t.following) return;
        t.pending = false;
        return settle();
    }
  };

  // Subscribe before listing, so a container started in between is not missed.
  const events = runtime.events({ labels: { [PROJECT_LABEL]: name }, signal })[Symbol.asyncIterator]();
  const first = events.next();
  let watch: (service: string, number: number) => boolean = () => false;
  try {
    const state = await observeProject(runtime, project);
    const selection = selectLogContainers(state, options);
    watch = selection.watch;
    options.onSelect?.(selection.containers.map(sourceOf));
    for (const c of selection.containers) {
      // One restarting already (in its policy's back-off) is pending, not a stop to report.
      const running = c.state === 'running' || c.state === 'paused';
      tracks.set(c.id, { source: sourceOf(c), following: false, pending: false, ran: running, onDie: [] });
    }
  } catch (err) {
    done.abort();
    await events.return?.(undefined);
    throw err;
  }
  void (async () => {
    let r = await first;
    while (!r.done) {
      await onEvent(r.value);
      r = await events.next();
    }
  })().catch(fail);
  for (const t of [...tracks.values()]) if (!t.following) startFollowing(t, true);
  ready = true;
  settle();
  try {
    yield* queue;
  } finally {
    done.abort();
  }
}
