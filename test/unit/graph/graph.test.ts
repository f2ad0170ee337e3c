import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/graph/graph.js';
import { walk } from '../../../src/graph/walk.js';

const svc = (...deps: string[]) => ({ depends_on: Object.fromEntries(deps.map((d) => [d, {}])) });

describe('buildGraph', () => {
  it('collects edges from depends_on, links, volumes_from and service: namespaces', () => {
    const g = buildGraph({
      web: {
        ...svc('db'),
        links: ['cache:redis'],
        volumes_from: ['data:ro', 'container:x'],
        network_mode: 'service:net',
      },
      db: {},
      cache: {},
      data: {},
      net: {},
      worker: { ipc: 'service:db', pid: 'host' },
    });
    expect([...g.dependencies.get('web')!].sort()).toEqual(['cache', 'data', 'db', 'net']);
    expect([...g.dependencies.get('worker')!]).toEqual(['db']);
    expect([...g.dependents.get('db')!].sort()).toEqual(['web', 'worker']);
    expect(g.topologicalOrder()).toEqual(['cache', 'data', 'db', 'net', 'web', 'worker']);
  });

  it('ignores dependencies on services that are not loaded', () => {
    const g = buildGraph({ web: svc('disabled') });
    expect(g.dependencies.get('web')!.size).toBe(0);
  });

  it('names the cycle', () => {
    expect(() => buildGraph({ a: svc('b'), b: svc('c'), c: svc('a') })).toThrowError(
      'dependency cycle detected: a -> b -> c -> a',
    );
    expect(() => buildGraph({ a: svc('a') })).toThrowError('dependency cycle detected: a -> a');
  });

  it('finds ancestors and descendants', () => {
    const g = buildGraph({ a: svc('b'), b: svc('c'), c: {}, d: svc('c') });
    expect([...g.ancestors('a')].sort()).toEqual(['b', 'c']);
    expect([...g.descendants('c')].sort()).toEqual(['a', 'b', 'd']);
  });

  it('handles a 2000-deep chain without recursion', () => {
    const services: Record<string, ReturnType<typeof svc>> = { s0: svc() };
    for (let i = 1; i < 2000; i++) services[`s${i}`] = svc(`s${i - 1}`);
    const g = buildGraph(services);
    expect(g.topologicalOrder()[1999]).toBe('s1999');
  });
});

describe('walk', () => {
  const g = () => buildGraph({ web: svc('api'), api: svc('db', 'cache'), db: {}, cache: {} });

  it('visits dependencies first when going up', async () => {
    const seen: string[] = [];
    await walk(g(), 'up', async (s) => {
      seen.push(s);
    });
    expect(seen.indexOf('api')).toBeGreaterThan(seen.indexOf('db'));
    expect(seen.indexOf('api')).toBeGreaterThan(seen.indexOf('cache'));
    expect(seen.at(-1)).toBe('web');
  });

  it('visits dependents first when going down', async () => {
    const seen: string[] = [];
    await walk(g(), 'down', async (s) => {
      seen.push(s);
    });
    expect(seen[0]).toBe('web');
    expect(seen[1]).toBe('api');
  });

  it('runs independent services in parallel up to the limit', async () => {
    const services = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`s${i}`, {}]));
    let running = 0;
    let peak = 0;
    await walk(
      buildGraph(services),
      'up',
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { concurrency: 4 },
    );
    expect(peak).toBe(4);
  });

  it('stops at the first failure and does not start dependents', async () => {
    const seen: string[] = [];
    await expect(
      walk(g(), 'up', async (s) => {
        seen.push(s);
        if (s === 'db') throw new Error('db failed');
      }),
    ).rejects.toThrowError('db failed');
    expect(seen).not.toContain('api');
    expect(seen).not.toContain('web');
  });

  it('honours an AbortSignal', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    await expect(
      walk(
        g(),
        'up',
        async (s) => {
          seen.push(s);
          ac.abort(new Error('stop'));
        },
        { signal: ac.signal, concurrency: 1 },
      ),
    ).rejects.toThrowError('stop');
    expect(seen).toHaveLength(1);
  });
});
