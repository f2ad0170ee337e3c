/**
 * Orphan containers (docker/compose pkg/compose/containers.go isOrphaned; compose-behaviour.md §3.7):
 * project containers whose service the model no longer has — neither enabled nor disabled by a
 * profile — and one-off (`run`) containers that have exited. `up` reports them and removes them with
 * `--remove-orphans`; `down --remove-orphans` removes them along with every one-off.
 */
import type { Project } from '../compose/model.js';
import type { ObservedContainer, ObservedState } from './observe.js';

/** A service container whose service is unknown to the model. */
export function isOrphan(
  project: Pick<Project, 'services' | 'disabledServices'>,
  c: ObservedContainer,
): boolean {
  return !(c.service in project.services) && !(c.service in (project.disabledServices ?? {}));
}

/** `up`'s orphans: unknown services' containers and exited or dead one-offs, sorted by name. */
export function findOrphans(
  project: Pick<Project, 'services' | 'disabledServices'>,
  observed: ObservedState,
): ObservedContainer[] {
  return [
    ...Object.values(observed.containers)
      .flat()
      .filter((c) => isOrphan(project, c)),
    ...observed.oneOffs.filter((c) => c.state === 'exited' || c.state === 'dead'),
  ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}
