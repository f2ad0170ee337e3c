/**
 * How `docker compose config` lays out a Project: compose-go marshals its Go structs
 * (types/types.go, build.go, healthcheck.go, develop.go, hooks.go, models.go, envfile.go; snapshot
 * e70e961) with go-yaml v4 or encoding/json. The printed order and omissions follow from Go, not from
 * the input file, so berth restates the relevant facts as data:
 * - struct fields print in declaration order; Go maps print with sorted keys (go-yaml: "natural"
 *   order where digit runs compare as numbers; encoding/json: plain byte order);
 * - `omitempty` drops zero values (""/0/false/empty collections); pointer fields drop only when nil,
 *   so `attach: false` or `retries: 0` still print; a non-pointer struct is dropped by go-yaml when all
 *   its fields are zero, but encoding/json never drops it (hence `"ipam": {}` in JSON);
 * - `command`/`entrypoint` carry no `omitempty` in JSON, so JSON always prints them (null when unset);
 * - `x-*` extensions are inlined after the fields in YAML and dropped by JSON (except at the top level);
 * - OptOut booleans (`env_file[].required`, `bind.create_host_path`) print only when false;
 *   secret `content` never prints, config `content` not when it came from `environment`.
 * Deliberate differences (written down, see test/unit/cli/render.test.ts):
 * - blkio `weight_device`/`device_*` entries keep the spec keys `path`/`weight`/`rate` in JSON too
 *   (compose-go's JSON prints Go field names there, which its own schema rejects);
 * - top-level `models` is printed in JSON too (compose-go's Project.MarshalJSON forgets it);
 * - keys the table does not know are printed after the known ones (sorted) rather than lost.
 * This module only orders and filters; it never changes a value.
 */
import type { Dict } from '../../compose/yaml.js';

export type Format = 'yaml' | 'json';

/** A JSON-like value whose maps keep the order they must be printed in. */
export type Ordered = null | boolean | number | string | Ordered[] | OrderedMap;
export type OrderedMap = Map<string, Ordered>;

/**
 * When a field is left out:
 * - `empty`: Go `omitempty` on a value: undefined, null, "", 0, false, empty list or map;
 * - `nil`: a pointer with `omitempty`: only undefined or null;
 * - `struct`: a non-pointer struct with `omitempty`: go-yaml drops it when it marshals to `{}`,
 *   encoding/json always prints it (`{}` when absent);
 * - `never`: no `omitempty`: always printed, `null` when absent (`command` in JSON);
 * - `always`: no `omitempty`, printed whenever the model has it;
 * - `optout`: an OptOut boolean: printed only when false;
 * - `bytes` / `duration`: `omitempty` on UnitBytes / Duration, whose zero prints as "0" / "0s".
 */
type Omit = 'empty' | 'nil' | 'struct' | 'never' | 'always' | 'optout' | 'bytes' | 'duration';

interface Field {
  key: string;
  shape?: Shape;
  omit?: Omit | { yaml: Omit; json: Omit };
}

/** `any`: a generic value (maps sorted); `ulimit`: a number or `{soft, hard}`. */
type Shape =
  | { kind: 'any' }
  | { kind: 'ulimit' }
  | { kind: 'map'; of: Shape }
  | { kind: 'list'; of: Shape }
  | { kind: 'struct'; fields: Field[]; ext: boolean; hidden?: (v: Dict) => string[] };

const ANY: Shape = { kind: 'any' };
const ULIMIT: Shape = { kind: 'ulimit' };
const map = (of: Shape = ANY): Shape => ({ kind: 'map', of });
const list = (of: Shape = ANY): Shape => ({ kind: 'list', of });

/** Field spec shorthand: `'name'` (omitempty scalar), `['name', omit]`, `['name', omit, shape]`. */
type FieldSpec = string | [string, Field['omit']] | [string, Field['omit'], Shape];

function struct(specs: FieldSpec[], ext = true, hidden?: (v: Dict) => string[]): Shape {
  const fields = specs.map((s): Field => {
    if (typeof s === 'string') return { key: s };
    return { key: s[0], omit: s[1], shape: s[2] };
  });
  return { kind: 'struct', fields, ext, hidden };
}

// --- compose-go's types, in declaration order ---------------------------------------------------

