/**
 * Consistency checks — compose-go `loader/validate.go` (`checkConsistency`) and `graph/cycle.go`, run on
 * the typed project after profiles are applied (only enabled services are checked; disabled ones are
 * known so that an optional dependency on them is allowed). Rules, in compose-go's order per service:
 * image or build (or provider); `dockerfile` xor `dockerfile_inline`; `service:` additional contexts
 * name buildable services; `build.platforms` includes `platform`; `network_mode` xor `networks`;
 * every referenced network / volume / build secret / config / model / secret is declared;
 * `depends_on` targets exist (a disabled one is fine when `required: false`); `network_mode:
 * service:x` exists; `healthcheck.test` starts with CMD / CMD-SHELL / NONE; `scale` agrees with
 * `deploy.replicas` (and then sets it) and neither is negative; `cpus`, `mem_limit`,
 * `mem_reservation`, `pids_limit` agree with `deploy.resources`; no `container_name` with several
 * replicas; `develop.watch` sync actions have a `target`; no two tmpfs/volume mounts share a target.
 * Then non-external secrets need `file` or `environment`, and `depends_on` must not loop
 * (`dependency cycle detected: a -> b -> a`, reported for the first cycle in name order).
 * Everything is linear in the size of the project (the cycle search is a colored DFS).
 */
import { ComposeError, type ErrorCode, type YamlPath } from '../api/errors.js';
import type { Dict } from './yaml.js';

const HEALTHCHECK_KINDS = new Set(['CMD', 'CMD-SHELL', 'NONE']);
const SERVICE_PREFIX = 'service:';

/**
 * Throws a ComposeError (`COMPOSE_INVALID`, or `COMPOSE_CYCLE` for a dependency loop) at the first
 * inconsistency of `project` (`{ services, networks, volumes, secrets, configs, models, … }`).
 * `disabled` holds the services disabled by profiles. Like compose-go, a `scale` is copied into an
 * existing `deploy.replicas`; nothing else is modified.
 */
export function checkConsistency(project: Dict, disabled: Dict = {}): void {
  const services = asDict(project.services) ?? {};
  const declared = {
    networks: asDict(project.networks) ?? {},
    volumes: asDict(project.volumes) ?? {},
    secrets: asDict(project.secrets) ?? {},
    configs: asDict(project.configs) ?? {},
    models: asDict(project.models) ?? {},
  };
  for (const [name, service] of Object.entries(services)) {
    if (isDict(service)) checkService(name, service, services, disabled, declared);
  }
  for (const [name, secret] of Object.entries(declared.secrets)) {
    const s = asDict(secret) ?? {};
    if (isTrue(s.external)) continue;
    if (!nonEmpty(s.file) && !nonEmpty(s.environment)) {
      fail(['secrets', name], `secret "${name}" must declare either \`file\` or \`environment\``, {
        hint: 'point `file:` at the secret on disk, or name the variable holding it with `environment:`',
      });
    }
  }
  checkCycle(services);
}

type Declared = Record<'networks' | 'volumes' | 'secrets' | 'configs' | 'models', Dict>;

