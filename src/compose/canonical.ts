/**
 * Canonical form — compose-go `transform.Canonical` (transform/*.go): short syntax becomes long syntax
 * so later phases see one shape (spec 05-services.md, 06-networks … 09-secrets.md, 14-include.md):
 * - `ports` strings/numbers → `{mode, host_ip?, target, published?, protocol}`, ranges expanded
 *   (canonical/ports.ts); `volumes` strings → `{type, source?, target, read_only?, bind?, volume?}`
 *   (canonical/volumes.ts); `devices` `src[:dst[:perms]]` → `{source, target, permissions}`;
 * - `depends_on` list → map of `{condition: service_started, required: true}` (map entries get those
 *   defaults too); `networks`/`models` lists → maps of `null`;
 * - `build: ctx` → `{context}`, `extends: svc` → `{service}`, `include: [path]` → `[{path}]`,
 *   `secrets`/`configs` names → `{source}`, `env_file` → `[{path, required: true}]`, `gpus: all` →
 *   `[{count: all}]`, `build.ssh` list → map, `build.provenance`/`sbom` → strings, string-or-list
 *   attributes (`dns`, `label_file`, watch `ignore`/`include`) → lists;
 * - legacy `external: {name: x}` → `external: true` + `name: x`;
 * - beyond compose-go's transform, `KEY=VALUE` lists (`labels`, `annotations`, `sysctls`,
 *   `build.args`, hook environments, …) become mappings the way its typed decoding reads them
 *   (canonical/mappings.ts). Service `environment` stays as written: compose-go's ResolveEnvironment
 *   fills valueless *list* entries (`- VAR`) from the loading file's environment — an included
 *   project's own env_file — and leaves the mapping form (`VAR:`) alone, so the form carries meaning
 *   until normalization; the typed model makes it a map.
 * With `skipInterpolation`, unparsable port/volume strings (`${PORT}:80`) are left as written.
 */
import { ComposeError, formatYamlPath, type YamlPath } from '../api/errors.js';
import { type BareKey, goSprint, listToMapping, MappingListError, setOwn } from './canonical/mappings.js';
import { PortSpecError, parsePortSpec } from './canonical/ports.js';
import { parseVolumeSpec, VolumeSpecError } from './canonical/volumes.js';
import type { Dict } from './yaml.js';

/** Options of {@link canonical}. */
export interface CanonicalOptions {
  /** Receives deprecation warnings (`external.name`). */
  onWarning?: (message: string) => void;
}

interface Ctx {
  /** compose-go's ignoreParseError: leave unparsable short syntax alone (interpolation was skipped). */
  lenient: boolean;
  warn: (message: string) => void;
}

const PORT_HINT =
  'use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "127.0.0.1:8080:80/tcp" or "8000-8010:80-90"';
const VOLUME_HINT =
  'use [SOURCE:]TARGET[:MODE], e.g. "./data:/data:ro" or "dbdata:/var/lib/db", or the long syntax';
const DEVICE_HINT =
  'use SOURCE[:TARGET[:PERMISSIONS]], e.g. "/dev/ttyUSB0:/dev/ttyUSB0:rwm", or the long syntax';
const RESOURCE_KINDS = ['volumes', 'networks', 'secrets', 'configs'] as const;

/**
 * Rewrites `dict` into canonical (long) syntax. Mutates `dict` in place, like compose-go, and returns it.
 * Throws ComposeError `COMPOSE_INVALID` (located by YAML path) for malformed short syntax.
 */
export function canonical(dict: Dict, skipInterpolation: boolean, options: CanonicalOptions = {}): Dict {
  const ctx: Ctx = { lenient: skipInterpolation, warn: options.onWarning ?? (() => {}) };
  const services = dict.services;
  if (isDict(services)) {
    for (const name of Object.keys(services)) {
      const service = services[name];
      if (isDict(service)) canonicalService(service, ['services', name], ctx);
    }
  }
  for (const kind of RESOURCE_KINDS) {
    const resources = dict[kind];
    if (!isDict(resources)) continue;
    for (const key of Object.keys(resources)) {
      const resource = resources[key];
      if (isDict(resource)) canonicalResource(resource, [kind, key], ctx);
    }
  }
  if (Array.isArray(dict.include)) {
    dict.include = dict.include.map((item: unknown, i: number) =>
      typeof item === 'string' ? { path: item } : checkDict(item, ['include', i], 'include'),
    );
  }
  return dict;
}