const ulimits = map(ULIMIT);
const fileReference = struct(['source', 'target', 'uid', 'gid', ['mode', 'nil']]);
const hook = struct([
  ['command', { yaml: 'nil', json: 'never' }],
  'image',
  'user',
  'privileged',
  'working_dir',
  ['environment', 'empty', map()],
  'per_replica',
]);
const deviceRequest = struct(
  ['capabilities', 'driver', 'count', 'device_ids', ['options', 'empty', map()]],
  false,
);
const weightDevice = struct([
  ['path', 'always'],
  ['weight', 'always'],
]);
const throttleDevice = struct([
  ['path', 'always'],
  ['rate', 'always'],
]);
const updateConfig = struct([
  ['parallelism', 'nil'],
  ['delay', 'duration'],
  'failure_action',
  ['monitor', 'duration'],
  'max_failure_ratio',
  'order',
]);
const resource = struct([
  'cpus',
  ['memory', 'bytes'],
  'pids',
  ['devices', 'empty', list(deviceRequest)],
  [
    'generic_resources',
    'empty',
    list(
      struct([
        [
          'discrete_resource_spec',
          'nil',
          struct([
            ['kind', 'always'],
            ['value', 'always'],
          ]),
        ],
      ]),
    ),
  ],
]);

const build = struct([
  'context',
  'dockerfile',
  'dockerfile_inline',
  'entitlements',
  ['args', 'empty', map()],
  'provenance',
  'sbom',
  'ssh',
  ['labels', 'empty', map()],
  'cache_from',
  'cache_to',
  'no_cache',
  'no_cache_filter',
  ['additional_contexts', 'empty', map()],
  'pull',
  'extra_hosts',
  'isolation',
  'network',
  'target',
  ['secrets', 'empty', list(fileReference)],
  ['shm_size', 'bytes'],
  'tags',
  ['ulimits', 'empty', ulimits],
  'platforms',
  'privileged',
]);

const develop = struct([
  [
    'watch',
    'empty',
    list(
      struct([
        ['path', 'always'],
        ['action', 'always'],
        'target',
        ['exec', 'struct', hook],
        'include',
        'ignore',
        'initial_sync',
      ]),
    ),
  ],
]);

const blkio = struct([
  'weight',
  ['weight_device', 'empty', list(weightDevice)],
  ['device_read_bps', 'empty', list(throttleDevice)],
  ['device_read_iops', 'empty', list(throttleDevice)],
  ['device_write_bps', 'empty', list(throttleDevice)],
  ['device_write_iops', 'empty', list(throttleDevice)],
]);

const deploy = struct([
  'mode',
  ['replicas', 'nil'],
  ['labels', 'empty', map()],
  ['update_config', 'nil', updateConfig],
  ['rollback_config', 'nil', updateConfig],
  [
    'resources',
    'struct',
    struct([
      ['limits', 'nil', resource],
      ['reservations', 'nil', resource],
    ]),
  ],
  [
    'restart_policy',
    'nil',
    struct(['condition', ['delay', 'nil'], ['max_attempts', 'nil'], ['window', 'nil']]),
  ],
  [
    'placement',
    'struct',
    struct(['constraints', ['preferences', 'empty', list(struct(['spread']))], 'max_replicas_per_node']),
  ],
  'endpoint_mode',
]);

const healthcheck = struct([
  'test',
  ['timeout', 'nil'],
  ['interval', 'nil'],
  ['retries', 'nil'],
  ['start_period', 'nil'],
  ['start_interval', 'nil'],
  'disable',
]);

const serviceNetwork = struct([
  'aliases',
  ['driver_opts', 'empty', map()],
  'gw_priority',
  'interface_name',
  'ipv4_address',
  'ipv6_address',
  'link_local_ips',
  'mac_address',
  'priority',
]);

const port = struct(['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol']);

const serviceVolume = struct([
  'type',
  'source',
  'target',
  'read_only',
  'consistency',
  ['bind', 'nil', struct(['selinux', 'propagation', ['create_host_path', 'optout'], 'recursive'])],
  ['volume', 'nil', struct([['labels', 'empty', map()], 'nocopy', 'subpath'])],
  ['tmpfs', 'nil', struct([['size', 'bytes'], 'mode'])],
  ['image', 'nil', struct(['subpath'])],
]);

const commandField = { yaml: 'nil', json: 'never' } as const;

