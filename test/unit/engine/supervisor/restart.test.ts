import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/api/errors.js';
import {
  newRestartTracker,
  parseRestartPolicy,
  type RestartTracker,
  restartsAtAll,
  shouldRestart,
} from '../../../../src/engine/supervisor/restart.js';
import type { RestartPolicy } from '../../../../src/runtime/runtime.js';

const quick = { stoppedByUser: false, ranForMs: 50 };

/** Applies exits in a row; returns the delays of the restarts (undefined = no restart). */
function run(policy: RestartPolicy | undefined, exits: Array<Partial<typeof quick> & { exitCode: number }>) {
  let tracker: RestartTracker = newRestartTracker();
  const out: Array<number | undefined> = [];
  for (const e of exits) {
    const d = shouldRestart(policy, tracker, { ...quick, ...e });
    tracker = d.tracker;
    out.push(d.restart ? d.delayMs : undefined);
  }
  return { delays: out, tracker };
}

describe('parseRestartPolicy', () => {
  it.each([
    ['no', { name: 'no' }],
    ['', { name: 'no' }],
    ['always', { name: 'always' }],
    ['unless-stopped', { name: 'unless-stopped' }],
    ['on-failure', { name: 'on-failure' }],
    ['on-failure:3', { name: 'on-failure', maximumRetryCount: 3 }],
  ])('%s', (text, policy) => {
    expect(parseRestartPolicy(text)).toEqual(policy);
  });

  it.each(['sometimes', 'always:3', 'on-failure:x', 'on-failure:1:2', 'no:1'])('refuses %s', (text) => {
    expect(() => parseRestartPolicy(text)).toThrow(RuntimeError);
  });
});

describe('shouldRestart', () => {
  it('no (or none) never restarts', () => {
    expect(run(undefined, [{ exitCode: 1 }]).delays).toEqual([undefined]);
    expect(run({ name: 'no' }, [{ exitCode: 1 }, { exitCode: 0 }]).delays).toEqual([undefined, undefined]);
    expect(restartsAtAll({ name: 'no' })).toBe(false);
    expect(restartsAtAll({ name: 'on-failure' })).toBe(true);
  });

  it('always restarts after any exit, with a doubling backoff capped at a minute', () => {
    const exits = Array.from({ length: 12 }, (_, i) => ({ exitCode: i % 2 }));
    const { delays, tracker } = run({ name: 'always' }, exits);
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000, 60_000]);
    expect(tracker.count).toBe(12);
  });

  it('unless-stopped restarts like always', () => {
    expect(run({ name: 'unless-stopped' }, [{ exitCode: 0 }, { exitCode: 137 }]).delays).toEqual([100, 200]);
  });

  it('a stop by the user prevents the restart, whatever the policy', () => {
    for (const name of ['always', 'unless-stopped', 'on-failure'] as const) {
      const r = run({ name }, [{ exitCode: 137, stoppedByUser: true }]);
      expect(r.delays).toEqual([undefined]);
      expect(r.tracker.count).toBe(0);
    }
  });

  it('on-failure skips exit 0 and stops after the maximum count', () => {
    expect(run({ name: 'on-failure' }, [{ exitCode: 0 }]).delays).toEqual([undefined]);
    const r = run({ name: 'on-failure', maximumRetryCount: 2 }, [
      { exitCode: 1 },
      { exitCode: 3 },
      { exitCode: 1 },
    ]);
    expect(r.delays).toEqual([100, 200, undefined]);
    expect(r.tracker.count).toBe(2);
    // no maximum: keeps going
    expect(run({ name: 'on-failure', maximumRetryCount: 0 }, Array(5).fill({ exitCode: 2 })).delays).toEqual([
      100, 200, 400, 800, 1600,
    ]);
  });

  it('continues from a persisted restart count', () => {
    const d = shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, newRestartTracker(2), {
      ...quick,
      exitCode: 1,
    });
    expect(d.restart).toBe(false);
  });

  it('a run of 10 s or more resets the backoff, not the count', () => {
    const { delays, tracker } = run({ name: 'always' }, [
      { exitCode: 1 },
      { exitCode: 1 },
      { exitCode: 1 },
      { exitCode: 1, ranForMs: 10_000 },
      { exitCode: 1, ranForMs: 9_999 },
    ]);
    expect(delays).toEqual([100, 200, 400, 100, 200]);
    expect(tracker.count).toBe(5);
  });
});
