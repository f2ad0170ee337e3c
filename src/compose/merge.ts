/**
 * Merge phase — how a later compose file (or an extending service) is laid over an earlier one.
 * Compose spec 13-merge.md as compose-go implements it (override/merge.go, `MergeYaml`):
 * mappings merge key by key, sequences are appended, scalars are replaced, and a table of per-path
 * rules handles the attributes whose short and long syntaxes must meet first (build, depends_on,
 * networks, environment-like K=V lists…) or that must never be merged (command, entrypoint,
 * healthcheck.test). `!reset`/`!override` are not handled here: the caller deletes the tagged paths
 * from the earlier model first (see reset.ts), so the later value lands unmerged.
 */
import { ComposeError } from '../api/errors.js';
import type { Dict } from './yaml.js';

/** A position in the model: the mapping keys from the root. */
export type ModelPath = readonly string[];

// ---------------------------------------------------------------------------------------------
// Path patterns (compose-go tree.Path.Matches): dotted keys, `*` matches any one key. Compiled
// into a trie walked alongside the model so a lookup costs O(1) per visited node.

interface PatternNode<T> {
  rule?: T;
  exact?: Map<string, PatternNode<T>>;
  any?: PatternNode<T>;
}

/** The trie nodes reached by a path; usually zero or one. */
export type PatternCursor<T> = readonly PatternNode<T>[];

/** A set of `a.*.b` path patterns, each bound to a rule. */
export class PathPatterns<T> {
  private readonly root: PatternNode<T> = {};

  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [pattern, rule] of entries) {
      let node = this.root;
      for (const part of pattern.split('.')) {
        if (part === '*') {
          node.any ??= {};
          node = node.any;
        } else {
          node.exact ??= new Map();
          let next = node.exact.get(part);
          if (!next) node.exact.set(part, (next = {}));
          node = next;
        }
      }
      node.rule = rule;
    }
  }

  /** The cursor for the empty path. */
  start(): PatternCursor<T> {
    return [this.root];
  }

  /** The cursor for `path` (from the root). */
  at(path: ModelPath): PatternCursor<T> {
    let cursor = this.start();
    for (const key of path) cursor = this.step(cursor, key);
    return cursor;
  }

  /** Moves a cursor one key down. An empty cursor stays empty: no pattern lies below. */
  step(cursor: PatternCursor<T>, key: string): PatternCursor<T> {
    if (cursor.length === 0) return cursor;
    if (cursor.length === 1) {
      const n = cursor[0]!;
      const exact = n.exact?.get(key);
      if (exact && n.any) return [exact, n.any];
      if (exact) return [exact];
      return n.any ? [n.any] : NO_MATCH;
    }
    const out: PatternNode<T>[] = [];
    for (const n of cursor) {
      const exact = n.exact?.get(key);
      if (exact) out.push(exact);
      if (n.any) out.push(n.any);
    }
    return out;
  }

  /** The rule of the pattern matching exactly this cursor's path, if any. */
  rule(cursor: PatternCursor<T>): T | undefined {
    for (const n of cursor) if (n.rule !== undefined) return n.rule;
    return undefined;
  }
}

const NO_MATCH: PatternCursor<never> = [];

// ---------------------------------------------------------------------------------------------
// Small helpers shared by the merge, unicity and extends phases.

