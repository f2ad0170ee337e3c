/**
 * Relative path resolution — compose-go `paths/resolve.go` (+ context.go, extends.go, unix.go, home.go).
 * Runs once on the merged model, after defaults and semantic validation. Relative paths are joined to
 * the project working directory (Go `filepath.Join`, which also cleans); a leading `~` is the home
 * directory. Exactly these places hold paths:
 * - `services.*.build.context`, `build.additional_contexts.*` — not URLs (`x://`), `service:` refs,
 *   git/http remotes (`github.com/`, `git@`, …);
 * - `services.*.build.ssh.*` — key paths (`default` without a path stays null);
 * - `services.*.env_file[].path`, `services.*.label_file[]`;
 * - `services.*.extends.file` — unless a remote loader accepts it;
 * - `services.*.develop.watch[].path` — and a symlinked component is replaced by its target;
 * - `services.*.volumes[]` of `type: bind` — `source` (a bind without one is an error);
 * - `configs.*.file`, `secrets.*.file`;
 * - `volumes.*.driver_opts.device` when `driver: local` and `o: bind` (a bind in disguise).
 * Unix and Windows absolute paths are both left alone where a daemon may be on the other OS.
 * compose-go also lists `include.*` patterns, but they never match its list-shaped `include` (and
 * `include` is gone by then), so include paths are resolved by the include phase instead.
 */
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { isSymbolicLink, realPath } from './inputs.js';
import type { Dict } from './yaml.js';

/** Go `path.Clean`: lexical normalization, no trailing slash (except `/`), `''` → `.`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  let out = posix.normalize(p);
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  return out;
}

/** Go `filepath.Join` on Unix: empty elements are skipped, the result is cleaned, all-empty is `''`. */
export function joinPath(...elems: string[]): string {
  const parts = elems.filter((e) => e !== '');
  return parts.length === 0 ? '' : cleanPath(parts.join('/'));
}

/** compose-go `ExpandUser`: `~` (and `~x`, as Go does) is rooted at the home directory. */
export function expandUser(p: string): string {
  if (!p.startsWith('~')) return p;
  const home = process.env.HOME || homedir();
  return home ? joinPath(home, p.slice(1)) : p;
}

/** compose-go `IsWindowsAbs`: `C:\x`, `C:/x`, `\\host\share\x`, `\\?\…` — absolute for a Windows daemon. */
export function isWindowsAbs(p: string): boolean {
  const sep = (c: string | undefined): boolean => c === '\\' || c === '/';
  if (p.length >= 2 && p[1] === ':') return sep(p[2]);
  // UNC and device paths start with two separators; compose-go treats them as absolute.
  return p.length >= 2 && sep(p[0]) && sep(p[1]);
}

const REMOTE_CONTEXT_PREFIXES = ['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'];

/** BuildKit's rule: a git reference or an http(s) URL is a remote build context. */
export function isRemoteContext(p: string): boolean {
  return REMOTE_CONTEXT_PREFIXES.some((prefix) => p.startsWith(prefix));
}

/**
 * Makes the relative paths of `dict` absolute against `workingDir`. Mutates `dict` in place and
 * returns it. `isRemote` tells which `extends.file` values a remote resource loader will fetch.
 * An empty `workingDir` leaves relative paths relative (only cleaned), as compose-go does.
 */
export function resolveRelativePaths(
  dict: Dict,
  workingDir: string,
  isRemote: (p: string) => boolean = () => false,
): Dict {
  const r = new Resolver(workingDir, isRemote);
  const services = asDict(dict.services);
  if (services) {
    for (const [name, service] of Object.entries(services)) {
      const s = asDict(service);
      if (s) r.service(name, s);
    }
  }
  for (const kind of ['configs', 'secrets'] as const) {
    const resources = asDict(dict[kind]);
    if (!resources) continue;
    for (const res of Object.values(resources)) {
      const d = asDict(res);
      if (d && 'file' in d) d.file = r.maybeUnixPath(d.file);
    }
  }
  const volumes = asDict(dict.volumes);
  if (volumes) {
    for (const vol of Object.values(volumes)) {
      const v = asDict(vol);
      if (v) r.volumeDriverOpts(v);
    }
  }
  return dict;
}

class Resolver {
  constructor(
    private readonly workingDir: string,
    private readonly isRemote: (p: string) => boolean,
  ) {}

