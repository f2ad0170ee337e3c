/**
 * The supervisor's scheduling: one instance per project (main.ts runs it in a detached process).
 * Every `pollIntervalMs` (and at once when a file appears in the exits directory) it lists the
 * project's containers through its `SupervisorHost` and
 *
 * - for a container whose run ended (the host reports an exit code), applies the restart policy
 *   (restart.ts: Docker's rules and backoff) once per run, and starts it again after the delay unless
 *   the user stopped it or removed it meanwhile;
 * - for a running container with a healthcheck, runs probes (health.ts: Docker's state machine) and
 *   hands every new state to the host; a new run starts from `starting`; a paused container is not
 *   probed.
 *
 * With `idleExit` (default) `run()` returns once nothing is left to supervise (no running container
 * with a restart policy or a healthcheck, no restart pending) for `idleGraceMs`. All waiting goes
 * through an injected Clock, so unit tests drive it without real timers.
 *
 * Host contract: `list()` returns each container's current run (`startedAt` identifies it);
 * `exitCodeOf(id)` answers the exit code of that run once it ended (undefined while it runs);
 * `start(id)` begins a new run (a new `startedAt`, the previous exit code cleared); `restartCount` and
 * `health` come back as last saved (a saved health whose last probe predates the run is reset to
 * `starting`, so the host need not reset it).
 */
import type { ContainerState, HealthcheckSpec, RestartPolicy } from '../../runtime/runtime.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { watchExits } from './exits-watcher.js';
import {
  applyProbeResult,
  type HealthConfig,
  type HealthState,
  healthConfig,
  initialHealth,
  nextProbeDelay,
  type ProbeResult,
  timeoutResult,
} from './health.js';
import { newRestartTracker, type RestartTracker, restartsAtAll, shouldRestart } from './restart.js';

/** A container as the supervisor sees it. */
export interface SupervisedContainer {
  id: string;
  /** For log lines. */
  name?: string;
  /** `created` (never started) is ignored; `exited`/`dead` need an exit code (here or exitCodeOf). */
  state: ContainerState;
  /** When the current run started: ISO-8601 or ms since the epoch. Undefined = never started. */
  startedAt?: string | number;
  /** When it ended, if known (for the 10 s backoff reset); else the time the exit was noticed. */
  finishedAt?: string | number;
  /** Exit code of the ended run, if the host already knows it. */
  exitCode?: number;
  restart?: RestartPolicy;
  healthcheck?: HealthcheckSpec;
  /** The image's SHELL for CMD-SHELL tests (default `/bin/sh -c`). */
  shell?: string[];
  /** Set by a user stop/kill: no restart follows. */
  stoppedByUser?: boolean;
  /** As last saved with saveRestart (a user start resets it to 0). */
  restartCount?: number;
  /** As last saved with saveHealth, for the current run. */
  health?: HealthState;
}

export interface ProbeOutcome {
  exitCode: number;
  /** stdout and stderr together. */
  output: string;
  /** The host stopped the probe at its timeout itself. */
  timedOut?: boolean;
}

/** What the supervisor needs from the engine; implemented over engine/run's Containers. */
export interface SupervisorHost {
  list(): Promise<SupervisedContainer[]>;
  /** Runs a probe inside the container; should kill it at `timeoutMs` or on `signal`. */
  exec(id: string, argv: string[], timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome>;
  /** Starts the container again (restart policy). */
  start(id: string): Promise<void>;
  /** The exit code of the current run once it ended, else undefined. */
  exitCodeOf(id: string): Promise<number | undefined>;
  saveHealth(id: string, health: HealthState): Promise<void>;
  saveRestart(id: string, restartCount: number): Promise<void>;
}

export interface SupervisorOptions {
  host: SupervisorHost;
  clock?: Clock;
  /** Watched with fs.watch for prompt exit notices (polling runs regardless). */
  exitsDir?: string;
  /** Default 1000 ms. */
  pollIntervalMs?: number;
  /** Return from run() when nothing is left to supervise. Default true. */
  idleExit?: boolean;
  /** How long it must stay idle first. Default 3000 ms. */
  idleGraceMs?: number;
  log?: (message: string) => void;
}

/** What the supervisor knows of one container. */
export interface SupervisedStatus {
  id: string;
  restartCount: number;
  restartPending: boolean;
  health?: HealthState;
}

interface Monitor {
  abort: AbortController;
  timer?: TimerHandle;
}

interface Tracked {
  id: string;
  name: string;
  restart: RestartTracker;
  /** The run whose exit was handled. */
  handledRun?: string;
  pendingRestart?: TimerHandle;
  restarting: boolean;
  /** Alive with a restart policy or a healthcheck. */
  interested: boolean;
  health?: { runKey: string; cfg: HealthConfig; startedAtMs: number; state: HealthState };
  monitor?: Monitor;
}

export class Supervisor {
  private readonly host: SupervisorHost;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly idleExit: boolean;
  private readonly idleGraceMs: number;
  private readonly log: (message: string) => void;
  private readonly tracked = new Map<string, Tracked>();
  private queue: Promise<void> = Promise.resolve();
  private wake?: () => void;
  private closed = false;

