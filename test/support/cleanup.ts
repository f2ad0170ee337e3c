/**
 * The backstop of the end-to-end tests: what the engine still holds with a project's label, read and
 * removed through the engine itself rather than berth's CLI (the CLI under test must not be trusted to
 * clean up after itself): the docker CLI, or the built-in engine's library objects (./runtime.ts), so a
 * failing test leaks nothing.
 */
import { PROJECT_LABEL } from './cli.js';
import { engineContainers, engineNetworks, engineRemoveProject, engineVolumes } from './runtime.js';

/** Ids of the containers, networks and volumes labelled with `project`. */
export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
}

export function labelledLeftovers(project: string): Leftovers {
  const labels = { [PROJECT_LABEL]: project };
  return {
    containers: engineContainers(labels).map((c) => c.id.slice(0, 12)),
    networks: engineNetworks(labels),
    volumes: engineVolumes({ labels }),
  };
}

/**
 * Removes what is left with each project's label: containers (forced, with their anonymous volumes),
 * then networks and volumes. Best effort: the assertions in the tests report real leaks.
 */
export function removeLeftovers(...projects: string[]): void {
  for (const project of projects) {
    try {
      engineRemoveProject({ [PROJECT_LABEL]: project });
    } catch {
      // best effort, as above
    }
  }
}