const service = struct([
  'profiles',
  ['annotations', 'empty', map()],
  ['attach', 'nil'],
  ['build', 'nil', build],
  ['develop', 'nil', develop],
  ['blkio_config', 'nil', blkio],
  'cap_add',
  'cap_drop',
  'cgroup_parent',
  'cgroup',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpus',
  'cpuset',
  'cpu_shares',
  ['command', commandField],
  ['configs', 'empty', list(fileReference)],
  'container_name',
  ['credential_spec', 'nil', struct(['config', 'file', 'registry'])],
  ['depends_on', 'empty', map(struct(['condition', 'restart', ['required', 'always']]))],
  ['deploy', 'nil', deploy],
  'device_cgroup_rules',
  ['devices', 'empty', list(struct(['source', 'target', 'permissions']))],
  'dns',
  'dns_opt',
  'dns_search',
  'dockerfile',
  'domainname',
  ['entrypoint', commandField],
  ['provider', 'nil', struct(['type', ['options', 'empty', map()]])],
  ['environment', 'empty', map()],
  ['env_file', 'empty', list(struct(['path', ['required', 'optout'], 'format'], false))],
  'expose',
  ['extends', 'nil', struct(['file', 'service'], false)],
  'external_links',
  'extra_hosts',
  'group_add',
  ['gpus', 'empty', list(deviceRequest)],
  'hostname',
  ['healthcheck', 'nil', healthcheck],
  'image',
  ['init', 'nil'],
  'ipc',
  'isolation',
  ['labels', 'empty', map()],
  'label_file',
  'links',
  ['logging', 'nil', struct(['driver', ['options', 'empty', map()]])],
  'log_driver',
  ['log_opt', 'empty', map()],
  ['mem_limit', 'bytes'],
  ['mem_reservation', 'bytes'],
  ['memswap_limit', 'bytes'],
  ['mem_swappiness', 'bytes'],
  'mac_address',
  ['models', 'empty', map(struct(['endpoint_var', 'model_var']))],
  'net',
  'network_mode',
  ['networks', 'empty', map(serviceNetwork)],
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  ['ports', 'empty', list(port)],
  'privileged',
  'pull_policy',
  'read_only',
  'restart',
  'runtime',
  ['scale', 'nil'],
  ['secrets', 'empty', list(fileReference)],
  'security_opt',
  ['shm_size', 'bytes'],
  'stdin_open',
  ['stop_grace_period', 'nil'],
  'stop_signal',
  ['storage_opt', 'empty', map()],
  ['sysctls', 'empty', map()],
  'tmpfs',
  'tty',
  ['ulimits', 'empty', ulimits],
  'use_api_socket',
  'user',
  'userns_mode',
  'uts',
  'volume_driver',
  ['volumes', 'empty', list(serviceVolume)],
  'volumes_from',
  'working_dir',
  ['pre_start', 'empty', list(hook)],
  ['post_start', 'empty', list(hook)],
  ['pre_stop', 'empty', list(hook)],
]);

const network = struct([
  'name',
  'driver',
  ['driver_opts', 'empty', map()],
  [
    'ipam',
    'struct',
    struct([
      'driver',
      ['config', 'empty', list(struct(['subnet', 'gateway', 'ip_range', ['aux_addresses', 'empty', map()]]))],
      ['options', 'empty', map()],
    ]),
  ],
  'external',
  'internal',
  'attachable',
  ['labels', 'empty', map()],
  ['enable_ipv4', 'nil'],
  ['enable_ipv6', 'nil'],
]);

const volume = struct([
  'name',
  'driver',
  ['driver_opts', 'empty', map()],
  'external',
  ['labels', 'empty', map()],
]);

const fileObjectFields: FieldSpec[] = [
  'name',
  'file',
  'environment',
  'content',
  'external',
  ['labels', 'empty', map()],
  'driver',
  ['driver_opts', 'empty', map()],
  'template_driver',
];
// Secret content is loaded from files/env while loading; compose-go never marshals it.
const secret = struct(fileObjectFields, true, () => ['content']);
// A config's content that came from `environment:` is printed as its source, not its value.
const config = struct(fileObjectFields, true, (v) => (v.environment ? ['content'] : []));

const model = struct(['name', 'model', 'context_size', 'runtime_flags']);

/** Top-level keys in Project's declaration order; the rest of Project is load metadata. */
const PROJECT_FIELDS: Array<[string, Shape]> = [
  ['services', map(service)],
  ['networks', map(network)],
  ['volumes', map(volume)],
  ['secrets', map(secret)],
  ['configs', map(config)],
  ['models', map(model)],
];

