/**
 * `include` (spec 14-include.md; compose-go loader/include.go). Each entry is loaded as its own model:
 * its own project directory (default: the included file's folder; a relative `project_directory` is
 * resolved against the including working dir), its own `.env` (default `<project_directory>/.env`,
 * `/dev/null` skips it) whose values lose to the including project's environment. Paths inside it are
 * resolved against its project directory; it is not normalized. Its resources are imported into the
 * including model; a resource defined on both sides is merged with the local definition winning.
 * Cycles fail with `include cycle detected`.
 */
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { readEnvFiles } from './dotenv.js';
import { exists, fileKind } from './inputs.js';
import { mergeAt } from './merge.js';
import type { Dict } from './yaml.js';

export interface IncludeEntry {
  path: string[];
  project_directory?: string;
  env_file?: string[];
}

/** What include needs from the loader: load a nested model (files → dict, not normalized). */
export type LoadIncludedModel = (details: {
  /** Where relative paths of the included model resolve to: relative to the including one, like
   * compose-go's relworkingdir, so the including model's own resolution finishes the job. */
  workingDir: string;
  /** The included project directory, absolute: where its files are read from. */
  lookupDir: string;
  files: string[];
  environment: Record<string, string>;
  included: string[];
}) => Dict;

const RESOURCE_KINDS = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models'] as const;

function toEntries(source: unknown): IncludeEntry[] {
  if (source === undefined || source === null) return [];
  if (!Array.isArray(source)) {
    throw new ComposeError('COMPOSE_INCLUDE', '`include` must be a list', {
      location: { path: ['include'] },
    });
  }
  return source.map((item, i) => {
    if (typeof item === 'string') return { path: [item] };
    if (item && typeof item === 'object') {
      const o = item as Dict;
      const path = typeof o.path === 'string' ? [o.path] : Array.isArray(o.path) ? o.path.map(String) : [];
      const envFile =
        typeof o.env_file === 'string'
          ? [o.env_file]
          : Array.isArray(o.env_file)
            ? o.env_file.map(String)
            : [];
      if (path.length === 0) {
        throw new ComposeError('COMPOSE_INCLUDE', 'include entry needs a path', {
          location: { path: ['include', i] },
        });
      }
      return { path, project_directory: o.project_directory, env_file: envFile };
    }
    throw new ComposeError('COMPOSE_INCLUDE', 'include entry must be a string or a mapping', {
      location: { path: ['include', i] },
    });
  });
}

/**
 * Resolves `model.include` in place: imports the included resources into `model` and deletes `include`.
 * `resetPaths` are the current file's `!reset`/`!override` paths, honoured on conflicts.
 */
export function applyInclude(
  model: Dict,
  ctx: {
    /** The including model's directory, absolute: include paths are relative to it. */
    lookupDir: string;
    environment: Record<string, string>;
    included: string[];
    load: LoadIncludedModel;
    applyResets: (target: Dict) => void;
  },
): void {
  const entries = toEntries(model.include);
  entries.forEach((entry, index) => {
    const files = entry.path.map((p) => resolve(ctx.lookupDir, p));
    const main = files[0]!;
    if (ctx.included.includes(main)) {
      const chain = [...ctx.included, main];
      throw new ComposeError(
        'COMPOSE_CYCLE',
        `include cycle detected:\n${chain[0]}\n include ${chain.slice(1).join('\n include ')}`,
        { location: { path: ['include', index] } },
      );
    }
    for (const f of files) {
      if (!exists(f)) {
        throw new ComposeError('COMPOSE_INCLUDE', `included file ${f} not found`, {
          location: { path: ['include', index] },
          hint: 'include paths are relative to the including project directory',
        });
      }
    }
    let projectDir: string;
    let relDir: string;
    if (!entry.project_directory) {
      projectDir = dirname(main);
      relDir = relative(ctx.lookupDir, projectDir) || '.';
    } else if (!isAbsolute(entry.project_directory)) {
      projectDir = join(ctx.lookupDir, entry.project_directory);
      relDir = relative(ctx.lookupDir, projectDir) || '.';
    } else {
      projectDir = entry.project_directory;
      relDir = projectDir;
    }

    let envFiles: string[] = [];
    if (!entry.env_file || entry.env_file.length === 0) {
      const dotenv = join(projectDir, '.env');
      if (isRegularFile(dotenv)) envFiles = [dotenv];
    } else {
      for (let f of entry.env_file) {
        if (f === '/dev/null') continue;
        if (!isAbsolute(f)) {
          f = join(ctx.lookupDir, f);
          if (!exists(f)) {
            throw new ComposeError('COMPOSE_ENV_FILE', `env file ${f} not found`, {
              location: { path: ['include', index, 'env_file'] },
            });
          }
          if (!isRegularFile(f)) throw new ComposeError('COMPOSE_ENV_FILE', `${f} is not a file`);
        }
        envFiles.push(f);
      }
    }
    const fromFiles = readEnvFiles(envFiles, (k) => ctx.environment[k]);
    // The including project's environment wins over the included env_file.
    const environment: Record<string, string> = { ...fromFiles, ...ctx.environment };
    const imported = ctx.load({
      workingDir: relDir,
      lookupDir: projectDir,
      files,
      environment,
      included: [...ctx.included, main],
    });
    importResources(imported, model, ctx.applyResets);
  });
  delete model.include;
}

function isRegularFile(p: string): boolean {
  try {
    return fileKind(p) === 'file';
  } catch {
    return false;
  }
}

function importResources(source: Dict, target: Dict, applyResets: (t: Dict) => void): void {
  for (const kind of RESOURCE_KINDS) {
    const from = source[kind] as Dict | undefined;
    if (!from || typeof from !== 'object') continue;
    const to: Dict = target[kind] && typeof target[kind] === 'object' ? target[kind] : {};
    for (const [name, def] of Object.entries(from)) {
      if (!Object.hasOwn(to, name)) {
        to[name] = def;
        continue;
      }
      // Local definition wins: reset what the local file reset, then merge local over imported.
      const holder: Dict = { [kind]: { [name]: def } };
      applyResets(holder);
      to[name] = mergeAt(holder[kind]?.[name] ?? {}, to[name], [kind, name]);
    }
    target[kind] = to;
  }
}
