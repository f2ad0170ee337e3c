/**
 * Unicity phase — compose-go override/uncity.go (`EnforceUnicity`). Appending lists when files are
 * merged can define the same port, mount, env var… twice; each list below has a key per entry, and a
 * later entry with a key already seen replaces the earlier one *in the earlier position*. Runs after
 * every merge and again after the canonical (long syntax) transform, which can reveal new duplicates.
 */
import { ComposeError } from '../api/errors.js';
import {
  goTypeName,
  goValueString,
  isMapping,
  type ModelPath,
  PathPatterns,
  type PatternCursor,
} from './merge.js';
import type { Dict } from './yaml.js';

/** Computes an entry's identity; `where` builds compose-go's `path.[i]` for messages. */
type Indexer = (entry: unknown, where: () => string) => string;

const UNIQUE = new PathPatterns<Indexer>([
  ['networks.*.labels', keyValueIndexer],
  ['networks.*.ipam.options', keyValueIndexer],
  ['services.*.annotations', keyValueIndexer],
  ['services.*.build.args', keyValueIndexer],
  ['services.*.build.additional_contexts', keyValueIndexer],
  ['services.*.build.platform', keyValueIndexer],
  ['services.*.build.tags', keyValueIndexer],
  ['services.*.build.labels', keyValueIndexer],
  ['services.*.cap_add', keyValueIndexer],
  ['services.*.cap_drop', keyValueIndexer],
  ['services.*.configs', mountIndexer('')],
  ['services.*.deploy.labels', keyValueIndexer],
  ['services.*.devices', deviceMappingIndexer],
  ['services.*.dns', keyValueIndexer],
  ['services.*.dns_opt', keyValueIndexer],
  ['services.*.dns_search', keyValueIndexer],
  ['services.*.environment', keyValueIndexer],
  ['services.*.env_file', envFileIndexer],
  ['services.*.expose', exposeIndexer],
  ['services.*.labels', keyValueIndexer],
  ['services.*.links', keyValueIndexer],
  ['services.*.networks.*.aliases', keyValueIndexer],
  ['services.*.networks.*.link_local_ips', keyValueIndexer],
  ['services.*.ports', portIndexer],
  ['services.*.profiles', keyValueIndexer],
  ['services.*.secrets', mountIndexer('/run/secrets')],
  ['services.*.sysctls', keyValueIndexer],
  ['services.*.tmpfs', keyValueIndexer],
  ['services.*.volumes', volumeIndexer],
]);

/**
 * Removes redefinitions from the lists compose-go keeps unique. Mutates `dict` (lists are replaced
 * by de-duplicated copies) and returns it. Linear in the size of the lists concerned.
 */
export function enforceUnicity(dict: Dict): Dict {
  walk(dict, [], UNIQUE.start());
  return dict;
}

function walk(node: Dict, path: ModelPath, cursor: PatternCursor<Indexer>): void {
  for (const key of Object.keys(node)) {
    const next = UNIQUE.step(cursor, key);
    if (next.length === 0) continue; // no unique list can lie below this key
    const value = node[key];
    const childPath = [...path, key];
    if (Array.isArray(value)) {
      const indexer = UNIQUE.rule(next);
      if (indexer) node[key] = dedupe(value, indexer, childPath);
    } else if (isMapping(value)) {
      walk(value, childPath, next);
    }
  }
}

function dedupe(list: readonly unknown[], indexer: Indexer, path: ModelPath): unknown[] {
  const out: unknown[] = [];
  const positions = new Map<string, number>();
  list.forEach((entry, i) => {
    let key: string;
    try {
      key = indexer(entry, () => `${path.join('.')}.[${i}]`);
    } catch (err) {
      if (err instanceof ComposeError && !err.location) err.location = { path: [...path, i] };
      throw err;
    }
    const at = positions.get(key);
    if (at === undefined) {
      positions.set(key, out.length);
      out.push(entry);
    } else {
      out[at] = entry;
    }
  });
  return out;
}

function invalid(message: string): ComposeError {
  return new ComposeError('COMPOSE_INVALID', message);
}

// ---------------------------------------------------------------------------------------------
// Indexers. Where compose-go formats a key with Printf, mismatched types are spelled the way Go
// prints them (`%!s(int=80)`), so two entries collide exactly when they would upstream.

