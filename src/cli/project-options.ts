/**
 * From the global flags to a Project (or just a project name): the one place the CLI builds
 * LoadOptions, so every command reads -f/-p/--project-directory/--env-file/--profile the same way.
 * Only types are imported at the top: the loader loads when a command actually needs a project.
 */
import type { LoadOptions, Project } from '../index.js';
import type { CliIo, GlobalOptions } from './program.js';

/** LoadOptions for the global flags; `extra` adds what a command sets (services, --no-interpolate…). */
export function loadOptions(opts: GlobalOptions, io: CliIo, extra: Partial<LoadOptions> = {}): LoadOptions {
  return {
    files: opts.file,
    projectName: opts.projectName,
    projectDirectory: opts.projectDirectory,
    envFiles: opts.envFile,
    profiles: opts.profile,
    env: io.env,
    cwd: io.cwd,
    stdin: io.readStdin,
    onWarning: (message) => io.err(`warning: ${message}\n`),
    ...extra,
  };
}

export async function loadCliProject(
  opts: GlobalOptions,
  io: CliIo,
  extra: Partial<LoadOptions> = {},
): Promise<Project> {
  return loadWithCache(loadOptions(opts, io, extra));
}

/** Loads through the CLI's project cache (project-cache.ts). */
export async function loadWithCache(options: LoadOptions): Promise<Project> {
  const { loadProjectCached } = await import('./project-cache.js');
  // The loader itself, not the package index (the index pulls in every verb), and only on a miss.
  const load = async (o: LoadOptions) => (await import('../compose/load-project.js')).loadProject(o);
  return loadProjectCached(options, load);
}

/**
 * docker compose's `projectOrName` (cmd/compose/compose.go), for commands that work from labels alone
 * (`down`, `ps`): `-p NAME` without `-f` skips loading — the files in the directory may belong to
 * another project, and their services would make NAME's containers look like orphans. Otherwise the
 * files are loaded; when that fails, COMPOSE_PROJECT_NAME (if set) names the project instead.
 */
export async function projectOrName(
  opts: GlobalOptions,
  io: CliIo,
): Promise<{ project?: Project; name: string }> {
  if (opts.projectName && !(opts.file && opts.file.length > 0)) {
    const { isValidProjectName, invalidProjectNameError } = await import('../compose/project-name.js');
    if (!isValidProjectName(opts.projectName)) {
      throw invalidProjectNameError(opts.projectName, '-p');
    }
    return { name: opts.projectName };
  }
  try {
    // Environment resolution reads env_files: not needed to find containers, and a missing one must not
    // stop `down` from tearing the stack down.
    const project = await loadCliProject(opts, io, { resolveEnvironment: false });
    return { project, name: project.name };
  } catch (err) {
    const fromEnv = io.env.COMPOSE_PROJECT_NAME;
    if (fromEnv) return { name: fromEnv };
    throw err;
  }
}