/** Project fields that are load metadata (`yaml:"-" json:"-"` in compose-go): never printed. */
export const PROJECT_METADATA = new Set([
  'workingDir',
  'configFiles',
  'environment',
  'disabledServices',
  'profiles',
  'composeFiles',
]);

// --- key order ----------------------------------------------------------------------------------

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLetter = (c: string): boolean => /\p{L}/u.test(c);

/**
 * go-yaml's map key order (sorter.go): letters compare by code point and sort before other
 * characters, except right after a digit where a digit run wins; runs of digits compare by value
 * (so `svc9` < `svc10`); on a tie the shorter run, then the shorter key, comes first.
 */
export function compareYamlKeys(a: string, b: string): number {
  const ar = Array.from(a);
  const br = Array.from(b);
  let afterDigit = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i];
    const y = br[i];
    if (x === y) {
      afterDigit = isDigit(x);
      continue;
    }
    const xl = isLetter(x);
    const yl = isLetter(y);
    if (xl && yl) return x < y ? -1 : 1;
    if (xl || yl) {
      // One side is a letter: after a digit the letter sorts first, elsewhere the non-letter does.
      if (afterDigit) return xl ? -1 : 1;
      return yl ? -1 : 1;
    }
    // Neither is a letter: compare the digit runs starting here by numeric value.
    let an = 0;
    let bn = 0;
    if (x === '0' || y === '0') {
      // Inside a number with a non-zero prefix, a leading zero is an ordinary digit.
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + (ar[ai].charCodeAt(0) - 48);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + (br[bi].charCodeAt(0) - 48);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return ar.length - br.length;
}

/** encoding/json's map key order: byte order of the UTF-8 keys (code point order). */
export function compareJsonKeys(a: string, b: string): number {
  if (a === b) return 0;
  // Code point order equals UTF-8 byte order; plain `<` compares UTF-16 units, which differs only
  // for astral characters versus U+E000–U+FFFF.
  const ar = Array.from(a, (c) => c.codePointAt(0)!);
  const br = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < ar.length && i < br.length; i++) if (ar[i] !== br[i]) return ar[i] - br[i];
  return ar.length - br.length;
}

const comparator = (format: Format) => (format === 'yaml' ? compareYamlKeys : compareJsonKeys);

// --- the marshaller ----------------------------------------------------------------------------

const isExtension = (key: string): boolean => key.startsWith('x-');

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function omitModeFor(field: Field, format: Format): Omit {
  const o = field.omit ?? 'empty';
  return typeof o === 'string' ? o : o[format];
}

/** A generic value: maps sorted the way the format's encoder sorts Go maps. */
function generic(value: unknown, format: Format): Ordered {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => generic(v, format));
  if (typeof value === 'object') {
    const out: OrderedMap = new Map();
    for (const k of Object.keys(value as Dict).sort(comparator(format))) {
      const v = (value as Dict)[k];
      if (v !== undefined) out.set(k, generic(v, format));
    }
    return out;
  }
  if (typeof value === 'bigint') return Number(value);
  return value as Ordered;
}

function shaped(value: unknown, shape: Shape, format: Format): Ordered {
  if (value === undefined || value === null) return null;
  switch (shape.kind) {
    case 'any':
      return generic(value, format);
    case 'ulimit':
      if (typeof value === 'object' && !Array.isArray(value)) {
        const u = value as Dict;
        const out: OrderedMap = new Map();
        for (const k of ['soft', 'hard']) {
          // go-yaml prints both (an anonymous struct without omitempty); JSON omits zeros.
          if (format === 'yaml') out.set(k, (u[k] ?? 0) as Ordered);
          else if (u[k]) out.set(k, u[k] as Ordered);
        }
        return out;
      }
      return generic(value, format);
    case 'list':
      return Array.isArray(value) ? value.map((v) => shaped(v, shape.of, format)) : generic(value, format);
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return generic(value, format);
      const out: OrderedMap = new Map();
      for (const k of Object.keys(value as Dict).sort(comparator(format))) {
        const v = (value as Dict)[k];
        if (v === undefined) continue;
        out.set(k, shaped(v, shape.of, format));
      }
      return out;
    }
    case 'struct':
      if (typeof value !== 'object' || Array.isArray(value)) return generic(value, format);
      return structValue(value as Dict, shape, format);
  }
}

