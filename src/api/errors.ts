/**
 * berth's typed errors. Every error a user can cause carries a stable `code` (part of the public API:
 * never renamed), a short message, an optional hint, and where known the source location
 * (file, line, column, YAML path, service). The CLI prints `error: <file>:<line>:<col>: <message>`
 * plus the hint; library callers switch on `code`.
 */

/** Stable error codes. Add new ones at the end; never rename or reuse one. */
export type ErrorCode =
  /** No compose file found, or a named one is missing/unreadable. */
  | 'COMPOSE_FILE_NOT_FOUND'
  /** The YAML itself is malformed (syntax, duplicate key, bad tag, alias bomb). */
  | 'COMPOSE_YAML'
  /** The model violates the Compose JSON schema. */
  | 'COMPOSE_SCHEMA'
  /** `${VAR:?msg}` on an unset variable, or an invalid `${…}` template. */
  | 'COMPOSE_INTERPOLATION'
  /** A semantic rule is broken: undefined reference, conflicting keys, malformed port/duration/size. */
  | 'COMPOSE_INVALID'
  /** A depends_on / extends / include cycle. */
  | 'COMPOSE_CYCLE'
  /** `-p` / COMPOSE_PROJECT_NAME is not a valid project name, or no name can be derived. */
  | 'COMPOSE_PROJECT_NAME'
  /** An env_file / --env-file cannot be read or parsed. */
  | 'COMPOSE_ENV_FILE'
  /** `include` failed (missing file, conflict). */
  | 'COMPOSE_INCLUDE'
  /** `extends` failed (missing service or file). */
  | 'COMPOSE_EXTENDS'
  /** A service named on the command line does not exist. */
  | 'COMPOSE_UNKNOWN_SERVICE'
  /** A service is required by another but disabled by profiles. */
  | 'COMPOSE_SERVICE_DISABLED'
  /** The command line itself is wrong (bad flag value). */
  | 'USAGE'
  /** No engine answers at the endpoint (dockerd down, wrong DOCKER_HOST, socket permissions). */
  | 'RUNTIME_UNREACHABLE'
  /** The built-in engine cannot run on this host (not Linux, not root, runc/conmon/netavark missing). */
  | 'RUNTIME_UNAVAILABLE'
  /** The engine has no such container / network / volume. */
  | 'RUNTIME_NOT_FOUND'
  /** A name is taken, or the object is in use (network with endpoints, volume mounted). */
  | 'RUNTIME_CONFLICT'
  /** A published host port is already bound. */
  | 'RUNTIME_PORT_IN_USE'
  /** The image is neither local nor pullable (unknown name, no access, offline). */
  | 'IMAGE_NOT_FOUND'
  /** Any other engine failure; the message carries the engine's text. */
  | 'RUNTIME_ERROR'
  /** The operation was cancelled by an AbortSignal or Ctrl-C. */
  | 'ABORTED'
  /** `up --wait`: services were not running/healthy within the timeout. */
  | 'WAIT_TIMEOUT'
  /** A feature the file uses that berth does not support yet (said plainly, never ignored). */
  | 'UNSUPPORTED'
  /** A registry refused the credentials (wrong password, none given where required). */
  | 'REGISTRY_AUTH'
  /** An image build failed (a Dockerfile step, a missing base image, an unreadable context). */
  | 'BUILD_FAILED'
  /** `exec`/`cp`: the service has no (running) container to work in. */
  | 'SERVICE_NOT_RUNNING'
  /** Image content fails verification: a digest or diff_id mismatch, a malformed manifest, config or tar. */
  | 'IMAGE_CORRUPT'
  /** A layer tries to write outside its root (`..`, absolute path, through a symlink or hard link). */
  | 'IMAGE_LAYER_UNSAFE'
  /** An image reference does not follow the distribution/reference grammar. */
  | 'INVALID_REFERENCE'
  /** A registry answered with an error other than auth or not-found (5xx after retries, protocol error). */
  | 'REGISTRY_ERROR';

/** A path into the YAML model, e.g. `['services', 'web', 'ports', 0]`. */
export type YamlPath = ReadonlyArray<string | number>;

/** Where an error comes from. Any field may be missing when it is not known. */
export interface SourceLocation {
  /** Absolute path of the compose file, or `-` for stdin. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** Path into the model, e.g. `['services', 'web', 'image']`. */
  path?: YamlPath;
  /** The offending key inside `path`, when the error is about a key (an unknown key, say): the
   * line/column point at it while the message names the mapping that holds it. */
  key?: string;
  /** The service concerned, when there is one. */
  service?: string;
}

export interface BerthErrorOptions {
  hint?: string;
  location?: SourceLocation;
  cause?: unknown;
}

/** Base class of every error berth throws on purpose. */
export class BerthError extends Error {
  override readonly name: string = 'BerthError';
  readonly code: ErrorCode;
  readonly hint?: string;
  location?: SourceLocation;

  constructor(code: ErrorCode, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
  }

  /** `file:line:col: path: message` — the one-line form the CLI prints. */
  describe(): string {
    const loc = this.location;
    const parts: string[] = [];
    if (loc?.file) {
      let where = loc.file;
      if (loc.line) where += `:${loc.line}${loc.column ? `:${loc.column}` : ''}`;
      parts.push(where);
    }
    const path = loc?.path && loc.path.length > 0 ? formatYamlPath(loc.path) : undefined;
    if (path && !this.message.includes(path)) parts.push(path);
    parts.push(this.message);
    return parts.join(': ');
  }
}

/** Errors found while loading Compose files. */
export class ComposeError extends BerthError {
  override readonly name: string = 'ComposeError';
}

/** Errors from a runtime (the Docker engine or berth's own). */
export class RuntimeError extends BerthError {
  override readonly name: string = 'RuntimeError';
}

/** `['services','web','ports',0]` → `services.web.ports[0]`. */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function isBerthError(err: unknown): err is BerthError {
  return err instanceof BerthError;
}
