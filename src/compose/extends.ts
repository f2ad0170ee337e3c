/**
 * `extends` phase — compose-go loader/extends.go, override/extends.go and paths/extends.go (spec
 * 05-services.md "extends"). A service names a base service, in the same file (`extends: svc` or
 * `{service}`) or in another one (`{service, file}`); the base is resolved first (chains recurse, a
 * loop is a "Circular reference"), copied, stripped of the paths the extending file tagged
 * `!reset`/`!override`, and the extending service is merged over it with the same rules as `-f`.
 * Relative paths of a base from another file are made relative to that file's directory first.
 * Only the service is taken: networks, volumes or services the base refers to are not imported.
 * This runs per file (per YAML document), before that file is merged into the accumulated model.
 */
import { posix } from 'node:path';
import { ComposeError, type SourceLocation, type YamlPath } from '../api/errors.js';
import { isMapping, mergeService, setKey } from './merge.js';
import { cleanPath, joinPath, resolveRelativePaths } from './paths.js';
import { applyResets } from './reset.js';
import type { Dict } from './yaml.js';

export interface ExtendsContext {
  /** Absolute path of the file whose services are processed (messages and cycle tracking). */
  file: string;
  /**
   * Where a relative `extends.file` is looked up: compose-go's resource-loader directory, i.e. the
   * project working directory (for an included file, its project directory). Relative base-file paths
   * are rewritten relative to this directory, like compose-go; `''` means none was given.
   */
  workingDir: string;
  /**
   * The raw model of another file: parsed, interpolated, its documents merged, canonical — what
   * compose-go's loadYamlFile gives with include, extends, validation, defaults and path resolution
   * skipped. May throw. Not mutated.
   */
  loadFile(absPath: string): Dict;
  /** `!reset`/`!override` paths of the document being processed. Default: `resetPathsOf(file)`. */
  resetPaths?: readonly string[];
  /** `!reset`/`!override` paths of another file. */
  resetPathsOf?(absPath: string): readonly string[];
  /** Tells which `extends.file` values a remote resource loader fetches (left as they are). */
  isRemote?(path: string): boolean;
  /** Directory that a relative `workingDir` is taken from. Default: the process's. */
  cwd?: string;
  /** Each `extends` met, as compose-go's "extends" listener event sees it. */
  onExtends?(extendsValue: Dict): void;
  /** Accepted for symmetry with the other phases; extends has no warning of its own today. */
  onWarning?(message: string): void;
}

/**
 * Resolves every service's `extends` in `dict` (one file's model). Mutates `dict.services` in place:
 * each extending service is replaced by its merge with its base, without the `extends` key.
 */
export function applyExtends(dict: Dict, ctx: ExtendsContext): Dict {
  if (!Object.hasOwn(dict, 'services')) return dict;
  const services = dict.services;
  if (!isMapping(services)) {
    throw new ComposeError('COMPOSE_INVALID', 'services must be a mapping', {
      location: { path: ['services'] },
    });
  }
  const resolver = new ExtendsResolver(ctx);
  const scope: Scope = {
    services,
    resets: ctx.resetPaths ?? ctx.resetPathsOf?.(ctx.file) ?? [],
  };
  for (const name of Object.keys(services)) {
    setKey(services, name, resolver.resolve(name, scope, []));
  }
  return dict;
}

/** The services of one file, with that file's `!reset`/`!override` paths. */
interface Scope {
  services: Dict;
  resets: readonly string[];
  /** Set for a file other than the one being processed: error locations point there. */
  file?: string;
}

/** The chain being resolved, as compose-go's cycleTracker records it. */
type Chain = ReadonlyArray<{ file: string; service: string }>;

class ExtendsResolver {
  /** Other files, loaded and path-resolved once per run (compose-go re-reads them every time). */
  private readonly loaded = new Map<string, Scope>();

  constructor(private readonly ctx: ExtendsContext) {}