function canonicalService(svc: Dict, path: YamlPath, ctx: Ctx): void {
  for (const key of Object.keys(svc)) {
    const value = svc[key];
    if (value === null || value === undefined) continue;
    const at = [...path, key];
    switch (key) {
      case 'build':
        svc.build = canonicalBuild(value, at, ctx);
        break;
      case 'depends_on':
        svc.depends_on = dependsOn(value, at);
        break;
      case 'env_file':
        svc.env_file = envFiles(value, at);
        break;
      case 'label_file':
      case 'dns':
        if (typeof value === 'string') svc[key] = [value];
        break;
      case 'extends':
        svc.extends = typeof value === 'string' ? { service: value } : checkDict(value, at, 'extends');
        break;
      case 'gpus':
        if (typeof value === 'string') svc.gpus = [{ count: 'all' }];
        else if (!Array.isArray(value)) throw invalid(at, `invalid type ${typeName(value)} for gpus`);
        break;
      case 'networks':
      case 'models':
        svc[key] = namesToMap(value, at);
        break;
      case 'ports':
        svc.ports = ports(value, at, ctx);
        break;
      case 'volumes':
        svc.volumes = eachItem(value, at, (item, p) => volume(item, p, ctx));
        break;
      case 'devices':
        svc.devices = eachItem(value, at, (item, p) => device(item, p, ctx));
        break;
      case 'secrets':
      case 'configs':
        svc[key] = eachItem(value, at, fileMount);
        break;
      case 'ulimits':
        ulimits(value, at);
        break;
      case 'labels':
      case 'annotations':
      case 'sysctls':
        svc[key] = mapping(value, at, 'empty', false);
        break;
      case 'deploy':
        if (isDict(value) && value.labels != null)
          value.labels = mapping(value.labels, [...at, 'labels'], 'empty', false);
        break;
      case 'develop':
        if (isDict(value) && Array.isArray(value.watch)) {
          value.watch.forEach((trigger: unknown, i: number) => {
            watchTrigger(trigger, [...at, 'watch', i]);
          });
        }
        break;
      case 'pre_start':
      case 'post_start':
      case 'pre_stop':
        if (Array.isArray(value)) {
          value.forEach((hook: unknown, i: number) => {
            hookEnvironment(hook, [...at, i]);
          });
        }
        break;
    }
  }
}

function canonicalBuild(value: unknown, path: YamlPath, ctx: Ctx): unknown {
  if (typeof value === 'string') return { context: value };
  if (!isDict(value)) throw invalid(path, `invalid type ${typeName(value)} for build`);
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === null || v === undefined) continue;
    const at = [...path, key];
    switch (key) {
      case 'secrets':
        value.secrets = eachItem(v, at, fileMount);
        break;
      case 'provenance':
      case 'sbom':
        if (typeof v !== 'string') value[key] = goSprint(v);
        break;
      case 'additional_contexts':
        value.additional_contexts = additionalContexts(v, at, ctx);
        break;
      case 'ssh':
        value.ssh = ssh(v, at);
        break;
      case 'ulimits':
        ulimits(v, at);
        break;
      case 'args':
        value.args = mapping(v, at, 'null', true);
        break;
      case 'labels':
        value.labels = mapping(v, at, 'empty', false);
        break;
    }
  }
  return value;
}

/** transformMaybeExternal: legacy `external: {name}` becomes `name` + `external: true`. */
function canonicalResource(resource: Dict, path: YamlPath, ctx: Ctx): void {
  if (resource.labels != null)
    resource.labels = mapping(resource.labels, [...path, 'labels'], 'empty', false);
  const ext = resource.external;
  if (!isDict(ext)) return;
  resource.external = true;
  if (!Object.hasOwn(ext, 'name')) return;
  const where = formatYamlPath(path);
  ctx.warn(`${where}: external.name is deprecated. Please set name and external: true`);
  if (Object.hasOwn(resource, 'name')) {
    if (ext.name !== resource.name) {
      throw new ComposeError('COMPOSE_INVALID', `${where}: name and external.name conflict; only use name`, {
        location: { path: [...path, 'external', 'name'] },
        hint: 'remove external.name and keep `name:` with `external: true`',
      });
    }
    return;
  }
  resource.name = ext.name;
}

