/**
 * berth's config hash: the value of the `com.docker.compose.config-hash` label on the containers
 * berth creates, and what `berth config --hash` prints. A container is recreated when the hash of the
 * desired service differs from its label, so the hash must change exactly when a container-level
 * setting changes — and never because berth itself was upgraded.
 *
 * docker compose (pkg/compose/hash.go) hashes Go's json.Marshal of the service, whose bytes depend on
 * Go struct order and omitempty rules (hash churn across Compose releases is a known bug class:
 * docker/compose#9600, #10068, #11335). berth keeps its own rule instead, fixed here for good:
 *
 *   hash = lowercase hex SHA-256 of the UTF-8 canonical JSON of the normalized service, where
 *   1. these keys are removed from the service: `build`, `pull_policy`, `scale`, `depends_on`,
 *      `profiles` (how the image is obtained, how many replicas run and in which order things start
 *      do not change a container), and `deploy.replicas`; a `deploy` left empty by that is removed;
 *   2. every key starting with `x-` (an extension) is removed, at any depth, except the keys of
 *      these maps of user data, which are kept as they are (their values are still cleaned):
 *      `environment`, `labels`, `annotations`, `sysctls`, `storage_opt`, `log_opt`, `options`,
 *      `driver_opts`, `networks`, `ulimits`, `models`;
 *   3. keys whose value is `undefined` are removed (they are absent); `null` is kept;
 *   4. canonical JSON: object keys sorted by UTF-16 code unit order (`Array.prototype.sort`),
 *      arrays in their order, no whitespace, strings and numbers as `JSON.stringify` writes them.
 *
 * The caller hashes the service as it will be created: environment already resolved (env_file
 * inlined), references to other services' containers resolved where that applies. Changing this rule
 * recreates every container berth manages, so it must not change; the golden values in
 * test/unit/reconcile/hash.test.ts guard it.
 */
import { createHash } from 'node:crypto';
import type { ServiceConfig } from '../compose/model.js';

/** Service keys that never cause a recreate (see the rule above). */
const IGNORED_KEYS = new Set(['build', 'pull_policy', 'scale', 'depends_on', 'profiles']);

/** Maps whose keys are user data (a label may well be called `x-foo`), rule 2. */
const USER_MAPS = new Set([
  'environment',
  'labels',
  'annotations',
  'sysctls',
  'storage_opt',
  'log_opt',
  'options',
  'driver_opts',
  'networks',
  'ulimits',
  'models',
]);

/** The stable config hash of a normalized service (lowercase hex SHA-256). */
export function configHash(service: ServiceConfig): string {
  return createHash('sha256')
    .update(canonicalJson(hashInput(service)), 'utf8')
    .digest('hex');
}

/** The part of a service that is hashed: the service minus the ignored keys (rule 1 and 2). */
export function hashInput(service: ServiceConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(service)) {
    if (IGNORED_KEYS.has(key) || key.startsWith('x-') || value === undefined) continue;
    if (key === 'deploy' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const { replicas: _replicas, ...rest } = value as Record<string, unknown>;
      if (Object.entries(rest).every(([k, v]) => v === undefined || k.startsWith('x-'))) continue;
      out[key] = rest;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * Canonical JSON (rule 3 and 4). `keepKeys` is false for objects whose `x-*` keys are extensions
 * (rule 2), true for the user-data maps.
 */
export function canonicalJson(value: unknown, keepKeys = false): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined && (keepKeys || !k.startsWith('x-')))
        .sort();
      // Inside a user map the values are structs again; inside a struct, USER_MAPS fields are maps.
      const field = (k: string, v: unknown) => canonicalJson(v, !keepKeys && USER_MAPS.has(k));
      return `{${keys.map((k) => `${JSON.stringify(k)}:${field(k, obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot hash a ${typeof value}`);
  }
}
