import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { type ParsedDocument, parseYaml, parseYamlExact, parseYamlFast } from '../../../src/compose/yaml.js';

const one = (text: string) => {
  const docs = parseYaml(text, 'compose.yaml');
  expect(docs).toHaveLength(1);
  return docs[0]!;
};

describe('parseYaml', () => {
  it.each([
    ['plain mapping', 'services:\n  web:\n    image: nginx\n', { services: { web: { image: 'nginx' } } }],
    ['YAML 1.2 keeps yes/no/on/off as strings', 'a: yes\nb: off\nc: true\n', { a: 'yes', b: 'off', c: true }],
    ['numbers and null', 'a: 1\nb: 1.5\nc: ~\nd:\n', { a: 1, b: 1.5, c: null, d: null }],
    ['quoted numeric keys are strings', '"1": a\n', { '1': 'a' }],
    ['anchors and aliases', 'x: &a {k: v}\ny: *a\n', { x: { k: 'v' }, y: { k: 'v' } }],
    [
      'merge key: explicit keys win',
      'x: &a {k: v, j: 1}\ny:\n  k: mine\n  <<: *a\n',
      { x: { k: 'v', j: 1 }, y: { k: 'mine', j: 1 } },
    ],
    [
      'merge key list: earlier source wins',
      'a: &a {k: 1}\nb: &b {k: 2, m: 2}\nc:\n  <<: [*a, *b]\n',
      { a: { k: 1 }, b: { k: 2, m: 2 }, c: { k: 1, m: 2 } },
    ],
    ['quoted << is a plain key', '"<<": 1\n', { '<<': 1 }],
  ])('%s', (_name, text, expected) => {
    expect(one(text).value).toEqual(expected);
  });

  it('records !reset and !override paths, dropping reset values', () => {
    const d = one('services:\n  web:\n    ports: !reset []\n    command: !override [a, b]\n');
    expect(d.value).toEqual({ services: { web: { command: ['a', 'b'] } } });
    expect(d.resetPaths).toEqual(['services.web.ports', 'services.web.command']);
  });

  it('resolves a tagged plain scalar with the core schema', () => {
    expect(one('a: !override 8080\nb: !override "8080"\n').value).toEqual({ a: 8080, b: '8080' });
  });

  it('reports duplicate keys with both lines', () => {
    expect(() => parseYaml('a: 1\nb: 2\na: 3\n', 'f.yaml')).toThrowError(
      'line 3: mapping key "a" already defined at line 1',
    );
  });

  it('rejects two merge keys in one mapping', () => {
    expect(() => parseYaml('x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n', 'f.yaml')).toThrowError(
      'mapping key "<<" already defined',
    );
  });

  it('points syntax errors at file:line:col', () => {
    try {
      parseYaml('services:\n  web:\n    image: "unterminated\n', 'compose.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ComposeError);
      const e = err as ComposeError;
      expect(e.code).toBe('COMPOSE_YAML');
      expect(e.location?.file).toBe('compose.yaml');
      expect(e.location?.line).toBeGreaterThan(0);
    }
  });

  it('stops alias bombs', () => {
    const levels = ['x-a: &a {k: v}'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`x-${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    expect(() => parseYaml(levels.join('\n'), 'bomb.yaml')).toThrowError('excessive aliasing');
  });

  it('rejects an anchor that contains its own alias', () => {
    expect(() => parseYaml('x: &h\n  y:\n    <<: *h\n', 'f.yaml')).toThrowError('cycle detected');
  });

  it('keeps key positions for error locations', () => {
    const d = one('services:\n  web:\n    imagee: nginx\n');
    expect(d.sourceMap.get(['services', 'web', 'imagee'])).toEqual({ line: 3, column: 5 });
    expect(d.sourceMap.get(['services'])).toEqual({ line: 1, column: 1 });
  });

  it('parses every document of a stream and skips empty ones', () => {
    expect(parseYaml('a: 1\n---\nb: 2\n---\n', 'f.yaml').map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(parseYaml('# only a comment\n', 'f.yaml')).toEqual([]);
  });
});

describe('parseYaml keys', () => {
  it.each([
    ['123:\n  a: 1\n', 'non-string key at top level: 123'],
    ['services:\n  123: {}\n', 'non-string key in services: 123'],
    ['n:\n  l:\n    - true: x\n', 'non-string key in n.l[0]: true'],
  ])('rejects non-string keys in %j', (text, message) => {
    expect(() => parseYaml(text, 'f.yaml')).toThrowError(message);
  });
});

describe('parseYaml integers, the go-yaml way', () => {
  it.each([
    ['0440', 288],
    ['0o17', 15],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['-012', -10],
    ['42', 42],
    ['08', 8],
    ['"0440"', '0440'],
  ])('%s', (text, value) => {
    expect(parseYaml(`v: ${text}\n`, 'f.yaml')[0]!.value).toEqual({ v: value });
  });
});

// ---------------------------------------------------------------------------------------------------
// The fast path (js-yaml) and the exact parser (the `yaml` library) must agree: same values, same key
// order, same `resetPaths` — or the fast path must step aside so the exact parser decides.
// ---------------------------------------------------------------------------------------------------

const view = (docs: ParsedDocument[]) => docs.map((d) => ({ value: d.value, resetPaths: d.resetPaths }));

/** Key order matters too (later phases and `config` output follow it); toStrictEqual ignores it. */
function keyOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyOrder);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, keyOrder(x)]);
  return v;
}

type Outcome = { fast: boolean; docs?: ParsedDocument[]; error?: unknown };

/** Runs both parsers; when the fast path answers, its answer must be the exact parser's. */
function compare(text: string, file = 'compose.yaml'): Outcome {
  let exact: ParsedDocument[] | undefined;
  let error: unknown;
  try {
    exact = parseYamlExact(text, file);
  } catch (err) {
    error = err;
  }
  const fast = parseYamlFast(text, file);
  if (fast === undefined) return { fast: false, docs: exact, error };
  expect(error, 'the fast path accepted what the exact parser rejects').toBeUndefined();
  expect(view(fast)).toStrictEqual(view(exact!));
  expect(keyOrder(view(fast))).toStrictEqual(keyOrder(view(exact!)));
  return { fast: true, docs: fast };
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

const repoRoot = resolve(import.meta.dirname, '../../..');
const corpus = process.env.BERTH_CONFORMANCE_DIR ?? resolve(repoRoot, '../shared/conformance/compose-go');

describe('parseYaml fast path agrees with the exact parser', () => {
  it.skipIf(!existsSync(corpus))('on every YAML file of the conformance corpus and examples/', () => {
    const files = [...yamlFiles(corpus), ...yamlFiles(resolve(repoRoot, 'examples'))];
    expect(files.length).toBeGreaterThan(100);
    let fast = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const outcome = compare(text, file);
      if (outcome.fast) fast++;
      else {
        // The public entry point then gives exactly the exact parser's answer.
        if (outcome.error) expect(() => parseYaml(text, file)).toThrowError((outcome.error as Error).message);
        else expect(view(parseYaml(text, file))).toStrictEqual(view(outcome.docs!));
      }
    }
    // The fast path is the normal path: only error cases and oddities fall back.
    expect(fast / files.length).toBeGreaterThan(0.95);
  });

  it.each([
    [
      'scalars of every kind',
      'a: 1\nb: -0\nc: 1.50\nd: .inf\ne: -.Inf\nf: .NaN\ng: 1e3\nh: ~\ni: Null\nj: TRUE\nk: yes\nl: 1.\nm: .5\nn: -.5\no: 9007199254740993\n',
    ],
    [
      'go-yaml integers',
      'a: 0440\nb: 0o17\nc: 0x1F\nd: 0X1F\ne: 0b101\nf: 1_000\ng: -012\nh: 08\ni: +7\nj: 0b\nk: 1__0\nl: "0440"\n',
    ],
    [
      'strings',
      'a: "q\\"x\\x41\\u00e9\\t"\nb: \'s\'\'q\'\nc: "multi\n  line"\nd: plain\n  folded\ne: ${VAR:-x}\nf: a # comment\n',
    ],
    [
      'block scalars',
      'a: |\n  l1\n  l2\nb: >-\n  f1\n  f2\n\n  f3\nc: |-\n  strip\n\nd: >\n  a\n    more\n  b\n',
    ],
    ['flow collections', 'a: [1, "2", three, [x, {y: z}]]\nb: {x: 1, y: [a, b], z: }\nc: []\nd: {}\n'],
    [
      'aliases and merges',
      'x: &a {k: v, j: [1, 2]}\ny:\n  k: mine\n  <<: *a\nz:\n  <<: [*a, {m: 3}]\n  n: 4\nw: *a\n',
    ],
    ['merge of a sequence alias', 'a: &a {k: 1}\nb: &b {k: 2, m: 2}\nl: &l [*a, *b]\nc:\n  <<: *l\n'],
    [
      '!reset and !override, plain and quoted',
      'a: !override 0440\nb: !override "0440"\nc: !override\nd: !reset x\ne: !override [1]\nf: !reset {x: 1}\ng: !override |\n  lit\n',
    ],
    [
      'tags through aliases and merges',
      'base: &b {env: !reset {}, ports: !override [80]}\nx:\n  <<: *b\ny: *b\nz: &o !override {a: 1}\nw: *o\n',
    ],
    ['several documents', 'a: 1\n---\n# nothing\n---\nb: &x [1]\nc: *x\n...\n---\n'],
    ['keys', '"": empty\n"a b": 1\nk.l: 2\né: 3\n"true": 4\n"null": 5\n\'1.5\': 6\n'],
    ['anchored scalars on the same line', 'image: &img nginx\nother: *img\nn: &n 3\nm: *n\n'],
    [
      'flow collections over several lines',
      's:\n  a:\n    command: [\n      "a",\n      "b"\n    ]\n    env: {\n      X: 1\n    }\n',
    ],
    ['a JSON document', '{\n  "services": {\n    "web": {"image": "nginx", "ports": ["80:80"]}\n  }\n}\n'],
    [
      'empty values with comments, comment lines anywhere',
      'a: # c\nb:\n#  - x\n  - y\nc:\n  d: 1\n# e: 2\n  f: 3\n',
    ],
    ['CRLF and a BOM', '\ufeffa: 1\r\nb:\r\n  - x\r\n'],
  ])('%s', (_name, text) => {
    expect(compare(text).fast).toBe(true);
  });

  it('gives every alias use its own copy', () => {
    const [doc] = parseYaml('x: &a {k: [1]}\ny: *a\nz:\n  <<: *a\n', 'f.yaml');
    const v = doc!.value as Record<string, { k: number[] }>;
    v.x.k.push(2);
    expect(v.y.k).toEqual([1]);
    expect(v.z.k).toEqual([1]);
    expect(v.y).not.toBe(v.x);
  });

  it('keeps resetPaths in the exact order', () => {
    const text =
      'b: &b {p: !reset [], q: !override x}\ns:\n  w:\n    z: !reset 1\n    <<: *b\n    a: !override [2]\n';
    const { docs } = compare(text);
    expect(docs![0]!.resetPaths).toEqual(['b.p', 'b.q', 's.w.z', 's.w.a', 's.w.p', 's.w.q']);
  });

  it('builds positions lazily with the exact parser, per document', () => {
    const docs = parseYamlFast('a: 1\n---\nservices:\n  web:\n    imagee: nginx\n', 'compose.yaml');
    expect(docs).toHaveLength(2);
    expect(docs![1]!.sourceMap.file).toBe('compose.yaml');
    expect(docs![1]!.sourceMap.get(['services', 'web', 'imagee'])).toEqual({ line: 5, column: 5 });
    expect(docs![0]!.sourceMap.get(['a'])).toEqual({ line: 1, column: 1 });
  });
});

describe('parseYaml falls back to the exact parser', () => {
  it.each([
    ['a syntax error', 'a: "unterminated\n'],
    ['a tab in the indentation', 'a:\n\tb: 1\n'],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n'],
    ['an unknown alias', 'a: *nope\n'],
    ['a number key', '123: x\n'],
    ['a boolean key', 'n:\n  - true: x\n'],
    ['a null key', '~: x\n'],
    ['a sequence key', '[a, b]: x\n'],
    ['a mapping key', '{a: 1}: x\n'],
    ['an alias key', 'a: &k 1\n*k : x\n'],
    ['a flow-mapping key without value', 'a: {x, y: 1}\n'],
    ['a non-string flow-mapping key without value', 'a: {1, 2}\n'],
    ['an explicit key', '? 1\n: x\n? b\n'],
    ['a pair inside a flow sequence', 'a: [k: v]\n'],
    ['two merge keys', 'x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n'],
    ['a quoted merge key', '"<<": 1\n'],
    ['an aliased merge key', 'k: &m <<\nx: &x {a: 1}\ny:\n  *m : *x\n'],
    ['a merge of a scalar', 'x: &x 1\ny:\n  <<: *x\n'],
    ['a tagged merge source', 'x: &x {a: 1}\ny:\n  <<: [*x, !reset {b: 2}]\n'],
    ['an anchor containing its own alias', 'x: &h\n  y:\n    <<: *h\n'],
    ['a repeated anchor name', 'a: &x 1\nb: &x [*x]\nc: *x\n'],
    ['a standard tag', 'a: !!str 0440\nb: !!int "12"\n'],
    ['the non-specific tag', 'a: ! 0440\n'],
    ['a local tag', 'a: !custom x\n'],
    ['a %YAML directive', '%YAML 1.1\n---\na: yes\n'],
    ['an array-index key', '"1": a\nb: !reset x\n"0": !reset y\n'],
    ['a __proto__ key', '__proto__: {polluted: 1}\n'],
    ['a quoted scalar continued below its indentation', "a:\n  - 'x\ny'\n"],
    ['a flow collection continued below its indentation', 'a:\n  b: [1,\n2]\n'],
    ['a document that is not a mapping', 'a: 1\n---\n- x\n---\n!reset {}\n'],
    ['a block scalar with an indentation indicator', 'a: |2\n   x\n'],
    ['a block scalar keeping trailing lines', 'a: |+\n  x\n\n'],
    ['a dedented block sequence item', 'k:\n    -\n  - x\n'],
    ['properties on two lines', 'a: !override\n  &x\n  b: 1\n'],
    ['properties before a same-line block mapping', 'a: &x b: 1\n'],
    ['a tab starting a line', 'a:\n  b: |\n    \tx\n'],
    ['content on a document start line', '--- a: 1\n    b: 2\n'],
    ['a comment glued to a flow indicator', 'a: [1,#c\n  2]\n'],
    ['a comment line inside a flow collection', 'a: [\n  1,\n# c\n  2\n  ]\n'],
    ['a plain value below a comment line', 'w:\n  db:\n#x\n    rest\n  redis: 1\n'],
    ['a lone CR line break', 'a: 1\rb: 2\r'],
    ['nesting deeper than js-yaml allows', `a: ${'['.repeat(120)}1${']'.repeat(120)}\n`],
  ])('on %s', (_name, text) => {
    const outcome = compare(text);
    expect(outcome.fast).toBe(false);
    if (outcome.error)
      expect(() => parseYaml(text, 'compose.yaml')).toThrowError((outcome.error as Error).message);
    else expect(view(parseYaml(text, 'compose.yaml'))).toStrictEqual(view(outcome.docs!));
  });

  it('on an alias bomb, leaving the exact parser to report it', () => {
    const levels = ['x-a: &a {k: v}'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`x-${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const text = levels.join('\n');
    expect(parseYamlFast(text, 'bomb.yaml')).toBeUndefined();
    expect(() => parseYaml(text, 'bomb.yaml')).toThrowError('excessive aliasing');
  });

  it('with the exact messages and positions', () => {
    expect(() => parseYaml('a: 1\nb: 2\na: 3\n', 'f.yaml')).toThrowError(
      'line 3: mapping key "a" already defined at line 1',
    );
    expect(() => parseYaml('services:\n  123: {}\n', 'f.yaml')).toThrowError(
      'non-string key in services: 123',
    );
    expect(() => parseYaml('a:\n\tb: 1\n', 'f.yaml')).toThrowError(
      'found a tab character that violates indentation',
    );
  });
});
