/** Where a project's supervisor keeps its pid file, log and lock: `<runRoot>/supervisor/<project>.{pid,log,lock}`. */
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type { EnginePaths } from '../paths.js';

export interface SupervisorFiles {
  pid: string;
  log: string;
  /** flock held by the running supervisor for its whole life: one per project. */
  lock: string;
}

/** Compose project names (`[a-z0-9][a-z0-9_-]*`) and nothing that could leave the directory. */
export function supervisorFiles(paths: Pick<EnginePaths, 'supervisor'>, project: string): SupervisorFiles {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(project)) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `invalid project name for the supervisor: ${JSON.stringify(project)}`,
    );
  }
  const base = join(paths.supervisor, project);
  return { pid: `${base}.pid`, log: `${base}.log`, lock: `${base}.lock` };
}
