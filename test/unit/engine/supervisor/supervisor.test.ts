/**
 * The supervisor's scheduling against a fake host and a manual clock: restart policies with their
 * backoff, user stops, healthcheck probes (intervals, start period, timeouts), pauses, containers
 * coming and going, and returning when nothing is left to supervise.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/engine/supervisor/clock.js';
import { type HealthState, initialHealth } from '../../../../src/engine/supervisor/health.js';
import {
  type ProbeOutcome,
  type SupervisedContainer,
  Supervisor,
  type SupervisorHost,
} from '../../../../src/engine/supervisor/supervisor.js';

type Probe = (call: number) => ProbeOutcome | 'hang' | Error;

interface FakeContainer extends SupervisedContainer {
  exit?: number;
  starts: number;
  probe?: Probe;
  probeCalls: number;
}

class FakeHost implements SupervisorHost {
  readonly containers = new Map<string, FakeContainer>();
  readonly events: string[] = [];
  readonly healthSaved: Array<{ id: string; at: number; state: HealthState }> = [];
  readonly execSignals: AbortSignal[] = [];

  constructor(private readonly clock: ManualClock) {}

  add(c: Partial<FakeContainer> & { id: string }): FakeContainer {
    const full: FakeContainer = {
      state: 'running',
      startedAt: this.clock.now(),
      starts: 0,
      probeCalls: 0,
      ...c,
    };
    this.containers.set(c.id, full);
    return full;
  }

  /** The process of `id` ends with `code` now. */
  exitNow(id: string, code: number): void {
    const c = this.containers.get(id)!;
    c.exit = code;
    this.events.push(`exit ${id} ${code} @${this.clock.now() - T0}`);
  }

  async list(): Promise<SupervisedContainer[]> {
    return [...this.containers.values()].map((c) => {
      const { exit: _e, starts: _s, probe: _p, probeCalls: _c, ...rest } = c;
      return structuredClone(rest);
    });
  }

  async exec(id: string, argv: string[], _timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
    const c = this.containers.get(id)!;
    this.events.push(`probe ${id} ${argv.join(' ')} @${this.clock.now() - T0}`);
    this.execSignals.push(signal);
    const r = c.probe ? c.probe(++c.probeCalls) : { exitCode: 0, output: 'ok' };
    if (r === 'hang') {
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    if (r instanceof Error) throw r;
    return r;
  }

  async start(id: string): Promise<void> {
    const c = this.containers.get(id)!;
    c.starts++;
    c.exit = undefined;
    c.exitCode = undefined;
    c.state = 'running';
    c.startedAt = this.clock.now();
    if (c.health) c.health = initialHealth(c.health);
    this.events.push(`start ${id} @${this.clock.now() - T0}`);
  }

  async exitCodeOf(id: string): Promise<number | undefined> {
    return this.containers.get(id)?.exit;
  }

  async saveHealth(id: string, health: HealthState): Promise<void> {
    this.containers.get(id)!.health = health;
    this.healthSaved.push({ id, at: this.clock.now(), state: health });
  }

  async saveRestart(id: string, restartCount: number): Promise<void> {
    this.containers.get(id)!.restartCount = restartCount;
  }

  starts(): string[] {
    return this.events.filter((e) => e.startsWith('start '));
  }

  statuses(id: string): string[] {
    return this.healthSaved
      .filter((h) => h.id === id)
      .map((h) => `${h.state.status}/${h.state.failingStreak}@${h.at - T0}`);
  }
}

const T0 = Date.UTC(2026, 0, 1);

function setup(options: { idleGraceMs?: number; idleExit?: boolean; pollIntervalMs?: number } = {}) {
  const clock = new ManualClock(T0);
  const host = new FakeHost(clock);
  const logs: string[] = [];
  const sup = new Supervisor({
    host,
    clock,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    idleGraceMs: options.idleGraceMs ?? 0,
    idleExit: options.idleExit,
    log: (m) => logs.push(m),
  });
  const ac = new AbortController();
  let finished = false;
  const done = sup.run(ac.signal).then(() => {
    finished = true;
  });
  return { clock, host, sup, ac, done, logs, isFinished: () => finished };
}

