import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { applyExtends, type ExtendsContext } from '../../../src/compose/extends.js';
import { type Dict, parseYaml } from '../../../src/compose/yaml.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-extends-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Loads `rel` (written beforehand) the way the loader does, with a frozen cache of other files. */
function load(rel: string, extra: Partial<ExtendsContext> = {}): { dict: Dict; loads: string[]; ms: number } {
  const file = join(dir, rel);
  const loads: string[] = [];
  const cache = new Map<string, { value: Dict; resetPaths: string[] }>();
  const parse = (abs: string) => {
    let hit = cache.get(abs);
    if (!hit) {
      const [d] = parseYaml(readFileSync(abs, 'utf8'), abs);
      hit = { value: deepFreeze((d?.value ?? {}) as Dict), resetPaths: d?.resetPaths ?? [] };
      cache.set(abs, hit);
    }
    return hit;
  };
  const [doc] = parseYaml(readFileSync(file, 'utf8'), file);
  const t0 = performance.now();
  const dict = applyExtends(doc!.value as Dict, {
    file,
    workingDir: dir,
    resetPaths: doc!.resetPaths,
    loadFile: (abs) => {
      loads.push(abs);
      return parse(abs).value;
    },
    resetPathsOf: (abs) => parse(abs).resetPaths,
    ...extra,
  });
  return { dict, loads, ms: performance.now() - t0 };
}

function failure(fn: () => unknown): ComposeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ComposeError);
    return e as ComposeError;
  }
  throw new Error('expected an error');
}

describe('applyExtends: same file', () => {
  it('merges the base under the service (short form) and drops `extends`', () => {
    write(
      'compose.yaml',
      `
services:
  web:
    extends: base
    image: web
    command: [serve]
    environment: {B: "2"}
  base:
    image: base
    command: [sh]
    environment: {A: "1"}
    ports: ["80"]
`,
    );
    const { dict } = load('compose.yaml');
    expect(dict.services.web).toEqual({
      image: 'web',
      command: ['serve'],
      environment: ['A=1', 'B=2'],
      ports: ['80'],
    });
    expect(dict.services.base).toEqual({
      image: 'base',
      command: ['sh'],
      environment: { A: '1' },
      ports: ['80'],
    });
  });

  it('follows chains in any order, and {service} form', () => {
    write(
      'compose.yaml',
      `
services:
  c: {extends: {service: b}, labels: [c=1]}
  b: {extends: a, labels: [b=1]}
  a: {image: a, labels: [a=1]}
`,
    );
    const { dict } = load('compose.yaml');
    expect(dict.services.c).toEqual({ image: 'a', labels: ['a=1', 'b=1', 'c=1'] });
    expect(dict.services.b).toEqual({ image: 'a', labels: ['a=1', 'b=1'] });
  });

  it('gives each extending service its own copy of the base', () => {
    write(
      'compose.yaml',
      `
services:
  x: {extends: base, environment: [X=1]}
  y: {extends: base, environment: [Y=1]}
  base: {environment: [B=1]}
`,
    );
    const { dict } = load('compose.yaml');
    expect(dict.services.x.environment).toEqual(['B=1', 'X=1']);
    expect(dict.services.y.environment).toEqual(['B=1', 'Y=1']);
    expect(dict.services.base.environment).toEqual(['B=1']);
  });

  it('honours !reset and !override of the extending service', () => {
    write(
      'compose.yaml',
      `
services:
  web:
    extends: base
    command: !reset
    ports: !override ["8080:80"]
    depends_on: !override [b]
  base:
    image: i
    command: [sh]
    ports: ["80:80"]
    depends_on: [a]
`,
    );
    const { dict } = load('compose.yaml');
    expect(dict.services.web).toEqual({ image: 'i', ports: ['8080:80'], depends_on: ['b'] });
  });

  it('keeps a service whose base is empty (null) as it is', () => {
    write('compose.yaml', 'services:\n  web: {extends: base, image: i}\n  base:\n');
    expect(load('compose.yaml').dict.services.web).toEqual({ extends: 'base', image: 'i' });
  });

  it('reports a missing base service', () => {
    const file = write('compose.yaml', 'services:\n  web: {extends: nope}\n');
    const err = failure(() => load('compose.yaml'));
    expect(err.code).toBe('COMPOSE_EXTENDS');
    expect(err.message).toBe(`cannot extend service "web" in ${file}: service "nope" not found`);
    expect(err.location?.path).toEqual(['services', 'web', 'extends']);
  });

  it('requires `service` in the long form', () => {
    write('compose.yaml', 'services:\n  web: {extends: {file: other.yaml}}\n');
    expect(failure(() => load('compose.yaml')).message).toBe('extends.web.service is required');
  });

  it('detects cycles, naming the chain', () => {
    const file = write('compose.yaml', 'services:\n  a: {extends: b}\n  b: {extends: a}\n');
    const err = failure(() => load('compose.yaml'));
    expect(err.code).toBe('COMPOSE_CYCLE');
    expect(err.message).toBe(
      `Circular reference:\n  a in ${file}\n  extends b in ${file}\n  extends a in ${file}`,
    );

    write('self.yaml', 'services:\n  a: {extends: a}\n');
    expect(failure(() => load('self.yaml')).message).toMatch(
      /^Circular reference:\n {2}a in .*\n {2}extends a in /,
    );
  });
});

