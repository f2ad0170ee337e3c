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
export type { BerthEvent, EventSink, ResourceEvent, WarningEvent } from './api/events.js';
export type {
  ContainerSummary,
  DownOptions,
  DownResult,
  EngineOptions,
  PsOptions,
  Publisher,
  PullPolicy,
  UpOptions,
  UpResult,
} from './api/verbs.js';
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
export type { Operation, Plan } from './reconcile/plan.js';
/** Prints a plan the way `--dry-run` does. */
export { formatPlan } from './reconcile/plan.js';
export type { Runtime } from './runtime/runtime.js';
/** Stack verbs: `await using stack = await up(project)`; `down(project | name)`; `ps(project | name)`. */
export { down } from './verbs/down.js';
export { type EventStream, eventStream } from './verbs/event-stream.js';
export { ps, type Stack, type StackUpOptions, up } from './verbs/stack.js';