describe('restart policies', () => {
  it('on-failure:2 restarts twice with 100 ms then 200 ms backoff, then leaves it exited and returns', async () => {
    const { clock, host, sup, done, isFinished, logs } = setup();
    host.add({ id: 'c1', name: 'flaky', restart: { name: 'on-failure', maximumRetryCount: 2 } });
    await clock.advance(0);
    expect(sup.active).toBe(true);

    await clock.advance(500);
    host.exitNow('c1', 1);
    await clock.advance(500); // noticed by the poll at t=1000, restart due at t=1100
    expect(host.starts()).toEqual([]);
    await clock.advance(100);
    expect(host.starts()).toEqual(['start c1 @1100']);
    expect(host.containers.get('c1')!.restartCount).toBe(1);

    host.exitNow('c1', 3);
    sup.notify('c1'); // what the exits watcher does
    await clock.advance(199);
    expect(host.starts()).toHaveLength(1);
    await clock.advance(1);
    expect(host.starts()).toEqual(['start c1 @1100', 'start c1 @1300']);
    expect(host.containers.get('c1')!.restartCount).toBe(2);

    host.exitNow('c1', 1);
    sup.notify('c1');
    await clock.advance(60_000);
    expect(host.starts()).toHaveLength(2);
    expect(sup.status('c1')).toMatchObject({ restartCount: 2, restartPending: false });
    expect(isFinished()).toBe(true);
    await done;
    expect(logs.some((l) => l.includes('flaky exited with code 1; not restarting'))).toBe(true);
  });

  it('on-failure does not restart after exit 0; no policy is not supervised', async () => {
    const { clock, host, isFinished } = setup({ idleGraceMs: 5000 });
    host.add({ id: 'ok', restart: { name: 'on-failure' } });
    host.add({ id: 'plain' });
    await clock.advance(0);
    host.exitNow('ok', 0);
    await clock.advance(4000);
    expect(isFinished()).toBe(false);
    await clock.advance(5000);
    expect(host.starts()).toEqual([]);
    expect(isFinished()).toBe(true);
  });

  it('always keeps restarting with a doubling backoff, reset after a run of 10 s', async () => {
    const { clock, host, sup, ac, done } = setup({ pollIntervalMs: 50 });
    host.add({ id: 'a', restart: { name: 'always' } });
    await clock.advance(0);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const exitAt = clock.now();
      host.exitNow('a', 0);
      host.containers.get('a')!.finishedAt = exitAt;
      sup.notify('a'); // noticed at once
      const before = host.starts().length;
      while (host.starts().length === before) await clock.advance(1);
      delays.push(clock.now() - exitAt);
    }
    expect(delays).toEqual([100, 200, 400, 800]);

    // a run of 10 s resets the backoff to 100 ms (the count goes on)
    await clock.advance(10_000);
    const exitAt = clock.now();
    host.containers.get('a')!.finishedAt = exitAt;
    host.exitNow('a', 137);
    sup.notify('a');
    const before = host.starts().length;
    while (host.starts().length === before) await clock.advance(1);
    expect(clock.now() - exitAt).toBe(100);
    expect(host.containers.get('a')!.restartCount).toBe(5);

    // without a notice the next poll (every 50 ms) finds the exit
    const exit2 = clock.now();
    host.exitNow('a', 1);
    const before2 = host.starts().length;
    while (host.starts().length === before2) await clock.advance(1);
    const d = clock.now() - exit2;
    expect(d).toBeGreaterThanOrEqual(200);
    expect(d).toBeLessThanOrEqual(250);
    ac.abort();
    await done;
  });

  it('a user stop prevents the restart, also one already waiting for its backoff', async () => {
    const { clock, host, sup, done } = setup();
    host.add({ id: 'u', restart: { name: 'unless-stopped' } });
    host.add({ id: 'w', restart: { name: 'always' } });
    await clock.advance(0);

    const u = host.containers.get('u')!;
    u.stoppedByUser = true;
    host.exitNow('u', 137);

    host.exitNow('w', 1);
    sup.notify();
    await clock.advance(50); // w's restart is pending (due at +100)
    expect(sup.status('w')?.restartPending).toBe(true);
    host.containers.get('w')!.stoppedByUser = true;
    await clock.advance(5000);
    expect(host.starts()).toEqual([]);
    await done;
  });

  it('forgets a removed container and cancels its pending restart', async () => {
    const { clock, host, sup, done } = setup();
    host.add({ id: 'gone', restart: { name: 'always' } });
    await clock.advance(0);
    host.exitNow('gone', 1);
    sup.notify();
    await clock.advance(10);
    expect(sup.status('gone')?.restartPending).toBe(true);
    host.containers.delete('gone');
    await clock.advance(10_000);
    expect(host.starts()).toEqual([]);
    expect(sup.status('gone')).toBeUndefined();
    await done;
  });

  it('picks up containers that appear later, and a container already exited when it starts', async () => {
    const { clock, host, ac, done } = setup({ idleExit: false });
    host.add({
      id: 'old',
      state: 'exited',
      exitCode: 2,
      restart: { name: 'on-failure', maximumRetryCount: 1 },
    });
    await clock.advance(0);
    await clock.advance(100);
    expect(host.starts()).toEqual(['start old @100']);
    host.add({ id: 'new', restart: { name: 'always' } });
    await clock.advance(1000);
    host.exitNow('new', 0);
    await clock.advance(1100);
    expect(host.starts().map((s) => s.split(' @')[0])).toEqual(['start old', 'start new']);
    ac.abort();
    await done;
  });
});

