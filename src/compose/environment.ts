/**
 * Environment resolution — compose-go `loader/environment.go` (`ResolveEnvironment`) and
 * `types/project.go` (`WithServicesEnvironmentResolved`, `WithServicesLabelsResolved`), spec
 * `05-services.md#env_file` and `#label_file`:
 * - `secrets.*.environment` / `configs.*.environment` name a project variable whose value becomes the
 *   resource's `content`; list-form service `environment` entries without `=` take the project value;
 * - a service's `env_file`s are read in order (later files win), `${VAR}` in them looks up the project
 *   environment first, then the service's own `environment`, then what earlier files set; a missing
 *   file is an error unless `required: false`; `format: raw` takes values literally;
 * - the service's `environment` wins over its env files; a valueless entry takes the project value;
 * - `label_file`s are read the same way (variables only from earlier label files) and `labels` win.
 */
import { resolve as resolvePath } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { parseDotenv } from './dotenv.js';
import { exists, readText } from './inputs.js';
import type { Dict } from './yaml.js';

type Env = Readonly<Record<string, string>>;
type Lookup = (key: string) => string | undefined;

/**
 * compose-go `ResolveEnvironment` (runs before normalization, on the raw model): list-form service
 * `environment` entries and `secrets`/`configs` `environment:` references. Mutates `dict`, returns it.
 */
export function resolveEnvironment(dict: Dict, env: Env): Dict {
  const services = asDict(dict.services);
  if (services) {
    for (const service of Object.values(services)) {
      if (!isDict(service) || !Array.isArray(service.environment)) continue;
      const resolved: string[] = [];
      for (const entry of service.environment) {
        if (typeof entry !== 'string') continue; // as compose-go: only strings survive
        resolved.push(Object.hasOwn(env, entry) ? `${entry}=${env[entry]}` : entry);
      }
      service.environment = resolved;
    }
  }
  return resolveSecretsConfigsEnvironment(dict, env);
}

/**
 * `secrets.*` / `configs.*` with `environment: VAR` get `content` = the project's `VAR` (left alone
 * when it is unset). Mutates `dict` and returns it.
 */
export function resolveSecretsConfigsEnvironment(dict: Dict, env: Env): Dict {
  for (const kind of ['secrets', 'configs'] as const) {
    const resources = asDict(dict[kind]);
    if (!resources) continue;
    for (const resource of Object.values(resources)) {
      if (!isDict(resource) || typeof resource.environment !== 'string') continue;
      if (Object.hasOwn(env, resource.environment)) resource.content = env[resource.environment];
    }
  }
  return dict;
}

export interface ServiceEnvironmentOptions {
  /** The project environment (interpolation environment, with COMPOSE_PROJECT_NAME). */
  env: Env;
  /** Drop `env_file` once inlined into `environment` (`docker compose config` does). */
  discardEnvFiles: boolean;
  /**
   * Directory that still-relative env file paths (path resolution switched off) are read from;
   * compose-go uses the process's current directory, which is the default.
   */
  baseDir?: string;
}

/**
 * compose-go `WithServicesEnvironmentResolved`: inlines every enabled service's `env_file`s into its
 * `environment` map. Returns a new project dict; the input is not modified.
 * Errors: `COMPOSE_ENV_FILE` for a missing required file, an unreadable or malformed one, or an
 * unknown `format`.
 */
export function resolveServiceEnvironment(project: Dict, options: ServiceEnvironmentOptions): Dict {
  const services = asDict(project.services);
  if (!services) return project;
  const out: Dict = {};
  for (const [name, service] of Object.entries(services)) {
    out[name] = isDict(service) ? resolveOne(name, service, options) : service;
  }
  return { ...project, services: out };
}

function resolveOne(
  name: string,
  service: Dict,
  { env, discardEnvFiles, baseDir }: ServiceEnvironmentOptions,
): Dict {
  const own = toMapping(service.environment);
  for (const [k, v] of own) if (v === null && Object.hasOwn(env, k)) own.set(k, env[k]!);

  // As compose-go: env files are parsed into the service's (valued) environment, so `${X}` falls back
  // to it and to earlier files after the lookup (project environment, then the service's own values).
  const vars: Record<string, string> = {};
  for (const [k, v] of own) if (v !== null) setOwn(vars, k, v);
  const lookup: Lookup = (k) => (Object.hasOwn(env, k) ? env[k] : (own.get(k) ?? undefined));

  envFiles(service.env_file).forEach((file, i) => {
    const path = baseDir === undefined ? file.path : resolvePath(baseDir, file.path);
    if (!exists(path)) {
      if (!file.required) return;
      throw new ComposeError('COMPOSE_ENV_FILE', `env file ${path} not found`, {
        location: { path: ['services', name, 'env_file', i], service: name },
        hint: 'create the file, or mark it `required: false` in the long env_file syntax',
      });
    }
    readMappingFile(path, { lookup, vars, format: file.format }, ['services', name, 'env_file', i], name);
  });

  // The service's own entries win, a valueless one included (it stays valueless).
  const merged: Dict = {};
  for (const [k, v] of Object.entries(vars)) setOwn(merged, k, v);
  for (const [k, v] of own) setOwn(merged, k, v);

  const result: Dict = { ...service };
  if (Object.keys(merged).length > 0) result.environment = merged;
  else delete result.environment;
  if (discardEnvFiles) delete result.env_file;
  return result;
}

