/**
 * The CLI's cache of loaded projects. Loading a Compose project (YAML parsing, schema validation,
 * interpolation, merging, normalization) is most of what a no-op `berth up` or a `berth ps -f FILE`
 * does besides starting Node: ~40 ms of CPU on a 100-service file. A run that loads a project keeps
 * the result in `<cache>/projects/<key>.json`; the next run with the same flags in the same directory
 * uses it when nothing the load depended on has changed:
 *
 * - the key: berth's build, the working directory and every load option (-f, -p, --project-directory,
 *   --env-file, --profile, services, --no-interpolate…);
 * - the whole environment, as a hash: any variable may be interpolated, and a changed one means a load;
 * - every file-system call the load made, replayed (src/compose/inputs.ts): file contents as hashes,
 *   existence and kind of every path tested (a `.env` or `compose.override.yaml` that appears since is
 *   a change), symbolic links of bind paths;
 * - the warnings it printed, printed again.
 *
 * Only successful loads are kept; `-f -` (stdin) is never cached. The entries hold the loaded project,
 * which includes values from the environment and env files that the services use, so the directory is
 * private to the user (0700, files 0600). `BERTH_NO_PROJECT_CACHE=1` turns the cache off; any failure
 * to read or write it costs only the speed-up. It is used only by the bundled CLI (bin/berth.js), whose
 * build id keys it: a rebuilt berth never reads an older build's entries.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { contentHash, type Input, inputsUnchanged, recordInputs } from '../compose/inputs.js';
import { type LoadOptions, loadEnvironment } from '../compose/load-options.js';
import type { Project } from '../compose/model.js';

/** Set by scripts/bundle-cli.mjs (esbuild `define`); undefined in tsc's unbundled output. */
declare const __BERTH_BUILD__: string;

interface Entry {
  env: string;
  inputs: Input[];
  warnings: string[];
  project: Record<string, unknown>;
  workingDir: string;
  configFiles: string[];
  disabledServices: Record<string, unknown>;
}

let loadedThisRun = false;

/**
 * Whether this process loaded a project (a miss) rather than taking one from the cache: bin/berth.js
 * keeps V8 code caches of such runs apart, as they compiled the loader that cache hits never run.
 */
export function projectWasLoaded(): boolean {
  return loadedThisRun;
}

/** berth's cache root: $BERTH_CACHE_DIR, else $XDG_CACHE_HOME/berth, else ~/.cache/berth (as bin/berth.js). */
export function cacheRoot(env: Record<string, string | undefined>): string {
  return env.BERTH_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth');
}

/** The bundle's build id; undefined in unbundled runs (tsc's output, --debug, tests). */
function bundledBuild(): string | undefined {
  return typeof __BERTH_BUILD__ === 'string' ? __BERTH_BUILD__ : undefined;
}

/**
 * The project `load(options)` gives (`options.env` and `cwd` included), from the cache when it is still
 * valid. `load` is the loader, imported by the caller only on a miss (it is most of the bundle's code).
 * `build` names the loader's build (tests pass their own); without one this is `load(options)`.
 */
export async function loadProjectCached(
  options: LoadOptions,
  load: (options: LoadOptions) => Promise<Project>,
  build: string | undefined = bundledBuild(),
): Promise<Project> {
  const env = options.env ?? process.env;
  if (build === undefined || env.BERTH_NO_PROJECT_CACHE || (options.files ?? []).includes('-')) {
    return load(options);
  }
  const dir = join(cacheRoot(env), 'projects');
  const file = join(dir, `${keyOf(build, options)}.json`);
  const envHash = environmentHash(env);

  const hit = readEntry(file);
  if (hit && hit.env === envHash && inputsUnchanged(hit.inputs)) {
    for (const w of hit.warnings) options.onWarning?.(w);
    // The loader adds the project's name to the environment it keeps (load.ts loadModelIn).
    return revive(hit, () => ({
      ...loadEnvironment(options),
      COMPOSE_PROJECT_NAME: hit.project.name as string,
    }));
  }

  loadedThisRun = true;
  const warnings: string[] = [];
  const { value: project, inputs } = await recordInputs(() =>
    load({
      ...options,
      onWarning: (m) => {
        warnings.push(m);
        options.onWarning?.(m);
      },
    }),
  );
  const entry: Entry = {
    env: envHash,
    inputs,
    warnings,
    project: { ...project },
    workingDir: project.workingDir,
    configFiles: project.configFiles,
    disabledServices: project.disabledServices ?? {},
  };
  let text: string;
  try {
    text = JSON.stringify(entry);
  } catch {
    return project; // not JSON (never seen): not cached
  }
  writeEntry(dir, file, text);
  // What a hit would give, so that a run behaves the same whether or not the cache answered (JSON
  // drops keys whose value is undefined).
  return revive(JSON.parse(text) as Entry, () => project.environment);
}

function keyOf(build: string, o: LoadOptions): string {
  return contentHash(
    JSON.stringify([
      build,
      resolve(o.cwd ?? process.cwd()),
      o.files ?? null,
      o.projectName ?? null,
      o.projectDirectory ?? null,
      o.envFiles ?? null,
      o.profiles ?? null,
      o.services ?? null,
      o.interpolate ?? null,
      o.normalize ?? null,
      o.resolvePaths ?? null,
      o.consistency ?? null,
      o.resolveEnvironment ?? null,
    ]),
  );
}

function environmentHash(env: Record<string, string | undefined>): string {
  const pairs: string[] = [];
  for (const k of Object.keys(env).sort()) if (env[k] !== undefined) pairs.push(`${k}=${env[k]}`);
  return contentHash(pairs.join('\0'));
}

function readEntry(file: string): Entry | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    return Array.isArray(entry.inputs) && entry.project && typeof entry.env === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** A Project as the loader returns it, with the same non-enumerable properties (load.ts modelToProject). */
function revive(entry: Entry, environmentOf: () => Record<string, string>): Project {
  const project = entry.project as unknown as Project;
  let environment: Record<string, string> | undefined;
  Object.defineProperties(project, {
    workingDir: { value: entry.workingDir, enumerable: false, writable: true },
    configFiles: { value: entry.configFiles, enumerable: false, writable: true },
    disabledServices: { value: entry.disabledServices, enumerable: false, writable: true },
    // Not stored (it is the whole environment); recomputed, from the same inputs, when a verb asks.
    environment: {
      enumerable: false,
      get: () => {
        environment ??= environmentOf();
        return environment;
      },
      set: (value: Record<string, string>) => {
        environment = value;
      },
    },
  });
  return project;
}

const DAY_MS = 86_400_000;

function writeEntry(dir: string, file: string, text: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
    // Entries of other directories, flags or builds pile up: drop those not written for a day (a hit
    // does not rewrite its entry, so a busy one costs one load a day).
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      try {
        if (p !== file && now - statSync(p).mtimeMs > DAY_MS) unlinkSync(p);
      } catch {}
    }
  } catch {
    // Only the speed-up is lost.
  }
}