/** `K=V` or `K`: the key. */
function keyValueIndexer(entry: unknown, where: () => string): string {
  if (typeof entry !== 'string') throw invalid(`${where()}: unexpected type ${goTypeName(entry)}`);
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** A service volume: its mount target. */
function volumeIndexer(entry: unknown, where: () => string): string {
  if (isMapping(entry)) {
    if (typeof entry.target !== 'string')
      throw invalid(`service volume ${where()} is missing a mount target`);
    return entry.target;
  }
  if (typeof entry === 'string') return parseVolumeSpec(entry).target;
  return '';
}

/** A device: its path in the container (`host:container[:perms]`). */
function deviceMappingIndexer(entry: unknown, where: () => string): string {
  if (isMapping(entry)) {
    if (typeof entry.target !== 'string')
      throw invalid(`service device ${where()} is missing a mount target`);
    return entry.target;
  }
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    return parts.length === 1 ? parts[0]! : parts[1]!;
  }
  return '';
}

function exposeIndexer(entry: unknown, where: () => string): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'number' && Number.isInteger(entry)) return String(entry);
  throw invalid(`${where()}: unsupported expose value ${goPrintS(entry)}`);
}

/** secrets/configs: the target, which defaults to `<defaultDir>/<source>`. */
function mountIndexer(defaultDir: string): Indexer {
  return (entry, where) => {
    if (typeof entry === 'string') return `${defaultDir}/${entry}`;
    if (isMapping(entry)) {
      if (Object.hasOwn(entry, 'target')) return goValueString(entry.target);
      return `${defaultDir}/${goPrintS(entry.source)}`;
    }
    throw invalid(`${where()}: unsupported expose value ${goPrintS(entry)}`);
  };
}

/** A port: short syntax as written; long syntax as `host_ip:published:target/protocol`. */
function portIndexer(entry: unknown, where: () => string): string {
  if (typeof entry === 'number') return Number.isInteger(entry) ? String(entry) : '';
  if (typeof entry === 'string') return entry;
  if (!isMapping(entry)) return '';
  if (!Object.hasOwn(entry, 'target')) throw invalid(`service ports ${where()} is missing a target port`);
  const host = Object.hasOwn(entry, 'host_ip') ? entry.host_ip : '0.0.0.0';
  const protocol = Object.hasOwn(entry, 'protocol') ? entry.protocol : 'tcp';
  return `${goPrintS(host)}:${goPrintS(entry.published)}:${goPrintD(entry.target)}/${goPrintS(protocol)}`;
}

function envFileIndexer(entry: unknown, where: () => string): string {
  if (typeof entry === 'string') return entry;
  if (isMapping(entry)) {
    if (Object.hasOwn(entry, 'path')) return goValueString(entry.path);
    throw invalid(`environment path attribute ${where()} is missing`);
  }
  return '';
}

/** Go's `%s` of a value. */
function goPrintS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  return `%!s(${goTypeName(v)}=${goValueString(v)})`;
}

/** Go's `%d` of a value. */
function goPrintD(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (v === null || v === undefined) return '%!d(<nil>)';
  return `%!d(${goTypeName(v)}=${goValueString(v)})`;
}

// ---------------------------------------------------------------------------------------------

/** The parts of a short-syntax volume (`source:target:options`) that identify it. */
export interface VolumeSpecParts {
  /** As written, empty for an anonymous volume. It is always a prefix of the spec. */
  source: string;
  target: string;
}

/**
 * compose-go format.ParseVolume, reduced to source and target: colons split the sections, except
 * inside `${…}` and after a Windows drive letter (`C:`).
 */
export function parseVolumeSpec(spec: string): VolumeSpecParts {
  if (spec.length === 0) throw invalid('invalid empty volume spec');
  if (spec.length <= 2) return { source: '', target: spec };
  let source = '';
  let target = '';
  let buffer = '';
  let depth = 0;
  const fail = (why: string) => invalid(`invalid spec: ${spec}: ${why}`);
  const chars = Array.from(spec);
  for (let i = 0; i <= chars.length; i++) {
    const end = i === chars.length;
    const ch = end ? '' : chars[i]!;
    if (ch === '$' && chars[i + 1] === '{') {
      depth++;
      buffer += ch;
      continue;
    }
    if (ch === '}' && depth > 0) {
      depth--;
      buffer += ch;
      continue;
    }
    const drive = ch === ':' && Array.from(buffer).length === 1 && /\p{L}/u.test(buffer);
    if (!drive && (ch === ':' || end) && depth === 0) {
      if (buffer === '') throw fail('empty section between colons');
      if (source === '' && end) target = buffer;
      else if (source === '') source = buffer;
      else if (target === '') target = buffer;
      else if (ch === ':') throw fail('too many colons');
      buffer = '';
    } else {
      buffer += ch;
    }
  }
  return { source, target };
}
