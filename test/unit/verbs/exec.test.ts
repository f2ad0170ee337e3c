/**
 * `exec`'s pure parts: which container is the target (compose's getSpecifiedContainer order), the
 * not-running error, `-e` parsing and the TTY decision of the CLI.
 */
import { describe, expect, it } from 'vitest';
import {
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../../../src/api/labels.js';
import { parseEnvFlags, wantTty } from '../../../src/cli/commands/exec.js';
import type { ContainerInfo } from '../../../src/runtime/runtime.js';
import { notRunningError, serviceContainers } from '../../../src/verbs/exec.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

function container(
  name: string,
  service: string,
  number: number | undefined,
  state: ContainerInfo['state'] = 'running',
  oneOff = false,
  project = 'demo',
): ContainerInfo {
  const labels: Record<string, string> = {
    [PROJECT_LABEL]: project,
    [SERVICE_LABEL]: service,
    [ONEOFF_LABEL]: oneOff ? 'True' : 'False',
  };
  if (number !== undefined) labels[CONTAINER_NUMBER_LABEL] = String(number);
  return {
    id: `${name}-id`,
    name,
    image: 'busybox',
    labels,
    state,
    status: state,
    created: '2026-01-01T00:00:00Z',
    ports: [],
    networks: {},
  };
}

describe('exec target selection', () => {
  const runtime = new FakeRuntime({
    containers: [
      container('demo-web-run-aaaaaaaaaaaa', 'web', undefined, 'running', true),
      container('demo-web-10', 'web', 10),
      container('demo-web-2', 'web', 2),
      container('demo-web-3', 'web', 3, 'exited'),
      container('demo-db-1', 'db', 1),
      container('other-web-1', 'web', 1, 'running', false, 'other'),
    ],
  });

  it('orders service containers by number (not by name), one-offs last, running only', async () => {
    const list = await serviceContainers(runtime, 'demo', 'web', { oneOffs: true, all: false });
    expect(list.map((c) => c.name)).toEqual(['demo-web-2', 'demo-web-10', 'demo-web-run-aaaaaaaaaaaa']);
  });

  it('includes stopped containers with all, and leaves one-offs out unless asked', async () => {
    const list = await serviceContainers(runtime, 'demo', 'web', { oneOffs: false, all: true });
    expect(list.map((c) => c.name)).toEqual(['demo-web-2', 'demo-web-3', 'demo-web-10']);
  });

  it('--index picks one replica by its container number', async () => {
    const list = await serviceContainers(runtime, 'demo', 'web', { index: 10, oneOffs: true, all: false });
    expect(list.map((c) => c.name)).toEqual(['demo-web-10']);
    const stopped = await serviceContainers(runtime, 'demo', 'web', { index: 3, oneOffs: true, all: false });
    expect(stopped).toEqual([]);
  });

  it('says what compose says when nothing runs', () => {
    expect(notRunningError('web').message).toBe('service "web" is not running');
    expect(notRunningError('web', 2).message).toBe('service "web" is not running container #2');
    expect(notRunningError('web').code).toBe('SERVICE_NOT_RUNNING');
  });
});

describe('exec -e', () => {
  it('takes KEY=VAL as given, KEY from the environment, and drops unset KEYs', () => {
    expect(parseEnvFlags(['A=1', 'B=x=y', 'C=', 'HOME', 'UNSET', 'A=2'], { HOME: '/root' })).toEqual({
      A: '2',
      B: 'x=y',
      C: '',
      HOME: '/root',
    });
  });

  it('is empty without flags', () => {
    expect(parseEnvFlags(undefined, {})).toEqual({});
  });
});

describe('TTY decision', () => {
  it.each([
    [undefined, true, true, true],
    [undefined, false, true, false],
    [undefined, true, false, false],
    [false, true, true, false],
    [true, false, false, true],
  ] as const)('flag %s, stdin tty %s, stdout tty %s → %s', (flag, stdin, stdout, expected) => {
    expect(wantTty(flag, { stdin, stdout })).toBe(expected);
  });
});
