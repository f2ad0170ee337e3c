import { describe, expect, it } from 'vitest';
import { type BerthEvent, resourceEvent, warningEvent } from '../../../src/api/events.js';
import {
  createProgress,
  formatJsonEvent,
  formatPlainEvent,
  formatWarning,
  resolveProgressMode,
} from '../../../src/cli/render/progress.js';

const at = (e: BerthEvent): BerthEvent => ({ ...e, time: '2026-11-23T10:00:00.000Z' });

describe('plain progress', () => {
  it('prints compose plain lines: ` <Kind> <name>  <status> <details>`', () => {
    expect(formatPlainEvent(resourceEvent('container', 'demo-web-1', 'Started', 'done'))).toBe(
      ' Container demo-web-1  Started\n',
    );
    expect(formatPlainEvent(resourceEvent('network', 'demo_default', 'Creating', 'working'))).toBe(
      ' Network demo_default  Creating\n',
    );
    expect(
      formatPlainEvent(
        resourceEvent('container', 'demo-web-1', 'Recreate', 'working', 'config hash changed'),
      ),
    ).toBe(' Container demo-web-1  Recreate config hash changed\n');
    expect(formatPlainEvent(resourceEvent('volume', 'demo_data', 'Removed', 'done'))).toBe(
      ' Volume demo_data  Removed\n',
    );
  });

  it('shows a failure as Error with its message', () => {
    expect(
      formatPlainEvent(
        resourceEvent('container', 'demo-web-1', 'Starting', 'error', 'port is already allocated'),
      ),
    ).toBe(' Container demo-web-1  Error port is already allocated\n');
  });

  it('prefixes DRY-RUN MODE under --dry-run', () => {
    expect(
      formatPlainEvent(resourceEvent('container', 'demo-web-1', 'Created', 'done'), { dryRun: true }),
    ).toBe(' DRY-RUN MODE - Container demo-web-1  Created\n');
  });

  it('prints warnings as logrus does: WARN[seconds]', () => {
    expect(formatPlainEvent(warningEvent('Found orphan containers'), { elapsedSeconds: 3.7 })).toBe(
      'WARN[0003] Found orphan containers\n',
    );
    expect(formatWarning('x', 12345)).toBe('WARN[12345] x\n');
  });

  it('writes one line per event through createProgress', async () => {
    let out = '';
    const p = await createProgress('plain', { write: (s) => (out += s) }, { color: false });
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Starting', 'working'));
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Started', 'done'));
    p.done();
    expect(out).toBe(' Container demo-web-1  Starting\n Container demo-web-1  Started\n');
  });
});

describe('json progress', () => {
  it('prints compose --progress json objects, one per line', () => {
    const line = formatJsonEvent(at(resourceEvent('container', 'demo-web-1', 'Started', 'done')));
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ id: 'Container demo-web-1', status: 'Done', text: 'Started' });
    expect(
      JSON.parse(
        formatJsonEvent(
          resourceEvent('container', 'demo-web-1', 'Recreate', 'working', 'config hash changed'),
        ),
      ),
    ).toEqual({
      id: 'Container demo-web-1',
      status: 'Working',
      text: 'Recreate',
      details: 'config hash changed',
    });
    expect(
      JSON.parse(formatJsonEvent(resourceEvent('network', 'demo_default', 'Removing', 'warning', 'in use'))),
    ).toEqual({ id: 'Network demo_default', status: 'Warning', text: 'Removing', details: 'in use' });
    expect(
      JSON.parse(formatJsonEvent(resourceEvent('container', 'demo-web-1', 'Starting', 'error', 'boom'))),
    ).toEqual({ id: 'Container demo-web-1', status: 'Error', text: 'Error', details: 'boom' });
  });

  it('marks dry-run and prints warnings in logrus JSON form', () => {
    expect(
      JSON.parse(formatJsonEvent(resourceEvent('volume', 'demo_data', 'Created', 'done'), { dryRun: true })),
    ).toEqual({ 'dry-run': true, id: 'Volume demo_data', status: 'Done', text: 'Created' });
    expect(JSON.parse(formatJsonEvent(at(warningEvent('careful'))))).toEqual({
      level: 'warning',
      msg: 'careful',
      time: '2026-11-23T10:00:00.000Z',
    });
  });

  it('quiet prints nothing', async () => {
    let out = '';
    const p = await createProgress('quiet', { write: (s) => (out += s) }, { color: false });
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Started', 'done'));
    p.onEvent(warningEvent('x'));
    p.done();
    expect(out).toBe('');
  });
});

describe('progress mode', () => {
  it('auto is tty on a terminal outside CI, plain otherwise', () => {
    expect(resolveProgressMode(undefined, { env: {}, isTTY: true })).toBe('tty');
    expect(resolveProgressMode('auto', { env: {}, isTTY: false })).toBe('plain');
    expect(resolveProgressMode(undefined, { env: { CI: 'true' }, isTTY: true })).toBe('plain');
    expect(resolveProgressMode(undefined, { env: {}, isTTY: true, ansi: 'never' })).toBe('plain');
  });

  it('explicit modes win, COMPOSE_PROGRESS is the default, none means quiet', () => {
    expect(resolveProgressMode('json', { env: { COMPOSE_PROGRESS: 'plain' }, isTTY: true })).toBe('json');
    expect(resolveProgressMode(undefined, { env: { COMPOSE_PROGRESS: 'quiet' }, isTTY: true })).toBe('quiet');
    expect(resolveProgressMode(undefined, { env: { COMPOSE_PROGRESS: 'none' }, isTTY: true })).toBe('quiet');
  });
});

describe('tty progress (smoke, fake terminal)', () => {
  it('draws a header and one row per resource, redrawn in place, with ✔ and times when done', async () => {
    let out = '';
    let now = 1_000;
    const stream = { write: (s: string) => void (out += s), isTTY: true, columns: 80 };
    const p = await createProgress('tty', stream, { color: false, now: () => now });
    p.onEvent(resourceEvent('network', 'demo_default', 'Creating', 'working'));
    now += 200;
    p.onEvent(resourceEvent('network', 'demo_default', 'Created', 'done'));
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Creating', 'working'));
    now += 1_300;
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Starting', 'error', 'port is already allocated'));
    p.onEvent(warningEvent('something odd'));
    p.done();

    // The last frame: what the terminal shows at the end.
    const frames = out.split('\x1b[2K');
    const last = frames.slice(-3).join('');
    expect(last).toContain('[+] Running 2/2\n');
    expect(last).toMatch(/ ✔ Network demo_default {2}Created +0\.2s\n/);
    expect(last).toMatch(/ ✘ Container demo-web-1 {2}Error port is already allocated +1\.3s\n/);
    // Redraws move the cursor up over the previous frame.
    expect(out).toContain('\x1b[2A');
    expect(out).toContain('WARN[0001] something odd\n');
    // Each row fits the terminal width.
    for (const line of last.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    // No colours when colour is off.
    expect(out).not.toMatch(/\x1b\[3\dm/);
  });

  it('shows a spinner while working and nothing after done() is called', async () => {
    let out = '';
    const p = await createProgress('tty', { write: (s) => void (out += s), isTTY: true }, { color: true });
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Starting', 'working'));
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    p.done();
    const length = out.length;
    p.onEvent(resourceEvent('container', 'demo-web-1', 'Started', 'done'));
    expect(out.length).toBe(length);
  });
});
