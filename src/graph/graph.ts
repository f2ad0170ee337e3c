/**
 * The service dependency graph (docker/compose pkg/compose/dependencies.go): an edge service → dependency
 * for every `depends_on` entry (which, after normalization, includes links, volumes_from and
 * `network_mode`/`ipc`/`pid`/`uts`/`cgroup: service:x`). Only services present in the project are nodes;
 * a dependency on a service that is not loaded (disabled, `required: false`) is dropped here.
 */
import { ComposeError } from '../api/errors.js';

/** The part of a service the graph reads. */
export interface GraphService {
  depends_on?: Record<string, unknown>;
  links?: string[];
  volumes_from?: string[];
  network_mode?: string;
  ipc?: string;
  pid?: string;
}

export class ServiceGraph {
  /** service → the services it depends on. */
  readonly dependencies = new Map<string, Set<string>>();
  /** service → the services that depend on it. */
  readonly dependents = new Map<string, Set<string>>();

  constructor(names: Iterable<string>) {
    for (const n of names) {
      this.dependencies.set(n, new Set());
      this.dependents.set(n, new Set());
    }
  }

  get names(): string[] {
    return [...this.dependencies.keys()];
  }

  addEdge(from: string, to: string): void {
    if (!this.dependencies.has(from) || !this.dependencies.has(to)) return;
    this.dependencies.get(from)!.add(to);
    this.dependents.get(to)!.add(from);
  }

  /** Every service `name` depends on, transitively. */
  ancestors(name: string): Set<string> {
    return this.closure(name, this.dependencies);
  }

  /** Every service that depends on `name`, transitively. */
  descendants(name: string): Set<string> {
    return this.closure(name, this.dependents);
  }

  private closure(name: string, edges: Map<string, Set<string>>): Set<string> {
    const seen = new Set<string>();
    const stack = [...(edges.get(name) ?? [])];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(edges.get(n) ?? []));
    }
    return seen;
  }

  /** Dependencies first (Kahn's algorithm, ties broken by name for stable output). */
  topologicalOrder(): string[] {
    const remaining = new Map<string, number>();
    for (const [n, deps] of this.dependencies) remaining.set(n, deps.size);
    const ready = [...remaining].filter(([, c]) => c === 0).map(([n]) => n);
    ready.sort();
    const order: string[] = [];
    while (ready.length > 0) {
      const n = ready.shift()!;
      order.push(n);
      const next: string[] = [];
      for (const d of this.dependents.get(n)!) {
        const c = remaining.get(d)! - 1;
        remaining.set(d, c);
        if (c === 0) next.push(d);
      }
      ready.push(...next.sort());
      ready.sort();
    }
    if (order.length !== this.dependencies.size) throw cycleError(this.findCycle()!);
    return order;
  }

  /** One dependency cycle as a closed path (`a → b → a`), or undefined. Iterative DFS: O(V+E). */
  findCycle(): string[] | undefined {
    const WHITE = 0;
    const GREY = 1;
    const BLACK = 2;
    const color = new Map<string, number>();
    for (const n of this.names) color.set(n, WHITE);
    for (const start of [...this.names].sort()) {
      if (color.get(start) !== WHITE) continue;
      const stack: Array<{ node: string; it: Iterator<string> }> = [];
      const path: string[] = [];
      const push = (node: string) => {
        color.set(node, GREY);
        path.push(node);
        stack.push({ node, it: [...this.dependencies.get(node)!].sort()[Symbol.iterator]() });
      };
      push(start);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const next = top.it.next();
        if (next.done) {
          color.set(top.node, BLACK);
          stack.pop();
          path.pop();
          continue;
        }
        const c = color.get(next.value);
        if (c === GREY) return [...path.slice(path.indexOf(next.value)), next.value];
        if (c === WHITE) push(next.value);
      }
    }
    return undefined;
  }
}

export function cycleError(cycle: string[]): ComposeError {
  return new ComposeError('COMPOSE_CYCLE', `dependency cycle detected: ${cycle.join(' -> ')}`, {
    location: { path: ['services', cycle[0]!, 'depends_on'], service: cycle[0] },
    hint: 'remove one of these depends_on (or links / volumes_from / network_mode: service:) entries',
  });
}

function serviceRef(value: string | undefined): string | undefined {
  return value?.startsWith('service:') ? value.slice('service:'.length) : undefined;
}

/** Builds the graph of a project's services. Throws COMPOSE_CYCLE when it is not a DAG. */
export function buildGraph(services: Record<string, GraphService>): ServiceGraph {
  const g = new ServiceGraph(Object.keys(services));
  for (const [name, svc] of Object.entries(services)) {
    for (const dep of Object.keys(svc.depends_on ?? {})) g.addEdge(name, dep);
    for (const link of svc.links ?? []) g.addEdge(name, link.split(':')[0]!);
    for (const vf of svc.volumes_from ?? []) {
      if (vf.startsWith('container:')) continue;
      g.addEdge(name, vf.split(':')[0]!);
    }
    for (const ref of [svc.network_mode, svc.ipc, svc.pid].map(serviceRef)) if (ref) g.addEdge(name, ref);
  }
  const cycle = g.findCycle();
  if (cycle) throw cycleError(cycle);
  return g;
}
