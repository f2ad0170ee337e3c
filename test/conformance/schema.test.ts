/**
 * Schema conformance. berth's own schema (schemas/compose-spec.json, through the generated validator of
 * src/compose/schema.ts) must give compose-go's schema (../shared/conformance/compose-go/schema/
 * compose-spec.json, compiled here with ajv) the same verdict on every input:
 * 1. schema/cases.json, restated from compose-go's schema_test.go (verdict and error substring);
 * 2. every YAML file of the corpus and of examples/, validated raw (not interpolated, as using-variables.yaml
 *    is upstream), plus mutated copies: errors injected on purpose (both schemas must reject them) and a
 *    structural fuzz that swaps each node for values of other shapes (both must agree);
 * 3. the loader cases whose expected error is a schema error: compose-go's wording must match.
 * Deliberate differences are listed in EXCEPTIONS.md and exceptions/schema.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/compose/schema.js';
import { parseYaml } from '../../src/compose/yaml.js';
import { CORPUS, exceptionsFor, REPO_ROOT, report } from './corpus.js';

const exceptions = exceptionsFor('schema');

const upstreamSchema = JSON.parse(readFileSync(join(CORPUS, 'schema/compose-spec.json'), 'utf8'));
const upstream = new Ajv2020({ strict: false, allErrors: false }).compile(upstreamSchema);

const oursAccepts = (model: unknown) => checkSchema(model) === undefined;
const upstreamAccepts = (model: unknown) => upstream(model) === true;

type Model = Record<string, any>;

// ---------------------------------------------------------------------------------------------------------
// 1. cases.json

interface SchemaCase {
  name: string;
  input?: Model;
  inputFile?: string;
  valid: boolean;
  error?: string;
}

const schemaCases = JSON.parse(readFileSync(join(CORPUS, 'schema/cases.json'), 'utf8')) as SchemaCase[];

function runSchemaCase(c: SchemaCase): void {
  let model: unknown = c.input;
  if (c.inputFile) {
    const file = join(CORPUS, 'schema', c.inputFile);
    model = parseYaml(readFileSync(file, 'utf8'), file)[0]!.value;
  }
  const violation = checkSchema(model);
  expect(violation === undefined, JSON.stringify(violation)).toBe(c.valid);
  expect(upstreamAccepts(model)).toBe(c.valid);
  if (c.error) expect(`${violation!.message}\n${violation!.upstreamMessage}`).toContain(c.error);
}

describe('compose-go schema cases', () => {
  let passed = 0;
  let failed = 0;
  const caseExceptions = schemaCases.filter((c) => exceptions.has(c.name)).length;
  for (const c of schemaCases) {
    const why = exceptions.get(c.name);
    if (why) {
      // Listed in EXCEPTIONS.md; run anyway so that a fix is noticed.
      it(`${c.name} (exception: ${why})`, () => expect(() => runSchemaCase(c)).toThrow());
      continue;
    }
    it(c.name, () => {
      try {
        runSchemaCase(c);
        passed++;
      } catch (err) {
        failed++;
        throw err;
      }
    });
  }
  afterAll(() => report('schema cases', passed, failed, caseExceptions, schemaCases.length));
});

// ---------------------------------------------------------------------------------------------------------
// 2. verdict agreement on every YAML file, and on mutated copies

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

const examplesDir = join(REPO_ROOT, 'examples');
const files = [
  ...yamlFiles(CORPUS).map((f) => ({ file: f, name: relative(CORPUS, f) })),
  ...yamlFiles(examplesDir).map((f) => ({ file: f, name: `examples/${relative(examplesDir, f)}` })),
];

/** A copy of `root` with the value at `path` replaced (or, with `rename`, its last key renamed). */
function withValue(
  root: unknown,
  path: readonly (string | number)[],
  value: unknown,
  rename?: string,
): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = withValue(root[head as number], rest, value, rename);
    return copy;
  }
  const copy: Model = { ...(root as Model) };
  if (rest.length === 0 && rename !== undefined) {
    const renamed: Model = {};
    for (const [k, v] of Object.entries(copy)) renamed[k === head ? rename : k] = v;
    return renamed;
  }
  copy[head as string] = withValue(copy[head as string], rest, value, rename);
  return copy;
}

/** Paths of the nodes of a model, breadth first, at most `limit`. */
function nodePaths(model: unknown, limit: number): (string | number)[][] {
  const out: (string | number)[][] = [];
  const queue: { path: (string | number)[]; value: unknown }[] = [{ path: [], value: model }];
  while (queue.length > 0 && out.length < limit) {
    const { path, value } = queue.shift()!;
    if (path.length > 0) out.push(path);
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) queue.push({ path: [...path, i], value: v });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) queue.push({ path: [...path, k], value: v });
    }
  }
  return out;
}

