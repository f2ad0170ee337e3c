/**
 * `docker stats` for the built-in engine: one reading of a container's counters straight from its
 * cgroup (v1 hierarchies `cpuacct`, `memory`, `pids`, `blkio` under the container's cgroupsPath; the
 * unified v2 files when there is no v1 cpuacct) plus the host's CPU time from /proc/stat and the
 * container's interfaces from /proc/<pid>/net/dev — the same sources dockerd/runc read. Parsers are
 * pure and unit-tested; `readStats` only gathers files.
 */
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ContainerStats, CpuCounters } from '../../runtime/runtime.js';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux that berth runs on. */
const CLOCK_TICKS = 100;

/** `key value` lines (memory.stat, cpu.stat) → numbers. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** Host CPU time in nanoseconds: the `cpu` line of /proc/stat (user…softirq: the 7 fields docker sums). */
export function parseProcStat(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
  if (fields.some((n) => Number.isNaN(n))) return undefined;
  return (fields.reduce((a, b) => a + b, 0) * 1e9) / CLOCK_TICKS;
}

/** /proc/<pid>/net/dev → interface → bytes, loopback left out (docker shows the container's NICs). */
export function parseNetDev(text: string): Record<string, { rxBytes: number; txBytes: number }> {
  const out: Record<string, { rxBytes: number; txBytes: number }> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo' || name === '') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = { rxBytes: f[0] ?? 0, txBytes: f[8] ?? 0 };
  }
  return out;
}

/** blkio.throttle.io_service_bytes_recursive (`8:0 Read 4096`) → entries; `Total` lines skipped. */
export function parseBlkio(text: string): Array<{ op: string; value: number }> {
  const out: Array<{ op: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3 && /^\d+:\d+$/.test(f[0]!)) out.push({ op: f[1]!, value: Number(f[2]) });
  }
  return out;
}

/** cgroup v2 io.stat (`8:0 rbytes=1 wbytes=2 …`) → docker's lowercase `read`/`write` entries. */
export function parseIoStat(text: string): Array<{ op: string; value: number }> {
  const out: Array<{ op: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const kv = Object.fromEntries(
      line
        .trim()
        .split(/\s+/)
        .slice(1)
        .map((p) => p.split('=') as [string, string]),
    );
    if (kv.rbytes !== undefined) out.push({ op: 'read', value: Number(kv.rbytes) });
    if (kv.wbytes !== undefined) out.push({ op: 'write', value: Number(kv.wbytes) });
  }
  return out;
}

async function text(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function num(path: string): Promise<number | undefined> {
  const t = await text(path);
  if (t === undefined) return undefined;
  const t2 = t.trim();
  if (t2 === 'max') return undefined;
  const n = Number(t2);
  return Number.isFinite(n) ? n : undefined;
}

export interface StatsTarget {
  id: string;
  name: string;
  /** runc's cgroupsPath (`/berth/<id>`). */
  cgroupPath: string;
  /** The container's init pid (for its network namespace's counters); undefined when not running. */
  pid?: number;
}

export interface StatsReading {
  cpu: CpuCounters;
  memory: ContainerStats['memory'];
  networks: ContainerStats['networks'];
  blockIo: ContainerStats['blockIo'];
  pids?: number;
  read: string;
}

/** One reading of the counters (see the file comment). */
export async function readStats(t: StatsTarget, cgroupRoot = '/sys/fs/cgroup'): Promise<StatsReading> {
  const v1 = (ctrl: string, file: string) => join(cgroupRoot, ctrl, t.cgroupPath, file);
  const v2 = (file: string) => join(cgroupRoot, t.cgroupPath, file);
  const read = new Date().toISOString();
  const systemUsage = parseProcStat((await text('/proc/stat')) ?? '');
  const onlineCpus = cpus().length || undefined;
  const networks = t.pid ? parseNetDev((await text(`/proc/${t.pid}/net/dev`)) ?? '') : {};
  const v1Usage = await num(v1('cpuacct', 'cpuacct.usage'));
  if (v1Usage !== undefined) {
    const percpu = ((await text(v1('cpuacct', 'cpuacct.usage_percpu'))) ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    let limit = await num(v1('memory', 'memory.limit_in_bytes'));
    // v1 reports "no limit" as a page-rounded 2^63-1; dockerd then reports the host's memory.
    if (limit === undefined || limit >= 2 ** 62) limit = totalmem();
    return {
      read,
      cpu: { totalUsage: v1Usage, systemUsage, onlineCpus, perCpuCount: percpu.length || undefined },
      memory: {
        usage: await num(v1('memory', 'memory.usage_in_bytes')),
        limit,
        stats: parseKeyValues((await text(v1('memory', 'memory.stat'))) ?? ''),
      },
      networks,
      blockIo: parseBlkio((await text(v1('blkio', 'blkio.throttle.io_service_bytes_recursive'))) ?? ''),
      pids: await num(v1('pids', 'pids.current')),
    };
  }
  const cpuStat = parseKeyValues((await text(v2('cpu.stat'))) ?? '');
  return {
    read,
    cpu: { totalUsage: (cpuStat.usage_usec ?? 0) * 1000, systemUsage, onlineCpus },
    memory: {
      usage: await num(v2('memory.current')),
      // `max` (no limit): the host's memory, as dockerd reports it.
      limit: (await num(v2('memory.max'))) ?? totalmem(),
      stats: parseKeyValues((await text(v2('memory.stat'))) ?? ''),
    },
    networks,
    blockIo: parseIoStat((await text(v2('io.stat'))) ?? ''),
    pids: await num(v2('pids.current')),
  };
}

/** A ContainerStats from a reading and the one before it (zeros when there was none). */
export function toContainerStats(t: StatsTarget, now: StatsReading, before?: StatsReading): ContainerStats {
  return {
    id: t.id,
    name: t.name,
    read: now.read,
    cpu: now.cpu,
    precpu: before?.cpu ?? { totalUsage: 0, systemUsage: 0 },
    memory: now.memory,
    networks: now.networks,
    blockIo: now.blockIo,
    ...(now.pids !== undefined ? { pids: now.pids } : {}),
  };
}