describe('applyExtends: other files', () => {
  it('rebases relative paths on the base file, relative to the working directory', () => {
    write(
      'sub/base.yaml',
      `
services:
  base:
    build: {context: ., dockerfile: Dockerfile}
    env_file: [{path: a.env, required: true}]
    volumes:
      - {type: bind, source: ./data, target: /data}
      - {type: volume, source: named, target: /named}
      - {type: bind, source: /abs, target: /abs}
    networks: {back: null}
networks:
  back: {}
`,
    );
    write(
      'compose.yaml',
      'services:\n  web:\n    extends: {file: sub/base.yaml, service: base}\n    image: w\n',
    );
    const { dict } = load('compose.yaml');
    expect(dict.services.web).toEqual({
      build: { context: 'sub', dockerfile: 'Dockerfile' },
      env_file: [{ path: 'sub/a.env', required: true }],
      volumes: [
        { type: 'bind', source: 'sub/data', target: '/data' },
        { type: 'volume', source: 'named', target: '/named' },
        { type: 'bind', source: '/abs', target: '/abs' },
      ],
      networks: { back: null },
      image: 'w',
    });
    // The base file's resources are not imported.
    expect(dict.networks).toBeUndefined();
  });

  it('follows chains across files and within the other file', () => {
    write('other/root.yaml', 'services:\n  root: {build: {context: .}, labels: [root=1]}\n');
    write(
      'sub/base.yaml',
      `
services:
  mid: {extends: {file: ../other/root.yaml, service: root}, labels: [mid=1]}
  base: {extends: mid, labels: [base=1]}
`,
    );
    write('compose.yaml', 'services:\n  web: {extends: {file: ./sub/base.yaml, service: base}}\n');
    const { dict, loads } = load('compose.yaml');
    expect(dict.services.web).toEqual({ build: { context: 'other' }, labels: ['root=1', 'mid=1', 'base=1'] });
    expect(loads).toEqual([join(dir, 'sub/base.yaml'), join(dir, 'other/root.yaml')]);
  });

  it('applies the base file’s own !reset to its chain', () => {
    write(
      'base.yaml',
      'services:\n  init: {image: alpine, command: sleep}\n  base:\n    extends: {service: init}\n    command: !reset\n',
    );
    write('compose.yaml', 'services:\n  test: {extends: {file: base.yaml, service: base}}\n');
    expect(load('compose.yaml').dict.services.test).toEqual({ image: 'alpine' });
  });

  it('loads each file once however many services extend it, and never mutates it', () => {
    const names = Array.from({ length: 500 }, (_, i) => `s${i}`);
    write('common.yaml', 'services:\n  base: {image: b, environment: [A=1], build: {context: ctx}}\n');
    write(
      'compose.yaml',
      `services:\n${names.map((n) => `  ${n}: {extends: {file: common.yaml, service: base}, environment: [N=${n}]}`).join('\n')}\n`,
    );
    const { dict, loads, ms } = load('compose.yaml');
    expect(ms).toBeLessThan(500);
    expect(loads).toHaveLength(1);
    expect(dict.services.s499).toEqual({
      image: 'b',
      environment: ['A=1', 'N=s499'],
      build: { context: 'ctx' },
    });
    expect(dict.services.s0.build).not.toBe(dict.services.s1.build);
  });

  it('reports a missing service in the other file, and a file without services', () => {
    const file = write('compose.yaml', 'services:\n  web: {extends: {file: base.yaml, service: nope}}\n');
    write('base.yaml', 'services:\n  base: {image: b}\n');
    const err = failure(() => load('compose.yaml'));
    expect(err.code).toBe('COMPOSE_EXTENDS');
    expect(err.message).toBe(`cannot extend service "web" in ${file}: service "nope" not found in base.yaml`);

    write('empty.yaml', 'volumes: {}\n');
    write('c2.yaml', 'services:\n  web: {extends: {file: empty.yaml, service: x}}\n');
    expect(failure(() => load('c2.yaml')).message).toBe(
      `cannot extend service "web" in ${join(dir, 'empty.yaml')}: no services section`,
    );
  });

  it('keeps paths relative to the process directory when no working directory is given', () => {
    write('sub/base.yaml', 'services:\n  base: {build: {context: .}}\n');
    write('compose.yaml', 'services:\n  web: {extends: {file: sub/base.yaml, service: base}}\n');
    const { dict } = load('compose.yaml', { workingDir: '', cwd: dir });
    expect(dict.services.web.build.context).toBe('sub');
  });

  it('reports each extends to onExtends', () => {
    write('base.yaml', 'services:\n  base: {image: b}\n');
    write('compose.yaml', 'services:\n  a: {extends: b}\n  b: {extends: {file: base.yaml, service: base}}\n');
    const seen: Dict[] = [];
    load('compose.yaml', { onExtends: (e) => seen.push(e) });
    expect(seen).toEqual([{ service: 'b' }, { file: 'base.yaml', service: 'base' }]);
  });
});