function structValue(value: Dict, shape: Extract<Shape, { kind: 'struct' }>, format: Format): OrderedMap {
  const out: OrderedMap = new Map();
  const hidden = new Set(shape.hidden?.(value) ?? []);
  const known = new Set<string>();
  for (const field of shape.fields) {
    known.add(field.key);
    if (hidden.has(field.key)) continue;
    const v = value[field.key];
    const mode = omitModeFor(field, format);
    const fieldShape = field.shape ?? ANY;
    switch (mode) {
      case 'empty':
        if (isEmptyValue(v)) continue;
        break;
      case 'nil':
        if (v === undefined || v === null) continue;
        break;
      case 'bytes':
        if (isEmptyValue(v) || v === '0') continue;
        break;
      case 'duration':
        if (isEmptyValue(v) || v === '0s') continue;
        break;
      case 'optout':
        if (v === undefined || v === null || v === true) continue;
        break;
      case 'always':
        if (v === undefined) continue;
        break;
      case 'never':
        if (v === undefined || v === null) {
          out.set(field.key, null);
          continue;
        }
        break;
      case 'struct': {
        const inner = shaped(v ?? {}, fieldShape, format);
        if (format === 'yaml' && inner instanceof Map && inner.size === 0) continue;
        out.set(field.key, inner ?? new Map());
        continue;
      }
    }
    out.set(field.key, shaped(v, fieldShape, format));
  }
  // Keys outside the table: extensions (YAML only), then anything newer than the table.
  const rest = Object.keys(value)
    .filter((k) => !known.has(k) && !hidden.has(k) && value[k] !== undefined)
    .sort(comparator(format));
  for (const k of rest) {
    if (isExtension(k) && (format === 'json' || !shape.ext)) continue;
    out.set(k, generic(value[k], format));
  }
  return out;
}

/**
 * Orders and filters a loaded Project the way compose-go marshals it (`docker compose config`).
 * The YAML form follows the struct order with `name` first; the JSON form is a Go map at the top
 * level, hence sorted keys there.
 */
export function marshalProject(project: Dict, format: Format): OrderedMap {
  const top: OrderedMap = new Map();
  if (format === 'yaml') {
    if (project.name) top.set('name', project.name);
  } else {
    top.set('name', project.name ?? '');
  }
  for (const [key, shape] of PROJECT_FIELDS) {
    const v = project[key];
    // `services` has no omitempty; the others do.
    if (key === 'services') top.set(key, shaped(v ?? {}, shape, format));
    else if (!isEmptyValue(v)) top.set(key, shaped(v, shape, format));
  }
  const known = new Set(['name', ...PROJECT_FIELDS.map(([k]) => k)]);
  const rest = Object.keys(project)
    .filter((k) => !known.has(k) && !PROJECT_METADATA.has(k) && project[k] !== undefined)
    .sort(comparator(format));
  for (const k of rest) {
    if (!isExtension(k)) continue; // anything else at the top level is load metadata
    top.set(k, generic(project[k], format));
  }
  if (format === 'json') return new Map([...top].sort(([a], [b]) => compareJsonKeys(a, b)));
  return top;
}

/**
 * A raw model (what `--no-interpolate` prints: compose-go's map[string]any, not its structs): every
 * map sorted, nothing omitted.
 */
export function marshalRaw(model: Dict, format: Format): OrderedMap {
  const top = Object.fromEntries(Object.entries(model).filter(([k]) => !PROJECT_METADATA.has(k)));
  // Loaded secret (and env-sourced config) content stays private in this form too.
  for (const [kind, shape] of [
    ['secrets', secret],
    ['configs', config],
  ] as const) {
    const objects = top[kind];
    if (!objects || typeof objects !== 'object' || shape.kind !== 'struct') continue;
    top[kind] = Object.fromEntries(
      Object.entries(objects as Dict).map(([name, obj]) => {
        if (!obj || typeof obj !== 'object') return [name, obj];
        const hidden = new Set(shape.hidden?.(obj) ?? []);
        return [name, Object.fromEntries(Object.entries(obj).filter(([k]) => !hidden.has(k)))];
      }),
    );
  }
  const out = generic(top, format);
  return out instanceof Map ? out : new Map();
}