const REPLACEMENTS: unknown[] = [
  1.5,
  -1,
  'text',
  true,
  null,
  [],
  {},
  ['a', 'a'],
  [{}],
  { 'x-a': 1 },
  { zz_unknown: 1 },
];

/** Variants both schemas must reject: one error injected into an otherwise unchanged model. */
function injectedErrors(model: Model): { what: string; model: unknown }[] {
  const out: { what: string; model: unknown }[] = [
    { what: 'unknown top-level key', model: { ...model, helicopterz: {} } },
  ];
  const services = model.services;
  if (services === null || typeof services !== 'object' || Array.isArray(services)) return out;
  const name = Object.keys(services).find((k) => services[k] !== null && typeof services[k] === 'object');
  if (name === undefined || Array.isArray(services[name])) return out;
  const svc = (extra: Model) => withValue(model, ['services', name], { ...services[name], ...extra });
  out.push(
    { what: 'unknown service key', model: svc({ imagee: 'x' }) },
    { what: 'port object with a bad type', model: svc({ ports: [{ target: { bad: 1 } }] }) },
    { what: 'port object with an unknown key', model: svc({ ports: [{ target: 80, publish: '80' }] }) },
    { what: 'environment as a number', model: svc({ environment: 42 }) },
    { what: 'depends_on with a bad condition', model: svc({ depends_on: { x: { condition: 'bogus' } } }) },
    { what: 'mount with a bad type', model: svc({ volumes: [{ type: 'weird', target: '/x' }] }) },
    { what: 'healthcheck test as a number', model: svc({ healthcheck: { test: 5 } }) },
    { what: 'memory limit as a number', model: svc({ deploy: { resources: { limits: { memory: 512 } } } }) },
    { what: 'duplicate ports', model: svc({ ports: ['80:80', '80:80'] }) },
    { what: 'cpu_percent above 100', model: svc({ cpu_percent: 101 }) },
    { what: 'gpus as a bad string', model: svc({ gpus: 'some' }) },
  );
  return out;
}

/** Variants both schemas must accept when the model itself is valid. */
function injectedValid(model: Model): { what: string; model: unknown }[] {
  const out: { what: string; model: unknown }[] = [
    { what: 'top-level extension', model: { ...model, 'x-mine': [1] } },
  ];
  const services = model.services;
  if (services === null || typeof services !== 'object' || Array.isArray(services)) return out;
  const name = Object.keys(services).find((k) => services[k] !== null && typeof services[k] === 'object');
  if (name === undefined || Array.isArray(services[name])) return out;
  const svc = (extra: Model) => withValue(model, ['services', name], { ...services[name], ...extra });
  out.push(
    { what: 'service extension', model: svc({ 'x-custom': { anything: [1] } }) },
    {
      what: 'ports with variables',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a JS template
      model: svc({ ports: ['${P}:80', { target: 80, published: '8080', 'x-a': 1 }] }),
    },
    { what: 'gpus all', model: svc({ gpus: 'all' }) },
  );
  return out;
}

/**
 * A model using every property a schema declares (first suitable branch of each oneOf, one entry under each
 * name pattern), so the fuzz also reaches attributes no corpus file uses.
 */
function kitchenSink(schema: Model): unknown {
  const deref = (node: Model): Model =>
    typeof node.$ref === 'string' ? deref(schema.$defs[node.$ref.replace('#/$defs/', '')]) : node;
  const build = (raw: Model, depth: number): unknown => {
    const node = deref(raw);
    if (node.oneOf) {
      const branches = (node.oneOf as Model[]).map(deref);
      const rich = branches.find((b) => b.properties || b.items || b.patternProperties) ?? branches[0]!;
      return build(rich, depth);
    }
    if (node.enum) return node.enum[0];
    const types: string[] = node.type === undefined ? ['object'] : [node.type].flat();
    if (types.includes('object') && depth < 12 && (node.properties || node.patternProperties)) {
      const out: Model = {};
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Model>)) {
        out[k] = build(v, depth + 1);
      }
      for (const [pattern, v] of Object.entries((node.patternProperties ?? {}) as Record<string, Model>)) {
        if (pattern === '^x-') out['x-ext'] = { any: 1 };
        else out[pattern.includes('a-z') ? 'name1' : 'key.one'] = build(v, depth + 1);
      }
      return out;
    }
    if (types.includes('array') && depth < 12) return node.items ? [build(node.items, depth + 1)] : [];
    if (types.includes('string')) return node.pattern ? 'always' : 'abc';
    if (types.includes('integer') || types.includes('number')) return 1;
    if (types.includes('boolean')) return true;
    if (types.includes('object')) return {};
    return null;
  };
  return build(schema, 0);
}

