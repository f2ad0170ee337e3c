/**
 * Phase: schema validation (compose-go schema/schema.go, run on the merged model of each file). The model is
 * checked against berth's own Compose schema, schemas/compose-spec.json (draft 2020-12), which accepts
 * exactly what compose-go's schema accepts. The validator is ajv standalone code generated at build time
 * (scripts/build-schema-validator.mjs): compiling the schema at run time would cost the CLI ≈400 ms.
 *
 * Like compose-go's getMostSpecificError, one error is reported: the deepest in the model, an unknown key
 * counting one level deeper than its mapping. Among equally deep errors an unknown key wins, then a
 * broken constraint, then a wrong type; wrong types or values offered by alternatives (oneOf) are merged
 * into one message ("must be "all" or a list").
 */
import type { ErrorObject } from 'ajv';
import { ComposeError, type YamlPath } from '../api/errors.js';
import { schemaText, validate as validateGenerated } from './schema-validator.generated.js';
import type { Dict } from './yaml.js';

/** The one error reported for a model that fails the schema. */
export interface SchemaViolation {
  /** YAML path of the offending node; for an unknown key, the mapping that holds it. */
  path: (string | number)[];
  /** For an unknown key: that key (the error's line/column point at it). */
  key?: string;
  /** The JSON-schema keyword that failed: additionalProperties, type, required, enum, … */
  keyword: string;
  /** berth's message, without the path. */
  message: string;
  /** An obvious fix, when there is one. */
  hint?: string;
  /**
   * compose-go's wording of the same error, with its dotted path (`services.web additional properties
   * 'imagee' not allowed`, `services.tmpfs.volumes.0.tmpfs.size must be a integer`). Conformance cases
   * written against compose-go match this text.
   */
  upstreamMessage: string;
}

/** A schema violation, thrown by {@link validateSchema} (code `COMPOSE_SCHEMA`). */
export class SchemaError extends ComposeError {
  /** compose-go's wording, see {@link SchemaViolation.upstreamMessage}. */
  readonly upstreamMessage: string;
  readonly keyword: string;

  constructor(violation: SchemaViolation) {
    super('COMPOSE_SCHEMA', violation.message, {
      hint: violation.hint,
      location: { path: violation.path, key: violation.key },
    });
    this.upstreamMessage = violation.upstreamMessage;
    this.keyword = violation.keyword;
  }
}

/**
 * Validates one merged model against the Compose schema. Pure: the model is not changed.
 * @throws SchemaError (a ComposeError with code `COMPOSE_SCHEMA`) describing the most specific error.
 */
export function validateSchema(dict: Dict): void {
  const violation = checkSchema(dict);
  if (violation) throw new SchemaError(violation);
}

/** Like {@link validateSchema}, but returns the violation (or `undefined` when the model is valid). */
export function checkSchema(model: unknown): SchemaViolation | undefined {
  if (validateGenerated(model)) return undefined;
  return formatSchemaError(validateGenerated.errors ?? [], model);
}

/**
 * Picks the most specific of a validation's errors and words it. `errors` are ajv errors of a validation
 * run with `allErrors` (from berth's schema, or from any schema shaped like it); `model` is the data that
 * was validated, used to tell list indexes from keys and to word hints.
 */
export function formatSchemaError(errors: readonly ErrorObject[], model: unknown): SchemaViolation {
  const candidates = errors.map((error, index) => candidate(error, index));
  const relevant = candidates.filter((c) => !isNoMatchSummary(c.error));
  const pool = relevant.length > 0 ? relevant : candidates;
  if (pool.length === 0) {
    return { path: [], keyword: 'schema', message: 'is not valid', upstreamMessage: 'is not valid' };
  }
  const deepest = Math.max(...pool.map((c) => c.specificity));
  const tied = pool.filter((c) => c.specificity === deepest);
  // compose-go keeps the first of the equally specific errors; berth prefers the most telling keyword.
  const first = tied[0]!;
  const chosen = [...tied].sort(
    (a, b) => rank(a.error.keyword) - rank(b.error.keyword) || a.index - b.index,
  )[0]!;
  const described = describe(chosen, siblingsOf(chosen, tied), model);
  return { ...described, upstreamMessage: upstreamMessage(first, siblingsOf(first, tied), model) };
}

function siblingsOf(c: Candidate, tied: readonly Candidate[]): Candidate[] {
  return tied.filter((o) => o.error.instancePath === c.error.instancePath);
}

// ---------------------------------------------------------------------------------------------------------
// Selection

interface Candidate {
  error: ErrorObject;
  index: number;
  /** Instance path tokens (decoded JSON pointer). */
  tokens: string[];
  /** compose-go's specificity: path depth, plus one for an unknown key. */
  specificity: number;
}

