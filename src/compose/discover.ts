/**
 * Compose file discovery (compose-go cli/options.go: WithConfigFileEnv, WithDefaultConfigPath,
 * GetWorkingDir). `-f` wins; else COMPOSE_FILE split on COMPOSE_PATH_SEPARATOR (default `:`); else the
 * first of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml found in the working
 * directory or its parents, plus the first `.override` twin beside it (only without -f/COMPOSE_FILE).
 */
import { delimiter, dirname, join, resolve } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { exists, fileKind } from './inputs.js';

export const DEFAULT_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
];
export const DEFAULT_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

/** `-` (stdin) or an absolute path. */
export type ConfigPath = string;

export interface DiscoverInput {
  files?: string[];
  projectDirectory?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  onWarning?: (message: string) => void;
}

export interface Discovered {
  configPaths: ConfigPath[];
  /** The project working directory: --project-directory, else the first file's directory, else cwd. */
  workingDir: string;
}

function isFile(p: string): boolean {
  try {
    return fileKind(p) === 'file';
  } catch {
    return false;
  }
}

function findFiles(names: string[], dir: string): string[] {
  return names.map((n) => join(dir, n)).filter(isFile);
}

/** Where `.env` is looked up before discovery: --project-directory, the first -f's dir, or cwd. */
export function preliminaryWorkingDir(input: DiscoverInput): string {
  if (input.projectDirectory) return resolve(input.cwd, input.projectDirectory);
  const first = (input.files ?? []).find((f) => f !== '-');
  if (first) return dirname(resolve(input.cwd, first));
  return input.cwd;
}

export function discoverConfigFiles(input: DiscoverInput): Discovered {
  const { cwd, env } = input;
  let paths: string[] = (input.files ?? []).map((f) => (f === '-' ? '-' : resolve(cwd, f)));
  if (paths.length === 0 && env.COMPOSE_FILE !== undefined && env.COMPOSE_FILE !== '') {
    const sep = env.COMPOSE_PATH_SEPARATOR || delimiter;
    paths = env.COMPOSE_FILE.split(sep)
      .filter((p) => p !== '')
      .map((p) => resolve(cwd, p));
  }
  if (paths.length === 0) {
    let dir = input.projectDirectory ? resolve(cwd, input.projectDirectory) : cwd;
    for (;;) {
      const candidates = findFiles(DEFAULT_FILE_NAMES, dir);
      if (candidates.length > 0) {
        if (candidates.length > 1) {
          input.onWarning?.(`Found multiple config files with supported names: ${candidates.join(', ')}`);
          input.onWarning?.(`Using ${candidates[0]}`);
        }
        paths.push(candidates[0]!);
        const overrides = findFiles(DEFAULT_OVERRIDE_FILE_NAMES, dir);
        if (overrides.length > 0) {
          if (overrides.length > 1) {
            input.onWarning?.(`Found multiple override files with supported names: ${overrides.join(', ')}`);
            input.onWarning?.(`Using ${overrides[0]}`);
          }
          paths.push(overrides[0]!);
        }
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  if (paths.length === 0) {
    throw new ComposeError('COMPOSE_FILE_NOT_FOUND', 'no configuration file provided: not found', {
      hint: `create a compose.yaml in ${input.projectDirectory ?? cwd} or a parent directory, or pass -f FILE`,
    });
  }
  for (const p of paths) {
    if (p !== '-' && !exists(p)) {
      throw new ComposeError('COMPOSE_FILE_NOT_FOUND', `open ${p}: no such file or directory`, {
        location: { file: p },
        hint: 'check the -f / COMPOSE_FILE paths (relative paths are resolved against the current directory)',
      });
    }
  }
  let workingDir: string;
  if (input.projectDirectory) workingDir = resolve(cwd, input.projectDirectory);
  else {
    const first = paths.find((p) => p !== '-');
    workingDir = first ? dirname(first) : cwd;
  }
  return { configPaths: paths, workingDir };
}