function dependsOn(value: unknown, path: YamlPath): Dict {
  if (Array.isArray(value)) {
    const out: Dict = {};
    value.forEach((name, i) => {
      if (typeof name !== 'string')
        throw invalid([...path, i], `invalid type ${typeName(name)} for depends_on entry`);
      setOwn(out, name, { condition: 'service_started', required: true });
    });
    return out;
  }
  if (!isDict(value)) throw invalid(path, `invalid type ${typeName(value)} for depends_on`);
  for (const name of Object.keys(value)) {
    const dep = value[name];
    if (!isDict(dep)) throw invalid([...path, name], `unsupported value ${goSprint(dep)}`);
    if (!Object.hasOwn(dep, 'condition')) dep.condition = 'service_started';
    if (!Object.hasOwn(dep, 'required')) dep.required = true;
  }
  return value;
}

function envFiles(value: unknown, path: YamlPath): unknown[] {
  const one = (v: unknown): unknown => {
    if (typeof v === 'string') return { path: v, required: true };
    if (isDict(v)) {
      if (!Object.hasOwn(v, 'required')) v.required = true;
      return v;
    }
    return null;
  };
  if (typeof value === 'string') return [one(value)];
  if (Array.isArray(value)) return value.map(one);
  throw invalid(path, `invalid type ${typeName(value)} for env_file`);
}

function namesToMap(value: unknown, path: YamlPath): unknown {
  if (!Array.isArray(value)) return value;
  const out: Dict = {};
  value.forEach((name, i) => {
    if (typeof name !== 'string')
      throw invalid([...path, i], `invalid type ${typeName(name)}, expected a name`);
    setOwn(out, name, null);
  });
  return out;
}

function ports(value: unknown, path: YamlPath, ctx: Ctx): unknown {
  if (!Array.isArray(value)) throw invalid(path, `invalid type ${typeName(value)} for ports`);
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry = value[i];
    if (isDict(entry)) {
      out.push(entry);
      continue;
    }
    const numeric = typeof entry === 'number' && Number.isInteger(entry);
    if (typeof entry !== 'string' && !numeric) {
      throw invalid([...path, i], `invalid type ${typeName(entry)} for port`, PORT_HINT);
    }
    const spec = String(entry);
    try {
      out.push(...parsePortSpec(spec));
    } catch (err) {
      if (!(err instanceof PortSpecError)) throw err;
      if (ctx.lenient && !numeric) return value;
      throw invalid([...path, i], `invalid port "${spec}": ${err.message}`, PORT_HINT);
    }
  }
  return out;
}

function volume(item: unknown, path: YamlPath, ctx: Ctx): unknown {
  if (isDict(item)) {
    const vol = item.volume;
    if (isDict(vol) && vol.labels != null)
      vol.labels = mapping(vol.labels, [...path, 'volume', 'labels'], 'empty', false);
    return item;
  }
  if (typeof item !== 'string')
    throw invalid(path, `invalid type ${typeName(item)} for service volume mount`, VOLUME_HINT);
  try {
    return parseVolumeSpec(item);
  } catch (err) {
    if (!(err instanceof VolumeSpecError)) throw err;
    if (ctx.lenient) return item;
    throw invalid(path, `invalid volume "${item}": ${err.message}`, VOLUME_HINT);
  }
}

function device(item: unknown, path: YamlPath, ctx: Ctx): unknown {
  if (isDict(item)) return item;
  if (typeof item !== 'string')
    throw invalid(path, `invalid type ${typeName(item)} for device mapping`, DEVICE_HINT);
  const parts = item.split(':');
  let source = '';
  let target = '';
  let permissions = 'rwm';
  if (parts.length <= 3) {
    source = parts[0]!;
    target = parts[1] ?? '';
    permissions = parts[2] ?? permissions;
  } else if (!ctx.lenient) {
    throw invalid(
      path,
      `invalid device "${item}": confusing device mapping, please use long syntax`,
      DEVICE_HINT,
    );
  }
  return { source, target: target === '' ? source : target, permissions };
}