function checkService(name: string, s: Dict, services: Dict, disabled: Dict, declared: Declared): void {
  const at = (...rest: (string | number)[]): YamlPath => ['services', name, ...rest];
  const build = asDict(s.build);

  if (!build && !nonEmpty(s.image) && s.provider == null) {
    fail(at(), `service "${name}" has neither an image nor a build context specified`, {
      hint: 'set `image:` to run an existing image, or `build:` to build one',
    });
  }

  if (build) {
    if (nonEmpty(build.dockerfile_inline) && nonEmpty(build.dockerfile)) {
      fail(
        at('build', 'dockerfile_inline'),
        `service "${name}" declares mutualy exclusive dockerfile and dockerfile_inline`,
        {
          hint: 'keep either `dockerfile` or `dockerfile_inline`',
        },
      );
    }
    for (const [key, ctx] of Object.entries(asDict(build.additional_contexts) ?? {})) {
      if (typeof ctx !== 'string' || !ctx.startsWith(SERVICE_PREFIX)) continue;
      const target = ctx.slice(SERVICE_PREFIX.length);
      const t = services[target];
      if (!isDict(t)) {
        fail(
          at('build', 'additional_contexts', key),
          `service "${name}" declares unknown service "${target}" as additional contexts ${key}`,
          {
            hint: referenceHint(target, services, 'services'),
          },
        );
      }
      if (!isDict(t.build)) {
        fail(
          at('build', 'additional_contexts', key),
          `service "${name}" declares non-buildable service "${target}" as additional contexts ${key}`,
          {
            hint: `give service "${target}" a \`build:\` section, or reference an image instead`,
          },
        );
      }
    }
    const platforms = Array.isArray(build.platforms) ? build.platforms : [];
    if (platforms.length > 0 && nonEmpty(s.platform) && !platforms.includes(s.platform)) {
      fail(at('platform'), `service.build.platforms MUST include service.platform "${s.platform}"`, {
        hint: `add "${s.platform}" to build.platforms`,
      });
    }
  }

  const networks = keysOf(s.networks);
  if (nonEmpty(s.network_mode) && networks.length > 0) {
    fail(
      at('network_mode'),
      `service ${name} declares mutually exclusive \`network_mode\` and \`networks\``,
      {
        hint: 'a service either shares a network stack (`network_mode`) or joins networks (`networks`)',
      },
    );
  }
  for (const net of networks) {
    if (!Object.hasOwn(declared.networks, net)) {
      fail(at('networks', net), `service "${name}" refers to undefined network ${net}`, {
        hint: referenceHint(net, declared.networks, 'networks'),
      });
    }
  }

  const test = asDict(s.healthcheck)?.test;
  if (Array.isArray(test) && test.length > 0 && !HEALTHCHECK_KINDS.has(test[0])) {
    fail(at('healthcheck', 'test'), 'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"', {
      hint: 'e.g. ["CMD", "curl", "-f", "http://localhost"] or ["CMD-SHELL", "curl -f http://localhost"]',
    });
  }

  for (const [dep, cfg] of Object.entries(dependsOn(s.depends_on))) {
    if (Object.hasOwn(services, dep)) continue;
    if (Object.hasOwn(disabled, dep) && asDict(cfg)?.required === false) continue;
    fail(at('depends_on', dep), `service "${name}" depends on undefined service "${dep}"`, {
      hint: Object.hasOwn(disabled, dep)
        ? `service "${dep}" is disabled by profiles ${profilesOf(disabled[dep])}: enable one, or mark the dependency \`required: false\``
        : referenceHint(dep, services, 'services'),
    });
  }

  if (typeof s.network_mode === 'string' && s.network_mode.startsWith(SERVICE_PREFIX)) {
    const shared = s.network_mode.slice(SERVICE_PREFIX.length);
    if (!Object.hasOwn(services, shared)) {
      fail(at('network_mode'), `service "${shared}" not found for network_mode 'service:${shared}'`, {
        hint: referenceHint(shared, services, 'services'),
      });
    }
  }

  forEachItem(s.volumes, (vol, i) => {
    if (!isDict(vol) || vol.type !== 'volume' || !nonEmpty(vol.source)) return; // anonymous volumes are fine
    if (!Object.hasOwn(declared.volumes, vol.source)) {
      fail(at('volumes', i), `service "${name}" refers to undefined volume ${vol.source}`, {
        hint: referenceHint(vol.source, declared.volumes, 'volumes'),
      });
    }
  });
  if (build) {
    forEachItem(build.secrets, (ref, i) => {
      const src = sourceOf(ref);
      if (src !== undefined && !Object.hasOwn(declared.secrets, src)) {
        fail(at('build', 'secrets', i), `service "${name}" refers to undefined build secret ${src}`, {
          hint: referenceHint(src, declared.secrets, 'secrets'),
        });
      }
    });
  }
  forEachItem(s.configs, (ref, i) => {
    const src = sourceOf(ref);
    if (src !== undefined && !Object.hasOwn(declared.configs, src)) {
      fail(at('configs', i), `service "${name}" refers to undefined config ${src}`, {
        hint: referenceHint(src, declared.configs, 'configs'),
      });
    }
  });
  for (const model of keysOf(s.models)) {
    if (!Object.hasOwn(declared.models, model)) {
      fail(at('models', model), `service "${name}" refers to undefined model ${model}`, {
        hint: referenceHint(model, declared.models, 'models'),
      });
    }
  }
  forEachItem(s.secrets, (ref, i) => {
    const src = sourceOf(ref);
    if (src !== undefined && !Object.hasOwn(declared.secrets, src)) {
      fail(at('secrets', i), `service "${name}" refers to undefined secret ${src}`, {
        hint: referenceHint(src, declared.secrets, 'secrets'),
      });
    }
  });

  checkResources(name, s, at);
  checkMounts(name, s, at);
}

