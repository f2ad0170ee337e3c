/**
 * Project name (spec 02-model.md "name"; compose-go loader.projectName + docker compose's option order):
 * `-p` > COMPOSE_PROJECT_NAME > top-level `name:` (interpolated; the last file that sets it wins) >
 * basename of the working directory. `-p` and COMPOSE_PROJECT_NAME must already be valid; `name:` and the
 * directory name are normalized silently: lower-case, only [a-z0-9_-], no leading `_` or `-`.
 */
import { basename } from 'node:path';
import { ComposeError } from '../api/errors.js';

const VALID = /^[a-z0-9][a-z0-9_-]*$/;

export function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export function isValidProjectName(s: string): boolean {
  return VALID.test(s);
}

export function invalidProjectNameError(name: string, source: string): ComposeError {
  return new ComposeError(
    'COMPOSE_PROJECT_NAME',
    `invalid project name "${name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
    { hint: `${source} must match ${VALID.source}; for example "${normalizeProjectName(name) || 'myapp'}"` },
  );
}

export interface ProjectNameInput {
  /** `-p` / the library's `projectName`. */
  explicit?: string;
  /** COMPOSE_PROJECT_NAME from the merged environment. */
  fromEnv?: string;
  /** `name:` values from the files, in load order, already interpolated. */
  fromFiles: string[];
  workingDir: string;
  normalize: boolean;
}

/** Returns the project name, or throws a COMPOSE_PROJECT_NAME error naming the rule. */
export function resolveProjectName(input: ProjectNameInput): string {
  if (input.explicit !== undefined && input.explicit !== '') {
    if (!isValidProjectName(input.explicit))
      throw invalidProjectNameError(input.explicit, '-p/--project-name');
    return input.explicit;
  }
  if (input.fromEnv !== undefined && input.fromEnv !== '') {
    if (!isValidProjectName(input.fromEnv))
      throw invalidProjectNameError(input.fromEnv, 'COMPOSE_PROJECT_NAME');
    return input.fromEnv;
  }
  let fromFile = '';
  for (const n of input.fromFiles) if (n !== '') fromFile = n;
  if (input.normalize) fromFile = normalizeProjectName(fromFile);
  if (fromFile !== '') return fromFile;
  const fromDir = normalizeProjectName(basename(input.workingDir));
  if (fromDir === '') {
    throw new ComposeError('COMPOSE_PROJECT_NAME', 'project name must not be empty', {
      hint: 'set `name:` in the compose file or pass -p NAME',
    });
  }
  return fromDir;
}
