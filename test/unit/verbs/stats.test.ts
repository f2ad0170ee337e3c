/**
 * `stats`: the docker CLI's arithmetic (CPU % from the precpu/cpu deltas, memory without the inactive
 * page cache, network and block I/O sums) and its printing (go-units sizes through Go's %g, the table,
 * JSON lines), checked against values `docker stats` prints.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatsEntry } from '../../../src/api/inspect.js';
import {
  bytesSize,
  formatG,
  formatStatsJson,
  formatStatsTable,
  humanSize,
  streamFrame,
} from '../../../src/cli/commands/stats.js';
import { containerStats } from '../../../src/runtime/docker/docker-runtime.js';
import type { ContainerInfo } from '../../../src/runtime/runtime.js';
import {
  blockIo,
  cpuPercent,
  memoryPercent,
  memoryUsage,
  networkIo,
  statsEntry,
} from '../../../src/verbs/stats.js';

describe('cpuPercent', () => {
  it('is the container delta over the system delta, times the online CPUs, in percent', () => {
    // 50 ms of CPU in 2 s of host time (2 CPUs × 1 s): 2.5 % of the host, 5 % of one CPU.
    const pre = { totalUsage: 1_000_000_000, systemUsage: 10_000_000_000_000, onlineCpus: 2 };
    const cur = { totalUsage: 1_050_000_000, systemUsage: 10_002_000_000_000, onlineCpus: 2 };
    expect(cpuPercent(pre, cur)).toBeCloseTo(5, 10);
  });

  it('uses the number of per-CPU counters when online_cpus is missing (old kernels)', () => {
    const pre = { totalUsage: 0, systemUsage: 0 };
    const cur = { totalUsage: 100, systemUsage: 400, perCpuCount: 4 };
    expect(cpuPercent(pre, cur)).toBe(100);
  });

  it('is 0 without a positive CPU delta or system delta (first sample, idle, stopped)', () => {
    expect(
      cpuPercent({ totalUsage: 5, systemUsage: 10 }, { totalUsage: 5, systemUsage: 20, onlineCpus: 2 }),
    ).toBe(0);
    expect(cpuPercent({ totalUsage: 0 }, { totalUsage: 50, onlineCpus: 2 })).toBe(0);
    expect(cpuPercent({ totalUsage: 0, systemUsage: 0 }, { totalUsage: 0, systemUsage: 0 })).toBe(0);
  });

  it('computes the value docker printed for a real sample (0.14%)', () => {
    const s = containerStats(
      {
        name: '/web-1',
        cpu_stats: {
          cpu_usage: { total_usage: 50106237 + 2813980 },
          system_cpu_usage: 19061550000000 + 4020000000,
          online_cpus: 2,
        },
        precpu_stats: {
          cpu_usage: { total_usage: 50106237 },
          system_cpu_usage: 19061550000000,
          online_cpus: 2,
        },
      },
      'abc',
    );
    expect(`${cpuPercent(s.precpu, s.cpu).toFixed(2)}%`).toBe('0.14%');
  });
});

describe('memory', () => {
  it('subtracts total_inactive_file on cgroup v1, inactive_file on cgroup v2', () => {
    expect(memoryUsage({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } })).toBe(700);
    expect(memoryUsage({ usage: 1000, stats: { inactive_file: 100 } })).toBe(900);
  });

  it('keeps the usage when the cache counter is not below it, or missing', () => {
    expect(memoryUsage({ usage: 1000, stats: { total_inactive_file: 1000, inactive_file: 2000 } })).toBe(
      1000,
    );
    expect(memoryUsage({ usage: 1000 })).toBe(1000);
    expect(memoryUsage({})).toBe(0);
  });

  it('is a percentage of the limit, 0 without a limit', () => {
    expect(memoryPercent(2048, 512)).toBe(25);
    expect(memoryPercent(0, 512)).toBe(0);
  });
});

describe('I/O sums', () => {
  it('adds every interface', () => {
    expect(networkIo({ eth0: { rxBytes: 10, txBytes: 1 }, eth1: { rxBytes: 5, txBytes: 2 } })).toEqual({
      rx: 15,
      tx: 3,
    });
    expect(networkIo({})).toEqual({ rx: 0, tx: 0 });
  });

  it('adds read and write entries by their first letter, in either case', () => {
    expect(
      blockIo([
        { op: 'Read', value: 100 },
        { op: 'read', value: 1 },
        { op: 'Write', value: 20 },
        { op: 'Sync', value: 999 },
        { op: 'Total', value: 999 },
        { op: '', value: 5 },
      ]),
    ).toEqual({ read: 101, write: 20 });
  });
});

describe('containerStats (Engine API answer)', () => {
  it('reads the counters, and null block I/O lists (cgroup v2) as empty', () => {
    const s = containerStats(
      {
        id: 'full-id',
        name: '/p-web-1',
        cpu_stats: { cpu_usage: { total_usage: 10, percpu_usage: [4, 6] }, system_cpu_usage: 100 },
        precpu_stats: { cpu_usage: { total_usage: 5 } },
        memory_stats: { usage: 4096, limit: 8192, stats: { inactive_file: 1024 } },
        networks: { eth0: { rx_bytes: 7, tx_bytes: 8 } },
        blkio_stats: { io_service_bytes_recursive: null },
        pids_stats: { current: 3 },
      },
      'asked-id',
    );
    expect(s).toMatchObject({
      id: 'full-id',
      name: 'p-web-1',
      cpu: { totalUsage: 10, systemUsage: 100, perCpuCount: 2 },
      precpu: { totalUsage: 5, systemUsage: undefined },
      memory: { usage: 4096, limit: 8192, stats: { inactive_file: 1024 } },
      networks: { eth0: { rxBytes: 7, txBytes: 8 } },
      blockIo: [],
      pids: 3,
    });
  });
});

describe('statsEntry', () => {
  it('combines a sample with its container', () => {
    const container = {
      id: 'c'.repeat(64),
      name: 'p-web-1',
      labels: { 'com.docker.compose.service': 'web' },
    } as unknown as ContainerInfo;
    const e = statsEntry(container, {
      id: container.id,
      name: 'p-web-1',
      cpu: { totalUsage: 200, systemUsage: 2000, onlineCpus: 1 },
      precpu: { totalUsage: 100, systemUsage: 1000, onlineCpus: 1 },
      memory: { usage: 2048, limit: 4096, stats: { total_inactive_file: 1024 } },
      networks: { eth0: { rxBytes: 1, txBytes: 2 } },
      blockIo: [{ op: 'Read', value: 3 }],
      pids: 4,
    });
    expect(e).toEqual({
      ID: container.id,
      Name: 'p-web-1',
      Service: 'web',
      CPUPercentage: 10,
      Memory: 1024,
      MemoryLimit: 4096,
      MemoryPercentage: 25,
      NetworkRx: 1,
      NetworkTx: 2,
      BlockRead: 3,
      BlockWrite: 0,
      Pids: 4,
    });
  });
});

describe("Go's %g and go-units sizes", () => {
  it.each([
    [0, 4, '0'],
    [460, 4, '460'],
    [1.5, 4, '1.5'],
    [23.5365, 4, '23.54'],
    [1.171875, 3, '1.17'],
    [999.95, 3, '1e+03'],
    [1000, 3, '1e+03'],
    [123456, 4, '1.235e+05'],
    [0.00001234, 3, '1.23e-05'],
    [0.0001234, 3, '0.000123'],
    [100, 3, '100'],
    [10, 3, '10'],
  ])('%%.%ig of %d', (value, precision, expected) => {
    expect(formatG(value, precision)).toBe(expected);
  });

  it('prints binary sizes with 4 significant digits (BytesSize)', () => {
    expect(bytesSize(0)).toBe('0B');
    expect(bytesSize(471040)).toBe('460KiB');
    expect(bytesSize(25_275_842_560)).toBe('23.54GiB');
    expect(bytesSize(1023)).toBe('1023B');
    expect(bytesSize(1024)).toBe('1KiB');
  });

  it('prints decimal sizes with 3 significant digits (HumanSizeWithPrecision)', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(1000)).toBe('1kB');
    expect(humanSize(1172)).toBe('1.17kB');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(999_950)).toBe('1e+03kB');
    expect(humanSize(12_345_678)).toBe('12.3MB');
  });
});

const entry = (over: Partial<ContainerStatsEntry> = {}): ContainerStatsEntry => ({
  ID: '874488e2baca397a0100186531c3d97e9784260372cd38386b5c238623e42e80',
  Name: 'berth-smoke-x1-worker-1',
  Service: 'worker',
  CPUPercentage: 0,
  Memory: 462848,
  MemoryLimit: 25_275_842_560,
  MemoryPercentage: 0.0018,
  NetworkRx: 1172,
  NetworkTx: 0,
  BlockRead: 0,
  BlockWrite: 0,
  Pids: 2,
  ...over,
});

describe('printing', () => {
  it("prints docker stats' table (tabwriter: min width 10, padding 3; ids cut to 12)", () => {
    const table = formatStatsTable(
      [
        entry(),
        entry({
          ID: `92e32a9b8fac${'0'.repeat(52)}`,
          Name: 'berth-smoke-x1-web-1',
          CPUPercentage: 0.1449,
          Memory: 757760,
          NetworkRx: 1000,
        }),
      ],
      false,
    );
    expect(table).toBe(
      [
        'CONTAINER ID   NAME                      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O   PIDS',
        '874488e2baca   berth-smoke-x1-worker-1   0.00%     452KiB / 23.54GiB   0.00%     1.17kB / 0B   0B / 0B     2',
        '92e32a9b8fac   berth-smoke-x1-web-1      0.14%     740KiB / 23.54GiB   0.00%     1kB / 0B      0B / 0B     2',
        '',
      ].join('\n'),
    );
  });

  it('keeps full ids with --no-trunc', () => {
    expect(formatStatsTable([entry()], true)).toContain(entry().ID);
  });

  it('prints JSON lines with the keys in Go map order and the table strings', () => {
    const lines = formatStatsJson([entry(), entry({ Name: 'other' })], false).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]).toBe(
      '{"BlockIO":"0B / 0B","CPUPerc":"0.00%","Container":"874488e2baca397a0100186531c3d97e9784260372cd38386b5c238623e42e80","ID":"874488e2baca","MemPerc":"0.00%","MemUsage":"452KiB / 23.54GiB","Name":"berth-smoke-x1-worker-1","NetIO":"1.17kB / 0B","PIDs":"2"}',
    );
    expect(JSON.parse(lines[1]!).Name).toBe('other');
  });

  it('redraws a streaming frame from the top, clearing each line and the rest of the screen', () => {
    expect(streamFrame('A\nB\n')).toBe('\x1b[HA\x1b[K\nB\x1b[K\n\x1b[K\x1b[J');
  });
});