function candidate(error: ErrorObject, index: number): Candidate {
  const tokens = pointerTokens(error.instancePath);
  const specificity = tokens.length + (error.keyword === 'additionalProperties' ? 1 : 0);
  return { error, index, tokens, specificity };
}

/** A oneOf/anyOf that matched nothing only repeats its branches' errors. */
function isNoMatchSummary(error: ErrorObject): boolean {
  return (error.keyword === 'oneOf' || error.keyword === 'anyOf') && !error.params?.passingSchemas;
}

function rank(keyword: string): number {
  switch (keyword) {
    case 'additionalProperties':
      return 0;
    case 'type':
      return 2;
    case 'oneOf':
    case 'anyOf':
      return 3;
    default:
      return 1;
  }
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Tokens → YAML path: a token below a list is an index. */
function yamlPath(tokens: readonly string[], model: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let cur: any = model;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(t);
      cur = cur !== null && typeof cur === 'object' ? cur[t] : undefined;
    }
  }
  return out;
}

function valueAt(model: unknown, path: YamlPath): unknown {
  let cur: any = model;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------------------
// Wording

type Described = Omit<SchemaViolation, 'upstreamMessage'>;

function describe(chosen: Candidate, siblings: readonly Candidate[], model: unknown): Described {
  const { error, tokens } = chosen;
  const path = yamlPath(tokens, model);
  const value = valueAt(model, path);
  const keyword = error.keyword;

  switch (keyword) {
    case 'additionalProperties': {
      const keys = paramsOf(siblings, keyword, 'additionalProperty');
      const message = `unknown ${keys.length === 1 ? 'key' : 'keys'} ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
      return { path, key: keys[0], keyword, message, hint: unknownKeyHint(keys, tokens, model) };
    }
    case 'required': {
      const missing = paramsOf(siblings, keyword, 'missingProperty');
      return { path, keyword, message: missingText(missing), hint: requiredHint(missing[0]!, tokens, model) };
    }
    case 'type':
    case 'enum':
    case 'const': {
      const alternatives = siblings.filter((c) => VALUE_KEYWORDS.has(c.error.keyword));
      return {
        path,
        keyword,
        message: alternativesMessage(alternatives),
        hint: valueHint(alternatives, value),
      };
    }
    case 'minimum':
    case 'maximum':
      return { path, keyword, message: boundText(error) };
    case 'pattern': {
      const last = String(path[path.length - 1] ?? 'value');
      return {
        path,
        keyword,
        message: `${JSON.stringify(value)} is not a valid ${last.replaceAll('_', ' ')}`,
        hint: PATTERN_HINTS[last],
      };
    }
    case 'uniqueItems': {
      const [earlier, later] = duplicateIndexes(error);
      return {
        path: [...path, later],
        keyword,
        message: `duplicate entry: same as item ${earlier}`,
        hint: 'remove the duplicate',
      };
    }
    case 'format':
      return { path, keyword, message: `${JSON.stringify(value)} is not a valid ${error.params.format}` };
    case 'oneOf':
    case 'anyOf':
      return { path, keyword, message: 'matches more than one of the allowed forms' };
    default:
      return { path, keyword, message: `is not valid (${keyword})` };
  }
}

/** compose-go's text for an error: `<dotted path> <jsonschema kind message>` (schema.go validationError). */
function upstreamMessage(c: Candidate, siblings: readonly Candidate[], model: unknown): string {
  const error = c.error;
  const value = valueAt(model, yamlPath(c.tokens, model));
  let text: string;
  switch (error.keyword) {
    case 'additionalProperties':
      text = `additional properties ${quoteAll(paramsOf(siblings, 'additionalProperties', 'additionalProperty'))} not allowed`;
      break;
    case 'required':
      text = missingText(paramsOf(siblings, 'required', 'missingProperty'));
      break;
    case 'type':
      text = `must be a ${orList(expectedTypes(error).map((t) => (t === 'object' ? 'mapping' : t)))}`;
      break;
    case 'enum':
    case 'const': {
      const shown = allowedValues(error).map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
      text = shown.length === 1 ? `value must be ${shown[0]}` : `value must be one of ${shown.join(', ')}`;
      break;
    }
    case 'minimum':
    case 'maximum':
      text = boundText(error);
      break;
    case 'pattern':
      text = `'${String(value)}' does not match pattern '${error.params.pattern}'`;
      break;
    case 'uniqueItems': {
      const [earlier, later] = duplicateIndexes(error);
      text = `items at ${earlier} and ${later} are equal`;
      break;
    }
    case 'format':
      text = `'${String(value)}' is not valid ${error.params.format}`;
      break;
    case 'oneOf':
    case 'anyOf':
      text = `oneOf failed, subschemas ${((error.params.passingSchemas as number[] | null) ?? []).join(', ')} matched`;
      break;
    default:
      text = `${error.keyword} failed`;
  }
  const where = c.tokens.join('.');
  return where === '' ? text : `${where} ${text}`;
}

const VALUE_KEYWORDS = new Set(['type', 'enum', 'const']);

const PATTERN_HINTS: Record<string, string> = {
  container_name: 'a container name starts with a letter or digit, then letters, digits, "_", "." or "-"',
  pull_policy: 'use always, never, missing, build, daily, weekly or every_<duration> (e.g. every_12h)',
};

function paramsOf(siblings: readonly Candidate[], keyword: string, param: string): string[] {
  return siblings.filter((c) => c.error.keyword === keyword).map((c) => String(c.error.params[param]));
}

function quoteAll(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

function missingText(missing: readonly string[]): string {
  return missing.length === 1
    ? `missing property '${missing[0]}'`
    : `missing properties ${quoteAll(missing)}`;
}

function boundText(error: ErrorObject): string {
  const side = error.keyword === 'minimum' ? 'greater' : 'less';
  return `must be ${side} than or equal to ${error.params.limit}`;
}

function duplicateIndexes(error: ErrorObject): [number, number] {
  const { i, j } = error.params as { i: number; j: number };
  return [Math.min(i, j), Math.max(i, j)];
}

function expectedTypes(error: ErrorObject): string[] {
  const t = error.params.type as string | string[];
  return Array.isArray(t) ? t : String(t).split(',');
}

function allowedValues(error: ErrorObject): unknown[] {
  return error.keyword === 'const' ? [error.params.allowedValue] : (error.params.allowedValues as unknown[]);
}

function typeWord(type: string): string {
  if (type === 'object') return 'mapping';
  if (type === 'array') return 'list';
  return type;
}

function withArticle(word: string): string {
  if (word === 'null' || word.startsWith('"')) return word;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** ["a", "b", "c"] → "a, b or c". */
function orList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/**
 * The type and value errors found on one node, as one message. Errors of one schema (or one oneOf
 * branch) that fails on its allowed values drop that schema's type error: the values say more.
 */
function alternativesMessage(alternatives: readonly Candidate[]): string {
  const withValues = new Set(
    alternatives.filter((c) => c.error.keyword !== 'type').map((c) => schemaOf(c.error.schemaPath)),
  );
  const kept = alternatives.filter(
    (c) => c.error.keyword !== 'type' || !withValues.has(schemaOf(c.error.schemaPath)),
  );
  if (kept.length === 1) {
    const e = kept[0]!.error;
    if (e.keyword !== 'type') {
      const allowed = allowedValues(e);
      if (allowed.length === 1) return `must be ${JSON.stringify(allowed[0])}`;
      return `must be one of: ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
    }
  }
  const words: string[] = [];
  for (const c of kept) {
    if (c.error.keyword === 'type') {
      for (const t of expectedTypes(c.error)) words.push(withArticle(typeWord(t)));
    } else {
      for (const v of allowedValues(c.error)) words.push(JSON.stringify(v));
    }
  }
  return `must be ${orList([...new Set(words)])}`;
}

/** `#/oneOf/1/type` → `#/oneOf/1`: the schema a keyword belongs to. */
function schemaOf(schemaPath: string): string {
  return schemaPath.replace(/\/[^/]*$/, '');
}

// ---------------------------------------------------------------------------------------------------------
// Hints

function valueHint(alternatives: readonly Candidate[], value: unknown): string | undefined {
  const types = new Set(
    alternatives.filter((c) => c.error.keyword === 'type').flatMap((c) => expectedTypes(c.error)),
  );
  if (value === null) return 'the key has no value: give it one or remove the key';
  // With a list of allowed values, the message already says what to write.
  if (types.size === 0 || alternatives.some((c) => c.error.keyword !== 'type')) return undefined;
  if (types.has('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return 'quote the value so YAML reads it as a string';
  }
  if (typeof value === 'string' && types.has('object') && types.has('array')) {
    return 'write a mapping (KEY: value) or a list of KEY=value strings';
  }
  if (typeof value === 'string' && types.has('array') && !types.has('string')) {
    return `write a list, e.g. [${JSON.stringify(value)}]`;
  }
  return undefined;
}

function requiredHint(missing: string, tokens: readonly string[], model: unknown): string | undefined {
  const node = schemaAt(tokens, model);
  const prop = node?.properties?.[missing];
  const resolved = prop ? deref(prop) : undefined;
  if (resolved?.enum) return `add "${missing}": one of ${resolved.enum.map(String).join(', ')}`;
  return undefined;
}

function unknownKeyHint(
  keys: readonly string[],
  tokens: readonly string[],
  model: unknown,
): string | undefined {
  const node = schemaAt(tokens, model);
  if (!node) return undefined;
  const known = Object.keys(node.properties ?? {});
  const hints: string[] = [];
  for (const key of keys) {
    const close = closestKey(key, known);
    const parent = nestedOwner(node, key);
    if (parent) {
      hints.push(`"${key}" belongs under "${parent}"${close ? ` (or did you mean "${close}"?)` : ''}`);
      continue;
    }
    if (close) {
      hints.push(`did you mean "${close}"?`);
      continue;
    }
    if (tokens.length === 0) {
      const v = (model as Dict)[key];
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && ('image' in v || 'build' in v)) {
        hints.push('declare services under "services:" (the version 1 file format is not supported)');
      }
    }
  }
  if (hints.length > 0) return keys.length === 1 ? hints[0] : [...new Set(hints)].join('; ');
  const patterns = Object.keys(node.patternProperties ?? {});
  if (known.length === 0 && patterns.includes(NAME_PATTERN)) {
    return 'names may only contain letters, digits, ".", "_" and "-"';
  }
  if (patterns.includes('^x-')) return 'custom keys must start with "x-"';
  return undefined;
}

const NAME_PATTERN = '^[a-zA-Z0-9._-]+$';

/** The closest allowed key, when it is close enough to be a likely typo. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  const limit = k.length <= 4 ? 1 : k.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of allowed) {
    if (Math.abs(candidate.length - k.length) >= bestDistance) continue;
    const d = editDistance(k, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Damerau-Levenshtein distance (optimal string alignment): swapping two neighbours costs one edit. */
export function editDistance(a: string, b: string): number {
  let beforePrev = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, beforePrev[j - 2]! + 1);
      cur[j] = v;
    }
    [beforePrev, prev, cur] = [prev, cur, beforePrev];
  }
  return prev[b.length]!;
}

