/**
 * `stats`: one resource-usage sample per container of the project, computed the way the docker CLI
 * computes `docker stats` (docker/cli cli/command/container/stats_helpers.go), which is what
 * `docker compose stats` runs: containers listed by project label (and service), running ones only
 * unless `all`, in the engine's list order; one engine stats call each (the engine takes two readings
 * a second apart so the CPU percentage has a delta, as with `--no-stream`), all at once. `watchStats`
 * is the streaming form: one engine stats stream per container, the list refreshed every interval.
 */
import type { ContainerStatsEntry, StatsOptions } from '../api/inspect.js';
import { PROJECT_LABEL, SERVICE_LABEL } from '../api/labels.js';
import type { Project } from '../compose/model.js';
import { sleep } from '../reconcile/wait.js';
import { openRuntime } from '../runtime/open.js';
import type { ContainerInfo, ContainerStats, CpuCounters, Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';

/**
 * CPU use between two readings in percent of one CPU: the container's CPU-time delta over the host's,
 * times the number of online CPUs (the per-CPU counter count on old kernels); 0 without both deltas.
 */
export function cpuPercent(previous: CpuCounters, current: CpuCounters): number {
  const cpuDelta = current.totalUsage - previous.totalUsage;
  const systemDelta = (current.systemUsage ?? 0) - (previous.systemUsage ?? 0);
  const cpus = current.onlineCpus || current.perCpuCount || 0;
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * cpus * 100;
  return 0;
}

/**
 * Memory in use minus the inactive page cache: `usage - total_inactive_file` on cgroup v1,
 * `usage - inactive_file` on cgroup v2 (the docker CLI's, cadvisor's and containerd's definition).
 */
export function memoryUsage(memory: ContainerStats['memory']): number {
  const usage = memory.usage ?? 0;
  const stats = memory.stats ?? {};
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

export function memoryPercent(limit: number, used: number): number {
  return limit !== 0 ? (used / limit) * 100 : 0;
}

/** Bytes read and written: the `read`/`write` entries of io_service_bytes_recursive (by first letter). */
export function blockIo(entries: ContainerStats['blockIo']): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of entries) {
    const op = e.op[0];
    if (op === 'r' || op === 'R') read += e.value;
    else if (op === 'w' || op === 'W') write += e.value;
  }
  return { read, write };
}

export function networkIo(networks: ContainerStats['networks']): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(networks)) {
    rx += n.rxBytes;
    tx += n.txBytes;
  }
  return { rx, tx };
}

/** One engine sample → the entry `docker stats` shows. */
export function statsEntry(container: ContainerInfo, s: ContainerStats): ContainerStatsEntry {
  const memory = memoryUsage(s.memory);
  const limit = s.memory.limit ?? 0;
  const net = networkIo(s.networks);
  const blk = blockIo(s.blockIo);
  return {
    ID: container.id,
    Name: s.name || container.name,
    Service: container.labels[SERVICE_LABEL] ?? '',
    CPUPercentage: cpuPercent(s.precpu, s.cpu),
    Memory: memory,
    MemoryLimit: limit,
    MemoryPercentage: memoryPercent(limit, memory),
    NetworkRx: net.rx,
    NetworkTx: net.tx,
    BlockRead: blk.read,
    BlockWrite: blk.write,
    Pids: s.pids ?? 0,
  };
}

/** The project's containers whose stats `stats` shows. */
export async function statsContainers(
  runtime: Runtime,
  projectName: string,
  options: Pick<StatsOptions, 'services' | 'all'> = {},
): Promise<ContainerInfo[]> {
  const services = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
  const labels: Record<string, string> = { [PROJECT_LABEL]: projectName };
  // One service: let the engine filter, as compose does.
  if (services?.size === 1) labels[SERVICE_LABEL] = [...services][0]!;
  const list = await runtime.listContainers({ labels, all: options.all === true });
  return list.filter((c) => !services || services.has(c.labels[SERVICE_LABEL] ?? ''));
}

/** One sample of each listed container, with the runtime given. */
export async function sampleStats(
  runtime: Runtime,
  containers: readonly ContainerInfo[],
  signal?: AbortSignal,
): Promise<ContainerStatsEntry[]> {
  const entries = await Promise.all(
    containers.map(async (c) => {
      try {
        return statsEntry(c, await runtime.statsContainer(c.id, { signal }));
      } catch (err) {
        // Removed since it was listed: it has no stats any more, and that is not an error.
        if ((err as { code?: string }).code === 'RUNTIME_NOT_FOUND') return undefined;
        throw err;
      }
    }),
  );
  return entries.filter((e): e is ContainerStatsEntry => e !== undefined);
}

/** One sample per container of the project (`docker compose stats --no-stream`). */
export async function stats(
  project: Project | string,
  options: StatsOptions = {},
): Promise<ContainerStatsEntry[]> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, async ({ runtime }) =>
    sampleStats(runtime, await statsContainers(runtime, name, options), options.signal),
  );
}

export interface WatchStatsOptions extends StatsOptions {
  /** How often a snapshot is yielded (and the container list refreshed); default 1000 ms. */
  intervalMs?: number;
}

/**
 * Live stats, as `docker compose stats` without `--no-stream` shows them: yields the latest entry of
 * every listed container about every `intervalMs` until `options.signal` aborts (the iteration then
 * ends without an error). Containers that start or stop are picked up at the next listing. The first
 * snapshot waits (up to two seconds, as docker does) for a first sample of each container.
 */
export async function* watchStats(
  project: Project | string,
  options: WatchStatsOptions = {},
): AsyncIterable<ContainerStatsEntry[]> {
  const name = typeof project === 'string' ? project : project.name;
  const interval = options.intervalMs ?? 1000;
  const done = new AbortController();
  const onAbort = () => done.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) done.abort();
  const collectors = new Map<string, { latest?: ContainerStatsEntry; stop: AbortController }>();
  const { runtime, owned } = await openRuntime({ ...options, signal: done.signal });
  try {
    while (!done.signal.aborted) {
      let containers: ContainerInfo[];
      try {
        containers = await statsContainers(runtime, name, options);
      } catch (err) {
        if (done.signal.aborted) break;
        throw err;
      }
      const listed = new Set(containers.map((c) => c.id));
      for (const [id, collector] of collectors) {
        if (!listed.has(id)) {
          collector.stop.abort();
          collectors.delete(id);
        }
      }
      const firsts: Array<Promise<void>> = [];
      for (const c of containers) {
        if (collectors.has(c.id)) continue;
        const collector: { latest?: ContainerStatsEntry; stop: AbortController } = {
          stop: new AbortController(),
        };
        collectors.set(c.id, collector);
        const signal = AbortSignal.any([done.signal, collector.stop.signal]);
        firsts.push(
          new Promise<void>((resolve) => {
            void (async () => {
              try {
                for await (const sample of runtime.streamStats(c.id, { signal })) {
                  collector.latest = statsEntry(c, sample);
                  resolve();
                }
              } catch {
                // Gone (removed, engine restarting): it leaves the list at the next listing.
              } finally {
                resolve();
              }
            })();
          }),
        );
      }
      if (firsts.length > 0)
        await Promise.race([Promise.all(firsts), sleep(2000, done.signal).catch(() => {})]);
      if (done.signal.aborted) break;
      yield containers
        .map((c) => collectors.get(c.id)?.latest)
        .filter((e): e is ContainerStatsEntry => e !== undefined);
      await sleep(interval, done.signal).catch(() => {});
    }
  } finally {
    done.abort();
    options.signal?.removeEventListener('abort', onAbort);
    if (owned) await runtime.close();
  }
}