  service(name: string, s: Dict): void {
    const build = asDict(s.build);
    if (build) {
      if (typeof build.context === 'string') build.context = this.contextPath(build.context);
      const extra = build.additional_contexts;
      if (isDict(extra)) {
        for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') extra[k] = this.contextPath(v);
      }
      const ssh = build.ssh;
      if (isDict(ssh)) {
        for (const [k, v] of Object.entries(ssh)) ssh[k] = this.maybeUnixPath(v);
      }
    }
    if (Array.isArray(s.env_file)) {
      for (const entry of s.env_file) {
        if (isDict(entry) && 'path' in entry)
          entry.path = this.absPath(entry.path, ['services', name, 'env_file']);
      }
    }
    if (Array.isArray(s.label_file)) {
      s.label_file = s.label_file.map((p: unknown) => this.absPath(p, ['services', name, 'label_file']));
    }
    const ext = asDict(s.extends);
    if (ext && typeof ext.file === 'string' && !this.isRemote(ext.file)) {
      ext.file = this.absPath(ext.file, ['services', name, 'extends', 'file']);
    }
    const watch = asDict(s.develop)?.watch;
    if (Array.isArray(watch)) {
      watch.forEach((w: unknown, i: number) => {
        if (isDict(w) && 'path' in w) {
          const abs = this.absPath(w.path, ['services', name, 'develop', 'watch', i, 'path']);
          w.path = typeof abs === 'string' ? resolveSymbolicLink(abs) : abs;
        }
      });
    }
    if (Array.isArray(s.volumes)) {
      s.volumes.forEach((vol: unknown, i: number) => {
        if (!isDict(vol) || vol.type !== 'bind') return; // short syntax is not canonical yet: skipped
        if (!('source' in vol)) {
          throw new ComposeError(
            'COMPOSE_INVALID',
            'invalid mount config for type "bind": field Source must not be empty',
            {
              location: { path: ['services', name, 'volumes', i], service: name },
              hint: 'set `source:` to the host path to bind, or use `type: volume` for a named volume',
            },
          );
        }
        vol.source = this.maybeUnixPath(vol.source);
      });
    }
  }

  volumeDriverOpts(vol: Dict): void {
    if (vol.driver !== 'local') return;
    const opts = asDict(vol.driver_opts);
    if (opts && opts.o === 'bind' && 'device' in opts) opts.device = this.maybeUnixPath(opts.device);
  }

  /** Build contexts: URLs, `service:` references and git remotes are not paths. */
  contextPath(v: string): string {
    if (v.includes('://') || v.startsWith('service:') || isRemoteContext(v)) return v;
    return this.absPath(v, []) as string;
  }

  /** compose-go `absPath`: strings (or lists of them) made absolute; anything else is an error. */
  absPath(value: unknown, at: (string | number)[]): unknown {
    if (Array.isArray(value)) return value.map((v) => this.absPath(v, at));
    if (typeof value !== 'string') {
      throw new ComposeError('COMPOSE_INVALID', `unexpected type ${goTypeName(value)} for a path`, {
        location: { path: at },
      });
    }
    const v = expandUser(value);
    if (v.startsWith('/') || v === '') return v;
    return joinPath(this.workingDir, v);
  }

  /** Bind sources and file paths may target a daemon on another OS: Windows absolute paths stay. */
  maybeUnixPath(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const p = expandUser(value);
    if (p.startsWith('/') || isWindowsAbs(p)) return p;
    return joinPath(this.workingDir, p);
  }
}

/**
 * compose-go `utils.ResolveSymbolicLink`: the first path component that is a symlink is replaced by
 * its resolved target, so file watching sees the real directory.
 */
export function resolveSymbolicLink(path: string): string {
  const parts = path.split('/');
  let current = path.startsWith('/') ? '/' : '';
  for (const part of parts) {
    if (part === '') continue;
    current = current === '' ? part : joinPath(current, part);
    let isLink = false;
    try {
      isLink = isSymbolicLink(current);
    } catch {
      isLink = false;
    }
    if (isLink) {
      let target: string;
      try {
        target = realPath(current);
      } catch (err) {
        throw new ComposeError('COMPOSE_INVALID', `cannot resolve symbolic link ${current}`, { cause: err });
      }
      return path.replace(current, () => target);
    }
  }
  return path;
}

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  return typeof v;
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asDict(v: unknown): Dict | undefined {
  return isDict(v) ? v : undefined;
}