function checkResources(name: string, s: Dict, at: (...rest: (string | number)[]) => YamlPath): void {
  const deploy = asDict(s.deploy);
  const scale = s.scale == null ? undefined : Number(s.scale);
  if (scale !== undefined && deploy) {
    if (deploy.replicas != null && Number(deploy.replicas) !== scale) {
      fail(at('scale'), `services.${name}: can't set distinct values on 'scale' and 'deploy.replicas'`, {
        hint: 'keep one of them',
      });
    }
    deploy.replicas = scale; // compose-go keeps both in sync from here on
  }
  if (scale !== undefined && scale < 0)
    fail(at('scale'), `services.${name}.scale: must be greater than or equal to 0`);
  if (deploy && deploy.replicas != null && Number(deploy.replicas) < 0) {
    fail(at('deploy', 'replicas'), `services.${name}.deploy.replicas: must be greater than or equal to 0`);
  }

  const resources = asDict(deploy?.resources);
  const limits = asDict(resources?.limits);
  const reservations = asDict(resources?.reservations);
  const distinct = (attr: string, other: string): never =>
    fail(at(attr), `services.${name}: can't set distinct values on '${attr}' and '${other}'`, {
      hint: `set the value once, in \`${attr}\` or in \`${other}\``,
    });
  // A section that exists but omits the value counts as 0, as in compose-go's typed model.
  const cpus = cpuValue(s.cpus);
  if (cpus !== 0 && deploy && limits && cpuValue(limits.cpus) !== cpus)
    distinct('cpus', 'deploy.resources.limits.cpus');
  const memLimit = byteValue(s.mem_limit);
  if (memLimit !== 0 && deploy && limits && byteValue(limits.memory) !== memLimit) {
    distinct('mem_limit', 'deploy.resources.limits.memory');
  }
  const memReservation = byteValue(s.mem_reservation);
  if (memReservation !== 0 && deploy && reservations && byteValue(reservations.memory) !== memReservation) {
    distinct('mem_reservation', 'deploy.resources.reservations.memory');
  }
  const pids = intValue(s.pids_limit);
  if (pids !== 0 && deploy && limits && intValue(limits.pids) !== pids)
    distinct('pids_limit', 'deploy.resources.limits.pids');

  const replicas = scale ?? (deploy?.replicas != null ? Number(deploy.replicas) : 1);
  if (replicas > 1 && nonEmpty(s.container_name)) {
    const attr = scale !== undefined ? 'scale' : 'deploy.replicas';
    fail(
      at('container_name'),
      `services.${name}: can't set container_name and ${attr} as container name must be unique`,
      {
        hint: `remove container_name, or run a single replica`,
      },
    );
  }
}

function checkMounts(name: string, s: Dict, at: (...rest: (string | number)[]) => YamlPath): void {
  forEachItem(asDict(s.develop)?.watch, (w, i) => {
    if (!isDict(w)) return;
    if (!nonEmpty(w.target) && w.action !== 'rebuild' && w.action !== 'restart') {
      fail(
        at('develop', 'watch', i),
        `services.${name}.develop.watch: target is required for non-rebuild actions`,
        {
          hint: 'set `target:` to the path inside the container to sync to',
        },
      );
    }
  });

  const mounts = new Map<string, string>();
  const tmpfs = typeof s.tmpfs === 'string' ? [s.tmpfs] : s.tmpfs;
  forEachItem(tmpfs, (entry, i) => {
    const loc = `services.${name}.tmpfs[${i}]`;
    const path = String(entry).split(':')[0]!;
    const prev = mounts.get(path);
    if (prev !== undefined) fail(at('tmpfs', i), `${loc}: target ${path} already mounted as ${prev}`);
    mounts.set(path, loc);
  });
  forEachItem(s.volumes, (vol, i) => {
    const loc = `services.${name}.volumes[${i}]`;
    const target = isDict(vol) && typeof vol.target === 'string' ? vol.target : '';
    const prev = mounts.get(target);
    if (prev !== undefined) fail(at('volumes', i), `${loc}: target ${target} already mounted as ${prev}`);
    mounts.set(target, loc);
  });
}

/**
 * compose-go `graph.CheckCycle`: walks services in name order (children too) and reports the first
 * back edge found. A service fully explored without a cycle cannot be part of a later one, so it is
 * never walked again — the same first cycle as compose-go's exhaustive search, in linear time.
 */
