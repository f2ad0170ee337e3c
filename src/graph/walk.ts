/**
 * Parallel walks over the service graph (docker/compose graph.go InDependencyOrder /
 * InReverseDependencyOrder): a service is visited once all its dependencies (`up`) or all its dependents
 * (`down`) are done, with at most `concurrency` visits at a time (COMPOSE_PARALLEL_LIMIT / --parallel).
 * One limiter for the whole walk: nested limiters are what made docker-compose v1 hang at N=100.
 * The first failure stops new visits; visits already running finish; the walk rejects with that error.
 */
import type { ServiceGraph } from './graph.js';

export type Direction = 'up' | 'down';

export interface WalkOptions {
  /** Maximum visits at once. Default: unlimited. */
  concurrency?: number;
  signal?: AbortSignal;
}

export async function walk(
  graph: ServiceGraph,
  direction: Direction,
  visit: (service: string, signal?: AbortSignal) => Promise<void>,
  options: WalkOptions = {},
): Promise<void> {
  const waitsOn = direction === 'up' ? graph.dependencies : graph.dependents;
  const unblocks = direction === 'up' ? graph.dependents : graph.dependencies;
  const limit =
    options.concurrency && options.concurrency > 0 ? options.concurrency : Number.POSITIVE_INFINITY;
  const pending = new Map<string, number>();
  for (const [n, deps] of waitsOn) pending.set(n, deps.size);
  const ready = [...pending].filter(([, c]) => c === 0).map(([n]) => n);
  ready.sort();
  let running = 0;
  let done = 0;
  const total = pending.size;
  let failure: unknown;

  if (total === 0) return;
  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (running > 0) return;
      if (failure !== undefined) reject(failure);
      else if (done === total) resolve();
    };
    const pump = () => {
      if (options.signal?.aborted && failure === undefined) failure = options.signal.reason;
      while (failure === undefined && running < limit && ready.length > 0) {
        const n = ready.shift()!;
        running++;
        visit(n, options.signal).then(
          () => {
            running--;
            done++;
            for (const d of unblocks.get(n) ?? []) {
              const c = pending.get(d)! - 1;
              pending.set(d, c);
              if (c === 0) ready.push(d);
            }
            pump();
          },
          (err: unknown) => {
            running--;
            if (failure === undefined) failure = err;
            pump();
          },
        );
      }
      finish();
    };
    pump();
  });
}