  /** compose-go applyServiceExtends: the service `name` of `scope`, with its `extends` resolved. */
  resolve(name: string, scope: Scope, chain: Chain): unknown {
    const service = scope.services[name];
    if (service === null || service === undefined) return null;
    const at = (...rest: YamlPath): SourceLocation => ({
      path: ['services', name, ...rest],
      service: name,
      ...(scope.file ? { file: scope.file } : {}),
    });
    if (!isMapping(service)) {
      throw new ComposeError('COMPOSE_INVALID', `services.${name} must be a mapping`, { location: at() });
    }
    if (!Object.hasOwn(service, 'extends')) return service;

    const ext = service.extends;
    let ref = '';
    let file: unknown;
    if (isMapping(ext)) {
      if (typeof ext.service !== 'string') {
        throw new ComposeError('COMPOSE_EXTENDS', `extends.${name}.service is required`, {
          location: at('extends'),
          hint: 'name the base service: `extends: {service: <name>}`',
        });
      }
      ref = ext.service;
      file = ext.file;
      this.ctx.onExtends?.(ext);
    } else if (typeof ext === 'string') {
      ref = ext;
      this.ctx.onExtends?.({ service: ref });
    }

    let baseScope = scope;
    let chainFile = this.ctx.file;
    if (file !== null && file !== undefined) {
      if (typeof file !== 'string') {
        throw new ComposeError('COMPOSE_EXTENDS', `extends.${name}.file must be a string`, {
          location: at('extends', 'file'),
        });
      }
      baseScope = this.loadScope(name, ref, file, at('extends', 'file'));
      chainFile = file;
    } else if (!Object.hasOwn(scope.services, ref)) {
      throw new ComposeError(
        'COMPOSE_EXTENDS',
        `cannot extend service "${name}" in ${this.ctx.file}: service "${ref}" not found`,
        {
          location: at('extends'),
          hint: 'add `file:` to extends if the base service is defined in another file',
        },
      );
    }

    const link = { file: chainFile, service: name };
    if (chain.some((c) => c.file === link.file && c.service === link.service)) {
      throw circularReference([...chain, link], at('extends'));
    }
    const base = this.resolve(ref, baseScope, [...chain, link]);
    if (base === null || base === undefined) return service;

    // The base is shared by every service extending it: work on a copy, and let the extending file's
    // `!reset`/`!override` tags remove what it replaces, addressed under the extending service's name.
    const source = deepClone(base) as Dict;
    applyResets({ services: { [name]: source } }, scope.resets);
    const merged = mergeService(source, service);
    delete merged.extends;
    setKey(scope.services, name, merged);
    return merged;
  }

  /** compose-go getExtendsBaseFromFile: the services of `file`, paths relative to its directory. */
  private loadScope(name: string, ref: string, file: string, location: SourceLocation): Scope {
    const { workingDir } = this.ctx;
    const located = posix.isAbsolute(file) ? cleanPath(file) : joinPath(workingDir, file);
    const absPath = posix.resolve(this.ctx.cwd ?? process.cwd(), located);
    let scope = this.loaded.get(absPath);
    if (!scope) {
      const model = this.ctx.loadFile(absPath);
      if (!Object.hasOwn(model, 'services')) {
        throw new ComposeError(
          'COMPOSE_EXTENDS',
          `cannot extend service "${name}" in ${absPath}: no services section`,
          {
            location,
          },
        );
      }
      if (!isMapping(model.services)) {
        throw new ComposeError(
          'COMPOSE_EXTENDS',
          `cannot extend service "${name}" in ${absPath}: services must be a mapping`,
          { location },
        );
      }
      const services = deepClone(model.services) as Dict;
      // compose-go resolves against the base file's directory *relative to the working directory*,
      // so paths stay relative when the project's are (resolvePaths off, or no working directory).
      const baseDir = goRel(workingDir, posix.dirname(located));
      resolveRelativePaths({ services }, baseDir, this.ctx.isRemote);
      scope = { services, resets: this.ctx.resetPathsOf?.(absPath) ?? [], file: absPath };
      this.loaded.set(absPath, scope);
    }
    if (!Object.hasOwn(scope.services, ref)) {
      throw new ComposeError(
        'COMPOSE_EXTENDS',
        `cannot extend service "${name}" in ${this.ctx.file}: service "${ref}" not found in ${file}`,
        { location },
      );
    }
    return scope;
  }
}

function circularReference(chain: Chain, location: SourceLocation): ComposeError {
  const [first, ...rest] = chain;
  const lines = ['Circular reference:', `  ${first!.service} in ${first!.file}`];
  for (const c of rest) lines.push(`  extends ${c.service} in ${c.file}`);
  return new ComposeError('COMPOSE_CYCLE', lines.join('\n'), {
    location,
    hint: 'a service cannot extend itself, directly or through other services',
  });
}

function deepClone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepClone);
  if (isMapping(value)) {
    const out: Dict = {};
    for (const key of Object.keys(value)) setKey(out, key, deepClone(value[key]));
    return out;
  }
  return value;
}

/** Go filepath.Rel, except that it fails (→ the target itself) between absolute and relative paths. */
function goRel(base: string, target: string): string {
  if (posix.isAbsolute(base) !== posix.isAbsolute(target)) return target;
  const rel = posix.relative(cleanPath(base), cleanPath(target));
  return rel === '' ? '.' : rel;
}