function fileMount(item: unknown, path: YamlPath): unknown {
  if (typeof item === 'string') return { source: item };
  if (isDict(item)) return item;
  throw invalid(path, `unsupported type ${typeName(item)}, expected a name or a mapping`);
}

function ulimits(value: unknown, path: YamlPath): void {
  if (!isDict(value)) return;
  for (const name of Object.keys(value)) {
    const v = value[name];
    if (!isDict(v) && !(typeof v === 'number' && Number.isInteger(v))) {
      throw invalid(
        [...path, name],
        `invalid type ${typeName(v)} for ulimit`,
        'use a number, or {soft: N, hard: N}',
      );
    }
  }
}

/** transformSSH: `[default, id=path]` → `{default: null, id: path}`. */
function ssh(value: unknown, path: YamlPath): unknown {
  if (isDict(value)) return value;
  if (!Array.isArray(value)) throw invalid(path, `invalid type ${typeName(value)} for ssh`);
  const out: Dict = {};
  value.forEach((entry, i) => {
    if (typeof entry !== 'string') throw invalid([...path, i], `invalid ssh key type ${typeName(entry)}`);
    const eq = entry.indexOf('=');
    if (eq < 0) {
      if (entry !== 'default') {
        throw invalid([...path, i], `invalid ssh key "${entry}"`, 'use `default` or ID=PATH');
      }
      out.default = null;
    } else {
      setOwn(out, entry.slice(0, eq), entry.slice(eq + 1));
    }
  });
  return out;
}

/** transformKeyValue: every list entry needs an `=`. */
function additionalContexts(value: unknown, path: YamlPath, ctx: Ctx): unknown {
  if (isDict(value)) return value;
  if (!Array.isArray(value)) throw invalid(path, `invalid type ${typeName(value)}`);
  for (const entry of value) {
    if (typeof entry !== 'string' || !entry.includes('=')) {
      if (ctx.lenient) return value;
      throw invalid(path, `invalid value ${goSprint(entry)}, expected key=value`);
    }
  }
  return mapping(value, path, 'empty', false);
}

function watchTrigger(trigger: unknown, path: YamlPath): void {
  if (!isDict(trigger)) return;
  if (typeof trigger.ignore === 'string') trigger.ignore = [trigger.ignore];
  if (typeof trigger.include === 'string') trigger.include = [trigger.include];
  if (isDict(trigger.exec)) hookEnvironment(trigger.exec, [...path, 'exec']);
}

function hookEnvironment(hook: unknown, path: YamlPath): void {
  if (isDict(hook) && hook.environment != null) {
    hook.environment = mapping(hook.environment, [...path, 'environment'], 'null', true);
  }
}

function mapping(value: unknown, path: YamlPath, bare: BareKey, checkTrailingSpace: boolean): unknown {
  try {
    return listToMapping(value, bare, checkTrailingSpace);
  } catch (err) {
    if (err instanceof MappingListError) throw invalid(path, err.message, 'remove the space before `=`');
    throw err;
  }
}

function eachItem(value: unknown, path: YamlPath, fn: (item: unknown, path: YamlPath) => unknown): unknown {
  if (!Array.isArray(value)) return value;
  for (let i = 0; i < value.length; i++) value[i] = fn(value[i], [...path, i]);
  return value;
}

function checkDict(value: unknown, path: YamlPath, what: string): Dict {
  if (isDict(value)) return value;
  throw invalid(path, `invalid type ${typeName(value)} for ${what}`);
}

function invalid(path: YamlPath, message: string, hint?: string): ComposeError {
  return new ComposeError('COMPOSE_INVALID', `${formatYamlPath(path)}: ${message}`, {
    location: { path },
    hint,
  });
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A YAML-level name for a value's type, for messages. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  return typeof v;
}
