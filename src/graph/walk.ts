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
  return walkDag([...waitsOn.keys()].sort(), waitsOn, visit, options);
}

/**
 * The walk itself, over any DAG: `waitsOn.get(n)` are the nodes `n` waits for (ids absent from `nodes`
 * are ignored). Nodes start in `nodes` order as they become ready.
 */
export async function walkDag(
  nodes: readonly string[],
  waitsOn: ReadonlyMap<string, Iterable<string>>,
  visit: (node: string, signal?: AbortSignal) => Promise<void>,
  options: WalkOptions = {},
): Promise<void> {
  const limit =
    options.concurrency && options.concurrency > 0 ? options.concurrency : Number.POSITIVE_INFINITY;
  const known = new Set(nodes);
  const pending = new Map<string, number>();
  const unblocks = new Map<string, string[]>();
  for (const n of nodes) {
    let count = 0;
    for (const d of waitsOn.get(n) ?? []) {
      if (!known.has(d)) continue;
      count++;
      if (!unblocks.has(d)) unblocks.set(d, []);
      unblocks.get(d)!.push(n);
    }
    pending.set(n, count);
  }
  const ready = nodes.filter((n) => pending.get(n) === 0);
  let running = 0;
  let done = 0;
  let failure: unknown;

  if (nodes.length === 0) return;
  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (running > 0) return;
      if (failure !== undefined) reject(failure);
      else if (done === nodes.length) resolve();
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
