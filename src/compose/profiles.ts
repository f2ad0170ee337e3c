/**
 * Profiles and service selection — compose-go `types/project.go` (`WithProfiles`, `HasProfile`,
 * `WithServicesEnabled`, `WithSelectedServices`, `WithServicesDisabled`,
 * `WithoutUnnecessaryResources`) and spec `15-profiles.md`:
 * - a service without `profiles` is always enabled; one with profiles is enabled when one of them is
 *   active; the profile `*` enables every service;
 * - a service named on the command line enables its own profiles (not its dependencies');
 * - selecting services keeps them and, transitively, their dependencies; an optional
 *   (`required: false`) dependency that is not available is skipped;
 * - pruning drops top-level networks/volumes/secrets/configs/models no enabled service uses.
 * The project is the JSON-shaped dict (`{ services, networks, volumes, secrets, configs, models, … }`);
 * disabled services live in a separate `disabled` map (name → service). Functions never mutate
 * their inputs: they return new dicts that share the untouched parts.
 */
import { ComposeError } from '../api/errors.js';
import { didYouMean } from './consistency.js';
import type { Dict } from './yaml.js';

/** A project split by profiles: enabled services stay in `project.services`. */
export interface ProfiledProject {
  project: Dict;
  disabled: Dict;
}

/** compose-go `ServiceConfig.HasProfile`. */
export function hasProfile(service: Dict, profiles: readonly string[]): boolean {
  const own = Array.isArray(service.profiles) ? service.profiles : [];
  if (own.length === 0) return true;
  return profiles.some((p) => p === '*' || own.includes(p));
}

/**
 * compose-go `WithProfiles`: splits every service (enabled ones and those in `disabled`) by the active
 * `profiles`. Declaration order is kept within each map.
 */
export function applyProfiles(
  project: Dict,
  profiles: readonly string[],
  disabled: Dict = {},
): ProfiledProject {
  const enabledOut: Dict = {};
  const disabledOut: Dict = {};
  for (const source of [asDict(project.services) ?? {}, disabled]) {
    for (const [name, service] of Object.entries(source)) {
      if (hasProfile(asDict(service) ?? {}, profiles)) enabledOut[name] = service;
      else disabledOut[name] = service;
    }
  }
  return { project: { ...project, services: enabledOut }, disabled: disabledOut };
}

/**
 * compose-go `WithServicesEnabled`: the profiles of every named service that is disabled become
 * active too. Adding profiles only enables more services, so the currently enabled ones stay.
 */
export function enableServices(project: Dict, disabled: Dict, names: readonly string[]): ProfiledProject {
  const services = asDict(project.services) ?? {};
  const extra = new Set<string>();
  for (const name of names) {
    if (Object.hasOwn(services, name)) continue;
    const profiles = asDict(disabled[name])?.profiles;
    if (Array.isArray(profiles)) for (const p of profiles) extra.add(p);
  }
  if (extra.size === 0) return { project, disabled };
  return applyProfiles(project, [...extra], disabled);
}

/**
 * compose-go `WithSelectedServices` (dependencies included): keeps the services matching `names`
 * (Go `filepath.Match` globs) and everything they depend on; the others move to `disabled`, and
 * `depends_on` entries pointing outside the selection are dropped.
 * Errors: an unknown name → `COMPOSE_UNKNOWN_SERVICE`; a required dependency disabled by profiles →
 * `COMPOSE_SERVICE_DISABLED`. An optional dependency that is unavailable is skipped (`onWarning`).
 */
