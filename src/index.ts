/**
 * berth's public API. Everything a program may import is exported here by name; anything else is
 * internal and may change.
 *
 * @example
 * ```ts
 * import { loadProject } from 'berth';
 * const project = await loadProject({ files: ['compose.yaml'], profiles: ['dev'] });
 * console.log(Object.keys(project.services));
 * ```
 */

export type { ErrorCode, SourceLocation, YamlPath } from './api/errors.js';
/** Errors: every error berth throws on purpose is a {@link BerthError} with a stable `code`. */
export { BerthError, ComposeError, formatYamlPath, isBerthError } from './api/errors.js';
export type { ConfigDetails, ConfigFile, ModelOptions } from './compose/load.js';
/** The compose-go-level loader: explicit files, working dir and environment; no discovery, no `.env`. */
export { loadModel } from './compose/load.js';
export type { LoadOptions } from './compose/load-project.js';
/** Loads, validates and normalizes Compose files the way `docker compose` does. */
export { loadProject } from './compose/load-project.js';
export type * from './compose/model.js';
/** Project-name rules (spec 02-model.md). */
export { isValidProjectName, normalizeProjectName } from './compose/project-name.js';
/** berth's stable per-service configuration hash (the `com.docker.compose.config-hash` label). */
export { configHash } from './reconcile/hash.js';
