import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { parseYaml } from '../../../src/compose/yaml.js';

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
