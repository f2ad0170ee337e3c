/**
 * What `docker compose` does before loading (docker/compose cmd/compose/compose.go toProjectOptions +
 * compose-go cli/options.go). OS environment first (it always wins), then `--env-file`s or
 * `<workingDir>/.env` (unless COMPOSE_DISABLE_ENV_FILE), then COMPOSE_FILE (which may come from .env) or
 * discovery, then `.env` once more if discovery moved the working dir, COMPOSE_PROFILES, and the project
 * name: `-p` > COMPOSE_PROJECT_NAME > `name:` (load.ts) > directory name. Kept apart from the loader
 * so that the CLI's project cache can get a project's environment without loading YAML.
 */
import { resolve } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { discoverConfigFiles, preliminaryWorkingDir } from './discover.js';
import { readEnvFiles } from './dotenv.js';
import { exists, fileKind } from './inputs.js';
import { invalidProjectNameError, isValidProjectName } from './project-name.js';

/** Options of {@link loadProject}; each mirrors a `docker compose` flag or variable. */
export interface LoadOptions {
  /** `-f`, repeatable; `-` reads stdin. Default: COMPOSE_FILE, else discovery. */
  files?: string[];
  /** `-p`. Default: COMPOSE_PROJECT_NAME, `name:`, the directory name. */
  projectName?: string;
  /** `--project-directory`. Default: the first file's directory. */
  projectDirectory?: string;
  /** `--env-file`, repeatable. Default: `<project dir>/.env`. */
  envFiles?: string[];
  /** `--profile`, repeatable. Default: COMPOSE_PROFILES. */
  profiles?: string[];
  /** Services named on the command line: they enable their own profiles, and only they (and their
   * dependencies) are kept. */
  services?: string[];
  /** The environment to read variables from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Default: `process.cwd()`. */
  cwd?: string;
  /** How `-f -` is read. Default: all of `process.stdin`. */
  stdin?: () => Promise<string>;
  /** `--no-interpolate` → false. */
  interpolate?: boolean;
  /** `--no-normalize` → false. */
  normalize?: boolean;
  /** `--no-path-resolution` → false. */
  resolvePaths?: boolean;
  /** `--no-consistency` → false. */
  consistency?: boolean;
  /** false keeps `env_file` in the model (`--no-env-resolution`). Default true: inlined into environment. */
  resolveEnvironment?: boolean;
  /** Warnings (obsolete `version`, unset variables…). Default: none reported. */
  onWarning?: (message: string) => void;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|t|true)$/i.test(v.trim());
}

/** `--env-file`s (missing ones are errors) or the default `.env` (ignored when missing). */
function envFilesFor(
  explicit: string[] | undefined,
  workingDir: string,
  cwd: string,
  env: Record<string, string>,
) {
  if (explicit && explicit.length > 0) {
    return explicit.map((f) => {
      const p = resolve(cwd, f);
      if (!exists(p)) {
        throw new ComposeError('COMPOSE_ENV_FILE', `couldn't find env file: ${p}`, {
          location: { file: p },
          hint: '--env-file paths are relative to the current directory',
        });
      }
      return p;
    });
  }
  if (isTrue(env.COMPOSE_DISABLE_ENV_FILE)) return [];
  const p = resolve(workingDir, '.env');
  try {
    if (fileKind(p) === 'file') return [p];
  } catch {
    // no default .env: fine
  }
  return [];
}

/** What the loader starts from: the files, the environment, the profiles and the imposed name. */
export interface Prepared {
  environment: Record<string, string>;
  discovered: ReturnType<typeof discoverConfigFiles>;
  profiles: string[];
  name: { name: string; imperative: boolean } | undefined;
}

/**
 * The environment a load of `options` interpolates with (OS environment over `.env`/`--env-file`s),
 * without loading: a Project's `environment`, for a project that came from the CLI's project cache.
 */
export function loadEnvironment(options: LoadOptions = {}): Record<string, string> {
  // Warnings (several compose files found…) were reported by the load this stands in for.
  return prepare({ ...options, onWarning: undefined }).environment;
}

export function prepare(options: LoadOptions): Prepared {
  const cwd = resolve(options.cwd ?? process.cwd());
  const osEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) osEnv[k] = v;
  if (osEnv.PWD === undefined) osEnv.PWD = cwd;

  // --env-file defaults to COMPOSE_ENV_FILES (comma-separated), as in docker compose.
  const explicitEnvFiles =
    options.envFiles && options.envFiles.length > 0
      ? options.envFiles
      : osEnv.COMPOSE_ENV_FILES
        ? osEnv.COMPOSE_ENV_FILES.split(',').filter((f) => f !== '')
        : undefined;
  // OS env always wins over env files.
  const withDotEnv = (workingDir: string): Record<string, string> => {
    const files = envFilesFor(explicitEnvFiles, workingDir, cwd, osEnv);
    const fromFiles = readEnvFiles(files, (k) => osEnv[k]);
    return { ...fromFiles, ...osEnv };
  };

  const firstDir = preliminaryWorkingDir({
    files: options.files,
    projectDirectory: options.projectDirectory,
    env: osEnv,
    cwd,
  });
  let environment = withDotEnv(firstDir);
  const discovered = discoverConfigFiles({
    files: options.files,
    projectDirectory: options.projectDirectory,
    env: environment,
    cwd,
    onWarning: options.onWarning,
  });
  if (discovered.workingDir !== firstDir) environment = withDotEnv(discovered.workingDir);

  let profiles = options.profiles ?? [];
  if (profiles.length === 0 && environment.COMPOSE_PROFILES) {
    profiles = environment.COMPOSE_PROFILES.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  let name: { name: string; imperative: boolean } | undefined;
  if (options.projectName !== undefined && options.projectName !== '') {
    if (!isValidProjectName(options.projectName))
      throw invalidProjectNameError(options.projectName, '-p/--project-name');
    name = { name: options.projectName, imperative: true };
  } else if (environment.COMPOSE_PROJECT_NAME) {
    const fromEnv = environment.COMPOSE_PROJECT_NAME;
    if (!isValidProjectName(fromEnv)) throw invalidProjectNameError(fromEnv, 'COMPOSE_PROJECT_NAME');
    name = { name: fromEnv, imperative: true };
  }
  return { environment, discovered, profiles, name };
}
