import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../../src/api/verbs.js';
import { attachedServices } from '../../../src/cli/commands/up.js';
import { colorEnabled, serviceColors } from '../../../src/cli/render/color.js';
import { displayName, LogPrinter } from '../../../src/cli/render/logs.js';
import {
  displayablePorts,
  ellipsis,
  goTimeString,
  humanDuration,
  psJsonLines,
  psTable,
} from '../../../src/cli/render/ps-format.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function summary(over: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    ID: 'b8e499dd59bd3e35e8140d7ddfa42f9d9e2689022b8c305548f21cb908b254ba',
    Name: 'demo-web-1',
    Image: 'berth-test/busybox:1',
    Command: 'httpd -f -p 80 -h /www',
    Project: 'demo',
    Service: 'web',
    Created: NOW / 1000 - 5,
    State: 'running',
    Status: 'Up 5 seconds (healthy)',
    Health: 'healthy',
    ExitCode: 0,
    Publishers: [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }],
    Labels: 'com.docker.compose.project=demo,com.docker.compose.service=web',
    Networks: 'demo_default',
    Number: 1,
    ...over,
  };
}

describe('go-units HumanDuration', () => {
  it.each([
    [500, 'Less than a second'],
    [1_000, '1 second'],
    [5_400, '5 seconds'],
    [60_000, 'About a minute'],
    [59 * 60_000, '59 minutes'],
    [3_600_000, 'About an hour'],
    [47 * 3_600_000, '47 hours'],
    [3 * 86_400_000, '3 days'],
    [20 * 86_400_000, '2 weeks'],
    [90 * 86_400_000, '3 months'],
    [800 * 86_400_000, '2 years'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('docker CLI DisplayablePorts', () => {
  const pub = (URL: string, PublishedPort: number, TargetPort: number, Protocol = 'tcp') => ({
    URL,
    PublishedPort,
    TargetPort,
    Protocol,
  });
  it('prints host mappings, ranges and unpublished ports as the docker CLI does', () => {
    expect(displayablePorts([pub('127.0.0.1', 8080, 80)])).toBe('127.0.0.1:8080->80/tcp');
    expect(displayablePorts([pub('0.0.0.0', 8080, 80), pub('::', 8080, 80)])).toBe(
      '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp',
    );
    expect(displayablePorts([pub('0.0.0.0', 8001, 8001), pub('0.0.0.0', 8000, 8000)])).toBe(
      '0.0.0.0:8000-8001->8000-8001/tcp',
    );
    expect(displayablePorts([pub('', 0, 53, 'udp'), pub('', 0, 80)])).toBe('53/udp, 80/tcp');
    expect(displayablePorts([])).toBe('');
  });
});

describe('ps table', () => {
  it('has compose columns, a quoted ellipsized COMMAND and a relative CREATED', () => {
    const out = psTable(
      [summary(), summary({ Name: 'demo-worker-1', Service: 'worker', Publishers: [], Command: 'sleep 1' })],
      {
        now: NOW,
      },
    );
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^NAME {12}IMAGE {18}COMMAND {18}SERVICE {3}CREATED {9}STATUS {19}PORTS$/);
    expect(lines[1]).toContain('"httpd -f -p 80 -h /…"');
    expect(lines[1]).toContain('5 seconds ago');
    expect(lines[1].endsWith('127.0.0.1:8080->80/tcp')).toBe(true);
    expect(lines[2]).toContain('"sleep 1"');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('--no-trunc keeps the whole command', () => {
    expect(psTable([summary()], { now: NOW, noTrunc: true })).toContain('"httpd -f -p 80 -h /www"');
    expect(ellipsis('abcdef', 4)).toBe('abc…');
  });
});

describe('ps --format json', () => {
  it('prints JSON Lines with compose keys, sorted, and a 12-character ID', () => {
    const out = psJsonLines([summary(), summary({ Name: 'demo-web-2' })], { now: NOW });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const o = JSON.parse(lines[0]!);
    expect(Object.keys(o)).toEqual([...Object.keys(o)].sort());
    expect(o).toMatchObject({
      ID: 'b8e499dd59bd',
      Name: 'demo-web-1',
      Names: 'demo-web-1',
      Command: '"httpd -f -p 80 -h /…"',
      Project: 'demo',
      Service: 'web',
      State: 'running',
      Health: 'healthy',
      ExitCode: 0,
      RunningFor: '5 seconds ago',
      CreatedAt: '2026-11-23 11:59:55 +0000 UTC',
      Ports: '127.0.0.1:8080->80/tcp',
      Publishers: [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }],
    });
    expect(JSON.parse(psJsonLines([summary()], { noTrunc: true }).trim()).ID).toHaveLength(64);
    expect(goTimeString(0)).toBe('1970-01-01 00:00:00 +0000 UTC');
  });
});

describe('attached logs', () => {
  it('prefixes lines with the padded name and a bar, like compose', () => {
    let out = '';
    const p = new LogPrinter((s) => (out += s), {
      names: ['web-1', 'worker-1'],
      prefix: true,
      timestamps: false,
      colorOf: () => (s) => s,
    });
    p.line('web-1', 'hello');
    p.line('worker-1', 'working');
    p.status('web-1', 'exited with code 0');
    expect(out).toBe('web-1     | hello\nworker-1  | working\nweb-1 exited with code 0\n');
  });

  it('--timestamps and --no-log-prefix', () => {
    let out = '';
    const p = new LogPrinter((s) => (out += s), {
      names: ['a-1'],
      prefix: false,
      timestamps: true,
      colorOf: () => (s) => s,
    });
    p.line('a-1', 'x', '2026-11-23T12:00:00.000000000Z');
    expect(out).toBe('2026-11-23T12:00:00.000000000Z x\n');
  });

  it('strips the project from the name, not a container_name', () => {
    expect(displayName('demo-web-1', 'demo', 'web')).toBe('web-1');
    expect(displayName('my-proxy', 'demo', 'proxy')).toBe('my-proxy');
  });

  it('colours per service, stably, and not when NO_COLOR or --no-color', () => {
    const colors = serviceColors(['worker', 'web'], true);
    expect(colors('web')('x')).toBe(colors('web')('x'));
    expect(colors('web')('x')).not.toBe(colors('worker')('x'));
    expect(serviceColors(['web'], false)('web')('x')).toBe('x');
    expect(colorEnabled({ env: { NO_COLOR: '1' }, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: {}, isTTY: true, noColor: true })).toBe(false);
    expect(colorEnabled({ env: {}, isTTY: true })).toBe(true);
    expect(colorEnabled({ env: {}, isTTY: false })).toBe(false);
    expect(colorEnabled({ env: {}, isTTY: false, ansi: 'always' })).toBe(true);
  });

  it('attaches to --attach, else the named or all services, minus --no-attach, plus --exit-code-from', () => {
    const project = { services: { a: {}, b: {}, c: {} } } as any;
    expect([...attachedServices(project, [], {})].sort()).toEqual(['a', 'b', 'c']);
    expect([...attachedServices(project, ['a'], {})]).toEqual(['a']);
    expect([...attachedServices(project, [], { attach: ['b'], exitCodeFrom: 'c' })].sort()).toEqual([
      'b',
      'c',
    ]);
    expect([...attachedServices(project, [], { noAttach: ['a'] })].sort()).toEqual(['b', 'c']);
  });
});
