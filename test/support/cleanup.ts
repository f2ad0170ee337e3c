/**
 * The backstop of the end-to-end tests: what the engine still holds with a project's label, read and
 * removed through the docker CLI rather than berth (the CLI under test must not be trusted to clean up
 * after itself), so a failing test leaks nothing.
 */
import { docker, lines, PROJECT_LABEL } from './cli.js';

/** Ids of the containers, networks and volumes labelled with `project`. */
export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
}

export function labelledLeftovers(project: string): Leftovers {
  const filter = `label=${PROJECT_LABEL}=${project}`;
  return {
    containers: lines(docker(['ps', '-a', '-q', '--filter', filter])),
    networks: lines(docker(['network', 'ls', '-q', '--filter', filter])),
    volumes: lines(docker(['volume', 'ls', '-q', '--filter', filter])),
  };
}

/**
 * Removes what is left with each project's label: containers (forced, with their anonymous volumes),
 * then networks and volumes. Best effort: the assertions in the tests report real leaks.
 */
export function removeLeftovers(...projects: string[]): void {
  for (const project of projects) {
    try {
      const left = labelledLeftovers(project);
      if (left.containers.length > 0) docker(['rm', '-f', '-v', ...left.containers]);
      if (left.networks.length > 0) docker(['network', 'rm', ...left.networks]);
      if (left.volumes.length > 0) docker(['volume', 'rm', '-f', ...left.volumes]);
    } catch {
      // best effort, as above
    }
  }
}
