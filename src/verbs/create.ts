/**
 * `create` and `scale`, both `up` underneath so the one planner decides (docker/compose
 * pkg/compose/create.go, scale.go):
 * - `create [SERVICE...]` = `up --no-start`: images made local, networks, volumes and containers
 *   created (recreated when diverged), nothing started;
 * - `scale SERVICE=N...` = `up --scale SERVICE=N SERVICE...` (with `--no-deps` if asked): the named
 *   services converge to N replicas — new numbers from max+1, scale down removes the highest numbers —
 *   and are started with their dependencies.
 */
import { BerthError } from '../api/errors.js';
import type { CreateOptions, ScaleOptions } from '../api/lifecycle.js';
import type { UpResult } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { unknownServiceError } from './lifecycle.js';
import { up } from './up.js';

function checkServices(project: Project, names: Iterable<string>): void {
  for (const n of names) {
    if (!(n in project.services)) throw unknownServiceError(n, Object.keys(project.services));
  }
}

/** Creates the services' containers (and their dependencies') without starting them. */
export async function create(project: Project, options: CreateOptions = {}): Promise<UpResult> {
  checkServices(project, [...(options.services ?? []), ...Object.keys(options.scale ?? {})]);
  return up(project, { ...options, noStart: true });
}

/** Scales each named service to its replica count, then starts them (and their dependencies). */
export async function scale(
  project: Project,
  replicas: Record<string, number>,
  options: ScaleOptions = {},
): Promise<UpResult> {
  const services = Object.keys(replicas).sort();
  if (services.length === 0) {
    throw new BerthError('USAGE', 'scale requires at least one SERVICE=REPLICAS argument');
  }
  checkServices(project, services);
  for (const [s, n] of Object.entries(replicas)) {
    if (!Number.isInteger(n) || n < 0) {
      throw new BerthError('USAGE', `invalid scale specifier: ${s}=${n}`, {
        hint: 'the replica count is a whole number, 0 or more',
      });
    }
  }
  return up(project, { ...options, services, scale: replicas, noDeps: options.noDeps });
}