function checkCycle(services: Dict): void {
  const names = Object.keys(services).sort();
  const children = new Map<string, string[]>();
  for (const name of names) {
    const deps = Object.keys(dependsOn(asDict(services[name])?.depends_on)).filter((d) =>
      Object.hasOwn(services, d),
    );
    children.set(name, deps.sort());
  }
  const done = new Set<string>();
  const onPath = new Map<string, number>(); // name → index in `path`
  const path: string[] = [];
  const next: number[] = []; // per path entry: index of the next child to visit

  for (const root of names) {
    if (done.has(root)) continue;
    path.push(root);
    next.push(0);
    onPath.set(root, 0);
    while (path.length > 0) {
      const top = path.length - 1;
      const current = path[top]!;
      const kids = children.get(current)!;
      if (next[top]! >= kids.length) {
        done.add(current);
        onPath.delete(current);
        path.pop();
        next.pop();
        continue;
      }
      const child = kids[next[top]!++]!;
      const idx = onPath.get(child);
      if (idx !== undefined) {
        const cycle = [...path.slice(idx), child];
        fail(['services', current, 'depends_on', child], `dependency cycle detected: ${cycle.join(' -> ')}`, {
          code: 'COMPOSE_CYCLE',
          hint: 'remove one of these depends_on entries to break the cycle',
        });
      }
      if (done.has(child)) continue;
      onPath.set(child, path.length);
      path.push(child);
      next.push(0);
    }
  }
}

/** `Did you mean "x"?` plus the declared names — the hint for an undefined reference. */
export function referenceHint(name: string, declared: Dict | Iterable<string>, kind: string): string {
  const names = isIterable(declared) ? [...declared] : Object.keys(declared);
  if (names.length === 0) return `no ${kind} are defined: declare "${name}" under the top-level \`${kind}:\``;
  const guess = didYouMean(name, names);
  const listed = names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ');
  return `${guess ? `did you mean "${guess}"? ` : ''}defined ${kind}: ${listed}`;
}

/** The closest candidate within a small edit distance, if any. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const max = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) > max) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function fail(path: YamlPath, message: string, opts: { hint?: string; code?: ErrorCode } = {}): never {
  throw new ComposeError(opts.code ?? 'COMPOSE_INVALID', message, {
    location: { path, service: path[0] === 'services' ? String(path[1]) : undefined },
    hint: opts.hint,
  });
}

/** `depends_on` as a map, whether typed (map) or still a list of names. */
function dependsOn(v: unknown): Dict {
  if (isDict(v)) return v;
  if (Array.isArray(v)) return Object.fromEntries(v.filter((d) => typeof d === 'string').map((d) => [d, {}]));
  return {};
}

function profilesOf(service: unknown): string {
  const p = asDict(service)?.profiles;
  return `[${Array.isArray(p) ? p.join(' ') : ''}]`;
}

/** Keys of a map, or the names of a list (short syntax `networks: [a]`, `models: [m]`). */
function keysOf(v: unknown): string[] {
  if (isDict(v)) return Object.keys(v);
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string');
  return [];
}

/** A file mount's `source` (long syntax) or the name itself (short syntax). */
function sourceOf(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  return isDict(ref) && typeof ref.source === 'string' ? ref.source : undefined;
}

/** compose-go NanoCPUs: a float32. */
function cpuValue(v: unknown): number {
  const n = typeof v === 'string' ? Number.parseFloat(v) : typeof v === 'number' ? v : 0;
  return Number.isNaN(n) ? 0 : Math.fround(n);
}

function intValue(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isNaN(n) ? 0 : n;
}

const UNIT_EXPONENT: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/** Byte sizes as docker/go-units `RAMInBytes` reads them (`512m`, `1gb`, `"536870912"`). */
function byteValue(v: unknown): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(String(v).trim());
  if (!m) return Number.NaN;
  return Math.trunc(Number.parseFloat(m[1]!) * 1024 ** UNIT_EXPONENT[(m[2] ?? '').toLowerCase()]!);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

function forEachItem(list: unknown, fn: (item: unknown, index: number) => void): void {
  if (Array.isArray(list)) list.forEach(fn);
}

function isIterable(v: unknown): v is Iterable<string> {
  return typeof v === 'object' && v !== null && Symbol.iterator in v;
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asDict(v: unknown): Dict | undefined {
  return isDict(v) ? v : undefined;
}
