/**
 * The user-level entry: what `docker compose` does before calling the loader (docker/compose
 * cmd/compose/compose.go toProjectOptions + compose-go cli/options.go): the setup in load-options.ts
 * (environment, files, profiles, name), then the loader (load.ts).
 */
import { basename } from 'node:path';
import { type ConfigFile, loadModel } from './load.js';
import { type LoadOptions, prepare } from './load-options.js';
import type { Project } from './model.js';
import { normalizeProjectName } from './project-name.js';

export type { LoadOptions } from './load-options.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Loads, validates and normalizes a Compose project the way `docker compose` does. */
export async function loadProject(options: LoadOptions = {}): Promise<Project> {
  const { environment, discovered, profiles, name } = prepare(options);
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