const sinks = [
  { name: 'kitchen sink from compose-go schema', model: kitchenSink(upstreamSchema) },
  {
    name: 'kitchen sink from berth schema',
    model: kitchenSink(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/compose-spec.json'), 'utf8'))),
  },
];

let agreed = 0;
let total = 0;
let unparsable = 0;
let documents = 0;

describe('schema verdicts agree with compose-go', () => {
  for (const { file, name } of files) {
    const run = () => {
      let docs: unknown[];
      try {
        docs = parseYaml(readFileSync(file, 'utf8'), file).map((d) => d.value);
      } catch {
        unparsable++; // not YAML a loader would get past (tabs, alias bombs, duplicate keys…)
        return;
      }
      expect(disagreementsOn(docs, 80)).toEqual([]);
    };
    const why = exceptions.get(name);
    if (why) it(`${name} (exception: ${why})`, () => expect(run).toThrow());
    else it(name, run);
  }
  for (const sink of sinks) {
    it(sink.name, () => {
      expect(upstreamAccepts(sink.model), 'compose-go accepts the kitchen sink').toBe(true);
      expect(checkSchema(sink.model)).toBeUndefined();
      expect(disagreementsOn([sink.model], 5000)).toEqual([]);
    });
  }
  afterAll(() =>
    console.log(
      `conformance schema: ${agreed}/${total} agree (${files.length} files + ${sinks.length} kitchen sinks, ${documents} documents, ${unparsable} unparsable files skipped)`,
    ),
  );
});

/** Validates documents and their mutations with both schemas; returns where the verdicts differ. */
function disagreementsOn(docs: readonly unknown[], maxNodes: number): string[] {
  const disagreements: string[] = [];
  const compare = (what: string, model: unknown, expected?: boolean) => {
    total++;
    const ours = oursAccepts(model);
    const theirs = upstreamAccepts(model);
    if (ours === theirs && (expected === undefined || ours === expected)) agreed++;
    else {
      const v = checkSchema(model);
      disagreements.push(
        `${what}: berth ${ours ? 'accepts' : `rejects (${v?.upstreamMessage})`}, compose-go ${theirs ? 'accepts' : 'rejects'}` +
          (expected === undefined ? '' : `, expected ${expected ? 'valid' : 'invalid'}`),
      );
    }
  };
  for (const [d, model] of docs.entries()) {
    documents++;
    compare(`document ${d}`, model);
    if (model === null || typeof model !== 'object' || Array.isArray(model)) continue;
    const baseValid = upstreamAccepts(model);
    for (const m of injectedErrors(model as Model)) compare(`document ${d}, ${m.what}`, m.model, false);
    // Valid additions keep a valid model valid; on an invalid one only agreement is checked.
    for (const m of injectedValid(model as Model)) {
      compare(`document ${d}, ${m.what}`, m.model, baseValid ? true : undefined);
    }
    for (const path of nodePaths(model, maxNodes)) {
      const at = path.join('.');
      for (const [i, r] of REPLACEMENTS.entries()) {
        compare(`document ${d}, ${at} := #${i}`, withValue(model, path, r));
      }
      const last = path[path.length - 1];
      if (typeof last === 'string')
        compare(`document ${d}, ${at} renamed`, withValue(model, path, null, `${last}z`));
    }
  }
  return disagreements;
}

// ---------------------------------------------------------------------------------------------------------
// 3. compose-go's wording of the loader cases that expect a schema error

interface LoaderExpect {
  files: string[];
  error?: string;
  options?: { skipValidation?: boolean };
}

const loaderRoot = join(CORPUS, 'loader');
const schemaErrorCases = readdirSync(loaderRoot)
  .filter((n) => n !== 'testdata' && n !== 'other-fixtures')
  .flatMap((n) => {
    const expectFile = join(loaderRoot, n, 'expect.json');
    try {
      const e = JSON.parse(readFileSync(expectFile, 'utf8')) as LoaderExpect;
      if (e.error === undefined || e.options?.skipValidation || e.files.length !== 1) return [];
      // compose-go rejects non-string keys while decoding, before the schema sees the model.
      if (e.error.startsWith('non-string key')) return [];
      const file = join(loaderRoot, n, e.files[0]!);
      const docs = parseYaml(readFileSync(file, 'utf8'), file);
      const model = docs[0]?.value;
      if (model === null || typeof model !== 'object' || Array.isArray(model)) return [];
      const violation = checkSchema(model);
      // Only cases where the schema is what fails: other phases own the rest.
      return violation && !upstreamAccepts(model) ? [{ name: n, expected: e.error, violation }] : [];
    } catch {
      return [];
    }
  })
  .sort((a, b) => a.name.localeCompare(b.name));

describe('loader cases failing on the schema use compose-go wording', () => {
  it('finds the schema-error loader cases', () => expect(schemaErrorCases.length).toBeGreaterThan(10));
  for (const c of schemaErrorCases) {
    it(c.name, () => expect(c.violation.upstreamMessage).toContain(c.expected));
  }
});