  constructor(private readonly options: SupervisorOptions) {
    this.host = options.host;
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.idleExit = options.idleExit ?? true;
    this.idleGraceMs = options.idleGraceMs ?? 3000;
    this.log = options.log ?? (() => undefined);
  }

  /** Supervises until `signal` aborts, close() is called, or (idleExit) nothing is left to do. */
  async run(signal?: AbortSignal): Promise<void> {
    const onAbort = (): void => this.wake?.();
    signal?.addEventListener('abort', onAbort);
    const watcher = this.options.exitsDir
      ? watchExits(this.options.exitsDir, (id) => this.notify(id), this.log)
      : undefined;
    let idleSince: number | undefined;
    try {
      while (!signal?.aborted && !this.closed) {
        await this.refresh();
        if (signal?.aborted || this.closed) break;
        if (this.idleExit) {
          if (this.active) idleSince = undefined;
          else {
            idleSince ??= this.clock.now();
            if (this.clock.now() - idleSince >= this.idleGraceMs) break;
          }
        }
        await this.sleep(this.pollIntervalMs);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      watcher?.close();
      this.close();
      await this.queue;
    }
  }

  /** One pass over the host's containers (serialized with restarts). */
  refresh(): Promise<void> {
    return this.enqueue(() => this.pass());
  }

  /** A hint that something changed (an exit file appeared): the sleeping loop runs a pass now. */
  notify(_id?: string): void {
    this.wake?.();
  }

  /** True while something needs supervising: a restart pending, or a live container with a policy or a healthcheck. */
  get active(): boolean {
    for (const t of this.tracked.values()) {
      if (t.pendingRestart !== undefined || t.restarting || t.interested) return true;
    }
    return false;
  }

  status(id: string): SupervisedStatus | undefined {
    const t = this.tracked.get(id);
    if (!t) return undefined;
    return {
      id,
      restartCount: t.restart.count,
      restartPending: t.pendingRestart !== undefined || t.restarting,
      health: t.health?.state,
    };
  }

  /** Stops every timer and probe; run() returns. */
  close(): void {
    this.closed = true;
    for (const t of this.tracked.values()) this.forget(t);
    this.wake?.();
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn).catch((err: unknown) => this.log(`supervisor error: ${errorText(err)}`));
    this.queue = next;
    return next;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async pass(): Promise<void> {
    if (this.closed) return;
    let list: SupervisedContainer[];
    try {
      list = await this.host.list();
    } catch (err) {
      this.log(`listing containers failed: ${errorText(err)}`);
      return;
    }
    const seen = new Set<string>();
    for (const c of list) {
      if (this.closed) return;
      seen.add(c.id);
      let t = this.tracked.get(c.id);
      if (!t) {
        t = {
          id: c.id,
          name: c.name ?? c.id.slice(0, 12),
          restart: newRestartTracker(c.restartCount ?? 0),
          restarting: false,
          interested: false,
        };
        this.tracked.set(c.id, t);
      }
      try {
        await this.observe(t, c);
      } catch (err) {
        this.log(`${t.name}: ${errorText(err)}`);
      }
    }
    for (const t of [...this.tracked.values()]) {
      if (!seen.has(t.id)) {
        this.forget(t);
        this.tracked.delete(t.id);
      }
    }
  }

  private async observe(t: Tracked, c: SupervisedContainer): Promise<void> {
    t.interested = false;
    if (c.restartCount !== undefined) t.restart.count = c.restartCount;
    const startedAtMs = toMs(c.startedAt);
    if (startedAtMs === undefined || c.state === 'created') {
      this.stopMonitor(t);
      return;
    }
    if (t.pendingRestart !== undefined || t.restarting) return;
    const runKey = String(startedAtMs);
    let code: number | undefined;
    if (c.state === 'exited' || c.state === 'dead') {
      code = c.exitCode ?? (await this.host.exitCodeOf(c.id)) ?? 255;
    } else {
      code = await this.host.exitCodeOf(c.id);
    }
    if (code !== undefined) {
      this.stopMonitor(t);
      if (t.handledRun !== runKey) {
        t.handledRun = runKey;
        await this.handleExit(t, c, code, startedAtMs);
      }
      return;
    }
    const cfg = healthConfig(c.healthcheck, c.shell);
    t.interested = restartsAtAll(c.restart) || cfg !== undefined;
    if (!cfg) {
      this.stopMonitor(t);
      t.health = undefined;
      return;
    }
    if (!t.health || t.health.runKey !== runKey) {
      this.stopMonitor(t);
      // a new run starts over (log kept); a run seen first (this process just started) continues
      // from what the host saved, if its last probe belongs to this run
      const last = c.health?.log.at(-1);
      const sameRun = c.health !== undefined && last !== undefined && Date.parse(last.start) >= startedAtMs;
      const state = t.health ? initialHealth(t.health.state) : sameRun ? c.health! : initialHealth(c.health);
      t.health = { runKey, cfg, startedAtMs, state };
      await this.saveHealth(t, state);
    } else {
      t.health.cfg = cfg;
    }
    if (c.state === 'paused') {
      this.stopMonitor(t);
      return;
    }
    if (!t.monitor) this.startMonitor(t);
  }

  private async handleExit(
    t: Tracked,
    c: SupervisedContainer,
    exitCode: number,
    startedAtMs: number,
  ): Promise<void> {
    const now = this.clock.now();
    const finishedAtMs = toMs(c.finishedAt) ?? now;
    const decision = shouldRestart(c.restart, t.restart, {
      exitCode,
      stoppedByUser: c.stoppedByUser === true,
      ranForMs: Math.max(0, finishedAtMs - startedAtMs),
    });
    t.restart = decision.tracker;
    if (!decision.restart) {
      if (restartsAtAll(c.restart)) {
        this.log(
          `${t.name} exited with code ${exitCode}${c.stoppedByUser ? ' (stopped by the user)' : ''}; not restarting`,
        );
      }
      return;
    }
    this.log(
      `${t.name} exited with code ${exitCode}; restart #${decision.tracker.count} in ${decision.delayMs} ms`,
    );
    await this.host.saveRestart(t.id, decision.tracker.count);
    t.pendingRestart = this.clock.setTimeout(() => {
      t.pendingRestart = undefined;
      if (this.closed) return;
      t.restarting = true;
      void this.enqueue(async () => {
        try {
          await this.restartNow(t);
        } finally {
          t.restarting = false;
        }
        await this.pass();
      });
    }, decision.delayMs);
  }

  private async restartNow(t: Tracked): Promise<void> {
    if (this.closed) return;
    const c = (await this.host.list()).find((x) => x.id === t.id);
    if (!c) return;
    if (c.stoppedByUser) {
      this.log(`${t.name} was stopped by the user; restart cancelled`);
      return;
    }
    if (c.state === 'running' && (await this.host.exitCodeOf(t.id)) === undefined) return;
    try {
      await this.host.start(t.id);
      this.log(`${t.name} restarted`);
    } catch (err) {
      this.log(`restarting ${t.name} failed: ${errorText(err)}`);
    }
  }

  private startMonitor(t: Tracked): void {
    const h = t.health!;
    const m: Monitor = { abort: new AbortController() };
    t.monitor = m;
    this.scheduleProbe(t, m, nextProbeDelay(h.cfg, h.state.status, h.startedAtMs, this.clock.now()));
  }

  private scheduleProbe(t: Tracked, m: Monitor, delayMs: number): void {
    m.timer = this.clock.setTimeout(() => {
      m.timer = undefined;
      void this.probe(t, m);
    }, delayMs);
  }

  private async probe(t: Tracked, m: Monitor): Promise<void> {
    const h = t.health;
    if (!h || m.abort.signal.aborted || t.monitor !== m) return;
    const { cfg } = h;
    const start = this.clock.now();
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    m.abort.signal.addEventListener('abort', onAbort, { once: true });
    let timer: TimerHandle | undefined;
    let result: ProbeResult;
    try {
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = this.clock.setTimeout(() => resolve('timeout'), cfg.timeoutMs);
      });
      const exec = this.host.exec(t.id, cfg.argv, cfg.timeoutMs, ac.signal);
      exec.catch(() => undefined);
      const outcome = await Promise.race([exec, timeout]);
      if (outcome === 'timeout' || outcome.timedOut) {
        ac.abort();
        result = timeoutResult(start, this.clock.now(), cfg.timeoutMs);
      } else {
        result = { start, end: this.clock.now(), exitCode: outcome.exitCode, output: outcome.output };
      }
    } catch (err) {
      result = { start, end: this.clock.now(), exitCode: -1, output: errorText(err) };
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      m.abort.signal.removeEventListener('abort', onAbort);
    }
    if (m.abort.signal.aborted || t.monitor !== m || t.health !== h) return;
    h.state = applyProbeResult(h.state, result, cfg, h.startedAtMs);
    await this.saveHealth(t, h.state);
    if (m.abort.signal.aborted || t.monitor !== m) return;
    this.scheduleProbe(t, m, nextProbeDelay(cfg, h.state.status, h.startedAtMs, this.clock.now()));
  }

  private async saveHealth(t: Tracked, state: HealthState): Promise<void> {
    try {
      await this.host.saveHealth(t.id, state);
    } catch (err) {
      this.log(`saving the health of ${t.name} failed: ${errorText(err)}`);
    }
  }

  private stopMonitor(t: Tracked): void {
    const m = t.monitor;
    if (!m) return;
    t.monitor = undefined;
    m.abort.abort();
    if (m.timer !== undefined) this.clock.clearTimeout(m.timer);
  }

  private forget(t: Tracked): void {
    this.stopMonitor(t);
    if (t.pendingRestart !== undefined) {
      this.clock.clearTimeout(t.pendingRestart);
      t.pendingRestart = undefined;
    }
    t.interested = false;
  }
}

function toMs(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