/** A child (or grandchild) mapping of `node` that declares `key`, e.g. "deploy" for `replicas`. */
function nestedOwner(node: SchemaNode, key: string): string | undefined {
  const children = Object.entries(node.properties ?? {}).map(([name, s]) => [name, deref(s)] as const);
  for (const [name, child] of children) if (child.properties && key in child.properties) return name;
  for (const [name, child] of children) {
    for (const [sub, s] of Object.entries(child.properties ?? {})) {
      const grandchild = deref(s);
      if (grandchild.properties && key in grandchild.properties) return `${name}.${sub}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Schema lookups (error path only)

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  enum?: unknown[];
  $defs?: Record<string, SchemaNode>;
}

let rootSchema: SchemaNode | undefined;

function root(): SchemaNode {
  rootSchema ??= JSON.parse(schemaText) as SchemaNode;
  return rootSchema;
}

function deref(node: SchemaNode): SchemaNode {
  let cur = node;
  for (let guard = 0; cur.$ref && guard < 32; guard++) {
    const name = cur.$ref.replace(/^#\/\$defs\//, '');
    const target = root().$defs?.[name];
    if (!target) break;
    cur = target;
  }
  return cur;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function accepts(node: SchemaNode, value: unknown): boolean {
  if (node.type === undefined) return true;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const t = jsonType(value);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

/** The alternative of a oneOf whose type fits the value (the first one if none does). */
function branchFor(node: SchemaNode, value: unknown): SchemaNode {
  if (!node.oneOf) return node;
  const branches = node.oneOf.map(deref);
  return branches.find((b) => accepts(b, value)) ?? branches[0]!;
}

/** The schema node describing the value at `tokens`, following $ref, items and (pattern) properties. */
function schemaAt(tokens: readonly string[], model: unknown): SchemaNode | undefined {
  let node = branchFor(deref(root()), model);
  let value: any = model;
  for (const token of tokens) {
    let next: SchemaNode | undefined;
    if (Array.isArray(value)) {
      next = node.items;
      value = value[Number(token)];
    } else {
      next = node.properties?.[token];
      if (!next) {
        const pattern = Object.keys(node.patternProperties ?? {}).find((p) => new RegExp(p, 'u').test(token));
        next = pattern === undefined ? undefined : node.patternProperties![pattern];
      }
      value = value !== null && typeof value === 'object' ? value[token] : undefined;
    }
    if (!next) return undefined;
    node = branchFor(deref(next), value);
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------------
// Durations

const GO_DURATION = /^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$/u;

/**
 * compose-go's `duration` format: Go's time.ParseDuration grammar (`10s`, `1m30s`, `1.5h`, `-2ms`, `0`).
 * The schema, like upstream's, does not apply it (a duration may still be `${VAR}` when validated, and
 * upstream accepts any string); the generator registers it so the schema may, and later phases can use it.
 */
export function isGoDuration(text: string): boolean {
  return GO_DURATION.test(text);
}
