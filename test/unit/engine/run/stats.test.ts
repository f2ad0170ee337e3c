import { describe, expect, it } from 'vitest';
import {
  parseBlkio,
  parseIoStat,
  parseKeyValues,
  parseNetDev,
  parseProcStat,
  toContainerStats,
} from '../../../../src/engine/run/stats.js';

describe('stats parsers', () => {
  it('memory.stat / cpu.stat key values', () => {
    expect(parseKeyValues('cache 4096\nrss 8192\ntotal_inactive_file 12\nbogus\n')).toEqual({
      cache: 4096,
      rss: 8192,
      total_inactive_file: 12,
    });
  });
  it('/proc/stat host CPU time in ns (user..softirq as docker sums them, USER_HZ 100)', () => {
    expect(parseProcStat('cpu  100 0 50 800 10 0 20 20 0 0\ncpu0 1 2 3\n')).toBe(980 * 1e7);
    expect(parseProcStat('nothing\n')).toBeUndefined();
  });
  it('net/dev without lo', () => {
    const text =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n' +
      '  eth0:    1500      10    0    0    0     0          0         0      700       5    0    0    0     0       0          0\n';
    expect(parseNetDev(text)).toEqual({ eth0: { rxBytes: 1500, txBytes: 700 } });
  });
  it('blkio v1 and io.stat v2', () => {
    expect(parseBlkio('8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n')).toEqual([
      { op: 'Read', value: 4096 },
      { op: 'Write', value: 512 },
      { op: 'Total', value: 4608 },
    ]);
    expect(parseIoStat('8:0 rbytes=10 wbytes=20 rios=1 wios=2\n')).toEqual([
      { op: 'read', value: 10 },
      { op: 'write', value: 20 },
    ]);
  });
  it('toContainerStats: precpu zero without a previous reading', () => {
    const r = { read: 't', cpu: { totalUsage: 5 }, memory: {}, networks: {}, blockIo: [] };
    expect(toContainerStats({ id: 'i', name: 'n', cgroupPath: '/x' }, r)).toEqual({
      id: 'i',
      name: 'n',
      read: 't',
      cpu: { totalUsage: 5 },
      precpu: { totalUsage: 0, systemUsage: 0 },
      memory: {},
      networks: {},
      blockIo: [],
    });
  });
});