describe('healthchecks', () => {
  it('probes every interval: healthy, then unhealthy after retries failures, healthy again', async () => {
    const { clock, host, ac, done } = setup();
    const results = [0, 0, 1, 1, 1, 1, 0];
    host.add({
      id: 'web',
      healthcheck: { test: ['CMD-SHELL', 'curl -f localhost'], intervalMs: 1000, retries: 3 },
      probe: (n) => ({ exitCode: results[n - 1] ?? 0, output: `probe ${n}` }),
    });
    await clock.advance(0);
    expect(host.statuses('web')).toEqual(['starting/0@0']);
    await clock.advance(999);
    expect(host.events.filter((e) => e.startsWith('probe'))).toEqual([]);
    await clock.advance(1);
    expect(host.events.filter((e) => e.startsWith('probe'))).toEqual([
      'probe web /bin/sh -c curl -f localhost @1000',
    ]);
    await clock.advance(6000);
    expect(host.statuses('web')).toEqual([
      'starting/0@0',
      'healthy/0@1000',
      'healthy/0@2000',
      'healthy/1@3000',
      'healthy/2@4000',
      'unhealthy/3@5000',
      'unhealthy/4@6000',
      'healthy/0@7000',
    ]);
    const h = host.containers.get('web')!.health!;
    expect(h.log.map((e) => e.output)).toEqual(['probe 3', 'probe 4', 'probe 5', 'probe 6', 'probe 7']);
    ac.abort();
    await done;
  });

  it('uses start_interval during the start period and ignores failures there', async () => {
    const { clock, host, ac, done } = setup();
    host.add({
      id: 'db',
      healthcheck: {
        test: ['CMD', 'pg_isready'],
        intervalMs: 10_000,
        startPeriodMs: 3000,
        startIntervalMs: 500,
        retries: 1,
      },
      probe: (n) => ({ exitCode: n < 8 ? 1 : 0, output: '' }),
    });
    await clock.advance(0);
    await clock.advance(3000);
    // probes at 500..3000 every 500 ms, failures ignored while starting inside the period
    expect(host.statuses('db')).toEqual([
      'starting/0@0',
      'starting/0@500',
      'starting/0@1000',
      'starting/0@1500',
      'starting/0@2000',
      'starting/0@2500',
      // the probe at 3000 began at the end of the period: it counts, and retries 1 makes it unhealthy
      'unhealthy/1@3000',
    ]);
    // from then on every interval
    await clock.advance(10_000);
    expect(host.statuses('db').slice(-1)).toEqual(['unhealthy/2@13000']);
    ac.abort();
    await done;
  });

  it('a probe that outlives its timeout is a failure and is aborted', async () => {
    const { clock, host, ac, done } = setup();
    host.add({
      id: 'slow',
      healthcheck: { test: ['CMD', 'sleep', '60'], intervalMs: 1000, timeoutMs: 2000, retries: 2 },
      probe: () => 'hang',
    });
    await clock.advance(0);
    await clock.advance(1000 + 2000);
    expect(host.execSignals[0]!.aborted).toBe(true);
    const h1 = host.containers.get('slow')!.health!;
    expect(h1.log[0]).toMatchObject({ exitCode: -1, output: 'Health check exceeded timeout (2s)' });
    expect(h1).toMatchObject({ status: 'starting', failingStreak: 1 });
    await clock.advance(1000 + 2000);
    expect(host.containers.get('slow')!.health).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
    ac.abort();
    await done;
  });

  it('an exec error counts as a failure', async () => {
    const { clock, host, ac, done } = setup();
    host.add({
      id: 'e',
      healthcheck: { test: ['CMD', 'x'], intervalMs: 1000, retries: 1 },
      probe: () => new Error('container not running'),
    });
    await clock.advance(1000);
    expect(host.containers.get('e')!.health).toMatchObject({
      status: 'unhealthy',
      log: [expect.objectContaining({ exitCode: -1, output: 'container not running' })],
    });
    ac.abort();
    await done;
  });

  it('stops probing when the container exits and starts over as starting after a restart', async () => {
    const { clock, host, sup, ac, done } = setup();
    host.add({
      id: 'r',
      restart: { name: 'always' },
      healthcheck: { test: ['CMD', 'true'], intervalMs: 1000 },
    });
    await clock.advance(2000);
    expect(host.containers.get('r')!.health?.status).toBe('healthy');
    host.exitNow('r', 1);
    sup.notify('r'); // noticed at 2000; restart at 2100
    await clock.advance(0);
    const probesBefore = host.events.filter((e) => e.startsWith('probe')).length;
    expect(probesBefore).toBe(2);
    await clock.advance(100);
    expect(host.starts()).toEqual(['start r @2100']);
    await clock.advance(999);
    expect(host.events.filter((e) => e.startsWith('probe')).length).toBe(probesBefore);
    // the pass after the restart saved `starting` (log kept) and the next probe makes it healthy
    const after = host.healthSaved.filter((h) => h.at - T0 >= 2100);
    expect(after[0]!.state.status).toBe('starting');
    expect(after[0]!.state.log.length).toBe(2);
    await clock.advance(1000);
    expect(host.containers.get('r')!.health?.status).toBe('healthy');
    ac.abort();
    await done;
  });

  it('does not probe a paused container, and NONE disables the check', async () => {
    const { clock, host, ac, done } = setup();
    host.add({ id: 'p', state: 'paused', healthcheck: { test: ['CMD', 'true'], intervalMs: 1000 } });
    host.add({ id: 'n', healthcheck: { test: ['NONE'] } });
    await clock.advance(5000);
    expect(host.events.filter((e) => e.startsWith('probe'))).toEqual([]);
    host.containers.get('p')!.state = 'running';
    await clock.advance(2000);
    expect(host.events.filter((e) => e.startsWith('probe p')).length).toBeGreaterThan(0);
    expect(host.healthSaved.some((h) => h.id === 'n')).toBe(false);
    ac.abort();
    await done;
  });

  it('continues from the health the host saved for the current run, resets one of an earlier run', async () => {
    const clock0 = new ManualClock(T0 + 60_000);
    const entry = (at: number) => ({
      start: new Date(at).toISOString(),
      end: new Date(at).toISOString(),
      exitCode: 0,
      output: '',
    });
    const host = new FakeHost(clock0);
    const current: HealthState = { status: 'healthy', failingStreak: 0, log: [entry(T0 + 30_000)] };
    const stale: HealthState = { status: 'healthy', failingStreak: 0, log: [entry(T0 - 30_000)] };
    host.add({
      id: 'k',
      startedAt: T0,
      healthcheck: { test: ['CMD', 'true'], intervalMs: 1000 },
      health: current,
    });
    host.add({
      id: 's',
      startedAt: T0,
      healthcheck: { test: ['CMD', 'true'], intervalMs: 1000 },
      health: stale,
    });
    const sup = new Supervisor({ host, clock: clock0, idleExit: false });
    const ac = new AbortController();
    const done = sup.run(ac.signal);
    await clock0.advance(0);
    expect(host.containers.get('k')!.health).toEqual(current);
    expect(host.containers.get('s')!.health).toEqual({
      status: 'starting',
      failingStreak: 0,
      log: stale.log,
    });
    ac.abort();
    await done;
  });
});

describe('run', () => {
  it('returns on abort with nothing left scheduled', async () => {
    const { clock, host, ac, done, isFinished } = setup({ idleExit: false });
    host.add({
      id: 'x',
      restart: { name: 'always' },
      healthcheck: { test: ['CMD', 'true'], intervalMs: 1000 },
    });
    await clock.advance(1500);
    expect(isFinished()).toBe(false);
    ac.abort();
    await done;
    expect(clock.pending).toBe(0);
  });

  it('keeps going while a host call fails', async () => {
    const { clock, host, ac, done, logs } = setup({ idleExit: false });
    const orig = host.list.bind(host);
    let fail = true;
    host.list = async () => {
      if (fail) throw new Error('state dir unreadable');
      return orig();
    };
    host.add({ id: 'f', restart: { name: 'always' } });
    await clock.advance(2000);
    expect(logs.some((l) => l.includes('state dir unreadable'))).toBe(true);
    fail = false;
    host.exitNow('f', 1);
    await clock.advance(1200);
    expect(host.starts()).toHaveLength(1);
    ac.abort();
    await done;
  });
});