/**
 * compose-go `WithServicesLabelsResolved`: inlines every enabled service's `label_file`s into its
 * `labels` (`labels` win). Returns a new project dict. A missing label file is a `COMPOSE_ENV_FILE`
 * error. compose-go drops `label_file` under the same flag as `env_file`.
 */
export function resolveServiceLabels(
  project: Dict,
  options: { discardLabelFiles: boolean; baseDir?: string },
): Dict {
  const services = asDict(project.services);
  if (!services) return project;
  const out: Dict = {};
  for (const [name, service] of Object.entries(services)) {
    if (!isDict(service)) {
      out[name] = service;
      continue;
    }
    const labels = new Map<string, string>();
    const lookup: Lookup = (k) => labels.get(k);
    const files = Array.isArray(service.label_file) ? service.label_file : [];
    files.forEach((file: unknown, i: number) => {
      const at = ['services', name, 'label_file', i];
      const path = options.baseDir === undefined ? String(file) : resolvePath(options.baseDir, String(file));
      if (!exists(path)) {
        throw new ComposeError('COMPOSE_ENV_FILE', `label file ${path} not found`, {
          location: { path: at, service: name },
          hint: 'create the file or remove it from `label_file`',
        });
      }
      const vars = readMappingFile(path, { lookup, vars: {}, format: '' }, at, name);
      for (const [k, v] of Object.entries(vars)) labels.set(k, v);
    });
    for (const [k, v] of toMapping(service.labels)) labels.set(k, v ?? '');
    const result: Dict = { ...service };
    if (labels.size > 0) {
      const merged: Dict = {};
      for (const [k, v] of labels) setOwn(merged, k, v);
      result.labels = merged;
    }
    if (options.discardLabelFiles) delete result.label_file;
    out[name] = result;
  }
  return { ...project, services: out };
}

interface EnvFileRef {
  path: string;
  required: boolean;
  format: string;
}

/** `env_file` in any of its shapes (string, list of strings, list of `{path, required, format}`). */
function envFiles(value: unknown): EnvFileRef[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const out: EnvFileRef[] = [];
  for (const entry of list) {
    if (typeof entry === 'string') out.push({ path: entry, required: true, format: '' });
    else if (isDict(entry) && typeof entry.path === 'string') {
      out.push({
        path: entry.path,
        required: entry.required !== false && entry.required !== 'false',
        format: typeof entry.format === 'string' ? entry.format : '',
      });
    }
  }
  return out;
}

/** Reads one env/label file into `options.vars` (and returns it), with compose-go's messages. */
function readMappingFile(
  path: string,
  options: { lookup: Lookup; vars: Record<string, string>; format: string },
  at: (string | number)[],
  service: string,
): Record<string, string> {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    throw new ComposeError('COMPOSE_ENV_FILE', `failed to read ${path}: ${(err as Error).message}`, {
      location: { path: at, service },
      cause: err,
    });
  }
  try {
    return parseDotenv(text, { ...options, file: path });
  } catch (err) {
    // A syntax error is located in the env file itself (file:line); anything else at the reference.
    if (err instanceof ComposeError) {
      err.location = err.location?.line !== undefined ? { ...err.location, service } : { path: at, service };
    }
    throw err;
  }
}

/** Sets `key` even when it is `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A `KEY=VALUE` list or a map as an ordered mapping; `null` marks a valueless entry. Scalars are
 * stringified the way Go's `fmt.Sprint` does for YAML scalars.
 */
function toMapping(value: unknown): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (Array.isArray(value)) {
    for (const entry of value) {
      const s = String(entry);
      const eq = s.indexOf('=');
      if (eq < 0) out.set(s, null);
      else out.set(s.slice(0, eq), s.slice(eq + 1));
    }
  } else if (isDict(value)) {
    for (const [k, v] of Object.entries(value)) out.set(k, v == null ? null : String(v));
  }
  return out;
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asDict(v: unknown): Dict | undefined {
  return isDict(v) ? v : undefined;
}
