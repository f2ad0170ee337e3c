/**
 * The user-level entry: what `docker compose` does before calling the loader (docker/compose
 * cmd/compose/compose.go toProjectOptions + compose-go cli/options.go). OS environment first (it always
 * wins), then `--env-file`s or `<workingDir>/.env` (unless COMPOSE_DISABLE_ENV_FILE), then COMPOSE_FILE
 * (which may come from .env) or discovery, then `.env` once more if discovery moved the working dir,
 * COMPOSE_PROFILES, and the project name: `-p` > COMPOSE_PROJECT_NAME > `name:` > directory name.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { discoverConfigFiles, preliminaryWorkingDir } from './discover.js';
import { readEnvFiles } from './dotenv.js';
import { type ConfigFile, loadModel } from './load.js';
import type { Project } from './model.js';
import { invalidProjectNameError, isValidProjectName, normalizeProjectName } from './project-name.js';

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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
      if (!existsSync(p)) {
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
    if (statSync(p).isFile()) return [p];
  } catch {
    // no default .env: fine
  }
  return [];
}

/** Loads, validates and normalizes a Compose project the way `docker compose` does. */
export async function loadProject(options: LoadOptions = {}): Promise<Project> {
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

  const configFiles: ConfigFile[] = [];
  for (const p of discovered.configPaths) {
    if (p === '-') configFiles.push({ filename: '-', content: await (options.stdin ?? readStdin)() });
    else configFiles.push({ filename: p });
  }

  return loadModel(
    { workingDir: discovered.workingDir, configFiles, environment },
    {
      skipInterpolation: options.interpolate === false,
      skipNormalization: options.normalize === false,
      skipConsistencyCheck: options.consistency === false,
      resolvePaths: options.resolvePaths !== false,
      skipResolveEnvironment: options.resolveEnvironment === false,
      discardEnvFiles: options.resolveEnvironment !== false,
      profiles,
      selectedServices: options.services,
      projectName: name,
      defaultProjectName: normalizeProjectName(basename(discovered.workingDir)),
      onWarning: options.onWarning,
    },
  );
}