export function isMapping(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets a key without tripping over `__proto__` (a legal YAML key). */
export function setKey(target: Dict, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Go's `%T` for a decoded YAML value, for messages. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's `%v` of a decoded YAML value: how compose-go spells `K=V` entries built from a mapping. */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloatString(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  if (isMapping(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goValueString(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** strconv 'g'/-1 as `%v` uses it: exponent form below 1e-4 or from 1e21, two-digit exponent. */
function goFloatString(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(n);
  if (n === 0 || (abs >= 1e-4 && abs < 1e21)) return String(n);
  const [mant, exp] = n.toExponential().split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[-+]/, '');
  return `${mant}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

// ---------------------------------------------------------------------------------------------
// The merge itself.

type Merger = (base: unknown, override: unknown, path: ModelPath, cursor: Cursor) => unknown;
type Cursor = PatternCursor<Merger>;

/** Later value wins outright: these are never merged (a command is not a list to extend). */
const replace: Merger = (_base, override) => override;

const SPECIALS = new PathPatterns<Merger>([
  ['networks.*.ipam.config', mergeIpamConfig],
  ['networks.*.labels', mergeToSequence],
  ['volumes.*.labels', mergeToSequence],
  ['services.*.annotations', mergeToSequence],
  ['services.*.build', mergeBuild],
  ['services.*.build.args', mergeToSequence],
  ['services.*.build.additional_contexts', mergeToSequence],
  ['services.*.build.extra_hosts', mergeExtraHosts],
  ['services.*.build.labels', mergeToSequence],
  ['services.*.command', replace],
  ['services.*.depends_on', mergeDependsOn],
  ['services.*.deploy.labels', mergeToSequence],
  ['services.*.dns', mergeToSequence],
  ['services.*.dns_opt', mergeToSequence],
  ['services.*.dns_search', mergeToSequence],
  ['services.*.entrypoint', replace],
  ['services.*.env_file', mergeToSequence],
  ['services.*.label_file', mergeToSequence],
  ['services.*.environment', mergeToSequence],
  ['services.*.extra_hosts', mergeExtraHosts],
  ['services.*.healthcheck.test', replace],
  ['services.*.labels', mergeToSequence],
  ['services.*.volumes.*.volume.labels', mergeToSequence],
  ['services.*.logging', mergeLogging],
  ['services.*.models', mergeKeyedMapping],
  ['services.*.networks', mergeKeyedMapping],
  ['services.*.sysctls', mergeToSequence],
  ['services.*.tmpfs', mergeToSequence],
  ['services.*.ulimits.*', replace],
]);

/**
 * compose-go `override.Merge`: lays `override` over `base` and returns the result.
 * Mutates and returns `base`; subtrees of `override` are adopted into it (not copied), so neither
 * argument should be used afterwards.
 */
export function mergeModels(base: Dict, override: Dict): Dict {
  return mergeAt(base, override, []) as Dict;
}

/**
 * compose-go `override.MergeYaml`: merges two values that sit at `path` in the model, so the per-path
 * rules apply (e.g. `['services', 'web']` for one service). Same ownership rules as {@link mergeModels}.
 */
export function mergeAt(base: unknown, override: unknown, path: ModelPath): unknown {
  return mergeYaml(base, override, path, SPECIALS.at(path));
}

/** compose-go `override.ExtendService`: a base service under the one that extends it. */
export function mergeService(base: Dict, service: Dict): Dict {
  return mergeAt(base, service, ['services', 'x']) as Dict;
}

function mergeYaml(base: unknown, override: unknown, path: ModelPath, cursor: Cursor): unknown {
  const special = SPECIALS.rule(cursor);
  if (special) return special(base, override, path, cursor);
  if (override === null || override === undefined) return base;
  if (isMapping(base)) {
    if (!isMapping(override)) throw cannotOverride(path);
    return mergeMappings(base, override, path, cursor);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw cannotOverride(path);
    return appendAll(base, override);
  }
  return override;
}

function cannotOverride(path: ModelPath): ComposeError {
  return new ComposeError('COMPOSE_INVALID', `cannot override ${path.join('.')}`, {
    location: { path },
    hint: 'the later file gives this attribute a different kind of value (mapping, list or scalar)',
  });
}

function mergeMappings(base: Dict, override: Dict, path: ModelPath, cursor: Cursor): Dict {
  for (const key of Object.keys(override)) {
    const value = override[key];
    if (!Object.hasOwn(base, key)) {
      setKey(base, key, value);
      continue;
    }
    setKey(base, key, mergeYaml(base[key], value, [...path, key], SPECIALS.step(cursor, key)));
  }
  return base;
}

function appendAll(target: unknown[], more: readonly unknown[]): unknown[] {
  for (const v of more) target.push(v);
  return target;
}

/** Logging options only make sense for one driver: merge them only when the drivers agree. */
function mergeLogging(base: unknown, override: unknown, path: ModelPath, cursor: Cursor): unknown {
  if (override === null || override === undefined) return base;
  if (!isMapping(base) || !isMapping(override)) return override;
  const sameOrUnset =
    !Object.hasOwn(override, 'driver') || !Object.hasOwn(base, 'driver') || override.driver === base.driver;
  return sameOrUnset ? mergeMappings(base, override, path, cursor) : override;
}

/** `build: ./dir` is `build: {context: ./dir}`. */
function mergeBuild(base: unknown, override: unknown, path: ModelPath, cursor: Cursor): unknown {
  const toBuild = (v: unknown): Dict | undefined =>
    typeof v === 'string' ? { context: v } : isMapping(v) ? v : undefined;
  const b = toBuild(base);
  const o = toBuild(override);
  if (!o) return b ?? null;
  return mergeMappings(b ?? {}, o, path, cursor);
}

function mergeDependsOn(base: unknown, override: unknown, path: ModelPath, cursor: Cursor): unknown {
  const defaults = { condition: 'service_started', required: true };
  return mergeMappings(toMapping(base, defaults), toMapping(override, defaults), path, cursor);
}

/** `networks` / `models`: a list of names is a mapping of names to nothing. */
function mergeKeyedMapping(base: unknown, override: unknown, path: ModelPath, cursor: Cursor): unknown {
  return mergeMappings(toMapping(base), toMapping(override), path, cursor);
}

function toMapping(v: unknown, defaults?: Dict): Dict {
  if (isMapping(v)) return v;
  const out: Dict = {};
  if (Array.isArray(v)) {
    for (const item of v) setKey(out, String(item), defaults ? { ...defaults } : null);
  }
  return out;
}

/** `K=V` attributes (environment, labels…): both sides as lists, later entries appended. */
function mergeToSequence(base: unknown, override: unknown): unknown {
  return appendAll(toSequence(base), toSequence(override));
}

/** extra_hosts: appended, but an entry the earlier list already has is not repeated. */
function mergeExtraHosts(base: unknown, override: unknown): unknown {
  const right = toSequence(base);
  const seen = new Set(right);
  for (const v of toSequence(override)) if (!seen.has(v)) right.push(v);
  return right;
}

/**
 * compose-go convertIntoSequence: a mapping becomes sorted `K=V` strings (`K` alone for a null value,
 * one `K=V` per item for a list value); a list stays as is; a string becomes a one-item list.
 */
export function toSequence(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  if (!isMapping(v)) return [];
  const seq: string[] = [];
  for (const key of Object.keys(v)) {
    const val = v[key];
    if (val === null || val === undefined) seq.push(key);
    else if (Array.isArray(val)) for (const item of val) seq.push(`${key}=${goValueString(item)}`);
    else seq.push(`${key}=${goValueString(val)}`);
  }
  return seq.sort(compareStrings);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * networks.*.ipam.config: entries are matched by `subnet`. This follows compose-go's algorithm
 * step by step (it is order-sensitive: an override subnet absent from the base is added once,
 * a matching one is merged into the base entry).
 */
function mergeIpamConfig(base: unknown, override: unknown, path: ModelPath, cursor: Cursor): unknown {
  if (!Array.isArray(base) || !Array.isArray(override)) {
    throw new ComposeError('COMPOSE_INVALID', `${path.join('.')}: unexpected type ${goTypeName(base)}`, {
      location: { path },
    });
  }
  const configs: Dict[] = [];
  const indexOfSubnet = (subnet: unknown) => configs.findIndex((c) => c.subnet === subnet);
  for (const original of base) {
    const right = isMapping(original) ? original : {};
    for (const entry of override) {
      const left = isMapping(entry) ? entry : {};
      if (left.subnet !== right.subnet && indexOfSubnet(left.subnet) < 0) {
        configs.push(left);
        continue;
      }
      const merged = mergeMappings(right, left, path, cursor);
      const at = indexOfSubnet(merged.subnet);
      if (at >= 0) configs[at] = merged;
      else configs.push(merged);
    }
  }
  return configs;
}