export function selectServices(
  project: Dict,
  disabled: Dict,
  names: readonly string[],
  onWarning?: (message: string) => void,
): ProfiledProject {
  const services = asDict(project.services) ?? {};
  if (names.length === 0) return { project, disabled };

  const selected = new Set<string>();
  const queue: string[] = [];
  const visit = (name: string): void => {
    if (selected.has(name)) return;
    selected.add(name);
    queue.push(name);
  };
  for (const pattern of names) {
    const matches = matchServices(pattern, services);
    if (matches.length === 0) {
      const guess = didYouMean(pattern, Object.keys(services));
      throw new ComposeError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${pattern}`, {
        hint: guess
          ? `did you mean "${guess}"?`
          : `services: ${Object.keys(services).join(', ') || '(none)'}`,
      });
    }
    matches.forEach(visit);
  }
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head]!;
    for (const [dep, cfg] of Object.entries(dependsOn(asDict(services[name])?.depends_on))) {
      if (Object.hasOwn(services, dep)) {
        visit(dep);
        continue;
      }
      if (asDict(cfg)?.required === false) {
        onWarning?.(
          `service "${name}" depends on "${dep}", which is not available: the optional dependency is skipped`,
        );
        continue;
      }
      if (Object.hasOwn(disabled, dep)) {
        const profiles = asDict(disabled[dep])?.profiles;
        const list = Array.isArray(profiles) ? profiles : [];
        throw new ComposeError(
          'COMPOSE_SERVICE_DISABLED',
          `service "${dep}" is required by "${name}" but is disabled. Can be enabled by profiles [${list.join(' ')}]`,
          {
            location: { path: ['services', name, 'depends_on', dep], service: name },
            hint: list.length > 0 ? `run with --profile ${list[0]}` : undefined,
          },
        );
      }
      throw new ComposeError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${dep}`, {
        location: { path: ['services', name, 'depends_on', dep], service: name },
        hint: `service "${name}" depends on it; mark the dependency \`required: false\` to make it optional`,
      });
    }
  }

  const kept: Dict = {};
  const disabledOut: Dict = { ...disabled };
  for (const [name, service] of Object.entries(services)) {
    if (!selected.has(name)) {
      disabledOut[name] = service;
      continue;
    }
    const deps = asDict(service)?.depends_on;
    if (isDict(deps) && Object.keys(deps).some((d) => !selected.has(d))) {
      const filtered = Object.fromEntries(Object.entries(deps).filter(([d]) => selected.has(d)));
      kept[name] = { ...service, depends_on: filtered };
    } else {
      kept[name] = service;
    }
  }
  return { project: { ...project, services: kept }, disabled: disabledOut };
}

const RESOURCE_KINDS = ['networks', 'volumes', 'secrets', 'configs', 'models'] as const;

/**
 * compose-go `WithoutUnnecessaryResources`: keeps only the networks, volumes, secrets, configs and
 * models some enabled service refers to. An emptied section is removed.
 */
export function pruneUnusedResources(project: Dict): Dict {
  const used: Record<(typeof RESOURCE_KINDS)[number], Set<string>> = {
    networks: new Set(),
    volumes: new Set(),
    secrets: new Set(),
    configs: new Set(),
    models: new Set(),
  };
  for (const service of Object.values(asDict(project.services) ?? {})) {
    const s = asDict(service);
    if (!s) continue;
    for (const n of keysOf(s.networks)) used.networks.add(n);
    for (const v of listOf(s.volumes)) {
      if (isDict(v) && v.type === 'volume' && typeof v.source === 'string' && v.source !== '') {
        used.volumes.add(v.source);
      }
    }
    for (const ref of [...listOf(s.secrets), ...listOf(asDict(s.build)?.secrets)])
      addSource(used.secrets, ref);
    for (const ref of listOf(s.configs)) addSource(used.configs, ref);
    for (const m of keysOf(s.models)) used.models.add(m);
  }
  const out: Dict = { ...project };
  for (const kind of RESOURCE_KINDS) {
    const declared = asDict(project[kind]);
    if (!declared) continue;
    const kept = Object.fromEntries(Object.entries(declared).filter(([k]) => used[kind].has(k)));
    if (Object.keys(kept).length > 0) out[kind] = kept;
    else delete out[kind];
  }
  return out;
}

/** Services whose name matches `pattern` (Go `filepath.Match`: `*`, `?`, `[…]`, `\` escapes). */
function matchServices(pattern: string, services: Dict): string[] {
  if (Object.hasOwn(services, pattern)) return [pattern];
  const re = globToRegExp(pattern);
  return re ? Object.keys(services).filter((n) => re.test(n)) : [];
}

function globToRegExp(pattern: string): RegExp | undefined {
  if (!/[*?[\\]/.test(pattern)) return undefined;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '\\') {
      const next = pattern[++i];
      if (next === undefined) return undefined; // Go: ErrBadPattern
      src += escapeRegExp(next);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1)}`; // Go's negation is `^`, as in RegExp
      src += `[${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else src += escapeRegExp(c);
  }
  try {
    return new RegExp(`^${src}$`);
  } catch {
    return undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function addSource(set: Set<string>, ref: unknown): void {
  if (typeof ref === 'string') set.add(ref);
  else if (isDict(ref) && typeof ref.source === 'string') set.add(ref.source);
}

function dependsOn(v: unknown): Dict {
  if (isDict(v)) return v;
  if (Array.isArray(v)) return Object.fromEntries(v.filter((d) => typeof d === 'string').map((d) => [d, {}]));
  return {};
}

function keysOf(v: unknown): string[] {
  if (isDict(v)) return Object.keys(v);
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string');
  return [];
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asDict(v: unknown): Dict | undefined {
  return isDict(v) ? v : undefined;
}
