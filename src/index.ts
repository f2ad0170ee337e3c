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
  ImageHistoryEntry,
  ImageImportOptions,
  ImageLayerProgress,
  ImageListEntry,
  ImageListOptions,
  ImageLoadOptions,
  ImageLoadResult,
  ImagePruneOptions,
  ImagePruneResult,
  ImagePullOptions,
  ImagePullResult,
  ImagePushOptions,
  ImagePushResult,
  ImageRemoveOptions,
  ImageRemoveResult,
  ImageSaveOptions,
  ImageSaveResult,
  ImageStoreAccess,
  LoginOptions,
  LoginResult,
  LogoutOptions,
  LogoutResult,
  RegistryLayerStatus,
} from './api/images.js';
export type {
  ContainerProcesses,
  ContainerStatsEntry,
  EventsOptions,
  InfoResult,
  LsOptions,
  PortBindingResult,
  PortOptions,
  ProjectEvent,
  ProjectListing,
  StatsOptions,
  TopOptions,
  VersionInfo,
} from './api/inspect.js';
export type {
  CpOptions,
  CpResult,
  ExecOptions,
  ExecResult,
  InteractiveSession,
  RunOptions,
  RunResult,
  RunSession,
  StdioOptions,
  TtySize,
} from './api/interactive.js';
export type {
  CreateOptions,
  KillOptions,
  LifecycleResult,
  LogEntry,
  LogExitEntry,
  LogLineEntry,
  LogSource,
  LogsOptions,
  PauseOptions,
  RemoveOptions,
  RemoveResult,
  RestartOptions,
  ScaleOptions,
  ServicesOptions,
  StartOptions,
  StopOptions,
  WaitOptions,
  WaitResult,
} from './api/lifecycle.js';
export type {
  BuildOptions,
  BuildResult,
  BuiltImage,
  ContainerSummary,
  DownOptions,
  DownResult,
  EngineOptions,
  ImageSummary,
  ImagesOptions,
  LayerProgress,
  PsOptions,
  Publisher,
  PullOptions,
  PullPolicy,
  PullResult,
  PushOptions,
  PushResult,
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
/**
 * The built-in engine's images (berth's own store under BERTH_ROOT, not dockerd): `imagePull(ref)`,
 * `imagePush`, `imageList`, `imageRemove`, `imageTag`, `imageInspect`, `imageHistory`, `imageSave`,
 * `imageLoad`, `imageImport`, `imagePrune`; `login` / `logout` store credentials in the docker config.
 */
export {
  type ImageInspect,
  imageHistory,
  imageImport,
  imageInspect,
  imageList,
  imageLoad,
  imagePrune,
  imagePull,
  imagePush,
  imageRemove,
  imageSave,
  imageTag,
  login,
  logout,
} from './engine/images/index.js';
/** berth's stable per-service configuration hash (the `com.docker.compose.config-hash` label). */
export { configHash } from './reconcile/hash.js';
export type { Operation, Plan } from './reconcile/plan.js';
/** Prints a plan the way `--dry-run` does. */
export { formatPlan } from './reconcile/plan.js';
export type { Runtime } from './runtime/runtime.js';
/** Stack verbs: `await using stack = await up(project)`; `down(project | name)`; `ps(project | name)`. */
/** `build(project, { services, noCache, args })`: build the images of services with `build:`. */
export { BUILD_INPUTS_LABEL, build } from './verbs/build.js';
/** `cp(project | name, 'web:/etc/hosts', './hosts')` or the other way round: `docker compose cp`. */
export { cp } from './verbs/cp.js';
/** `create` = `up --no-start`; `scale(project, { web: 3 })` = `up --scale web=3 web`. */
export { create, scale } from './verbs/create.js';
export { down } from './verbs/down.js';
export { type EventStream, eventStream } from './verbs/event-stream.js';
/** `for await (const e of events(project, { signal }))`: the project's container events as they happen. */
export { events } from './verbs/events.js';
/** `await exec(project | name, 'web', ['sh', '-c', 'exit 3'])` → `{ exitCode: 3, stdout, stderr }`. */
export { exec } from './verbs/exec.js';
/** `images(project | name)`: the images the project's containers use. */
export { images } from './verbs/image-list.js';
/** Which engine berth uses (docker or builtin), why, and its version (`berth info`). */
export { info } from './verbs/info.js';
/** Lifecycle verbs on existing containers, in dependency order: `stop(project | name, { services })`… */
export {
  kill,
  pause,
  restart,
  rm,
  start,
  stop,
  unpause,
  type WaitCallbacks,
  wait,
} from './verbs/lifecycle.js';
/** `for await (const entry of logs(project | name, { follow: true, signal }))`. */
export { logs } from './verbs/logs.js';
/** The Compose projects on the engine (`docker compose ls`), from container labels. */
export { ls } from './verbs/ls.js';
/** Where a service publishes a container port (`docker compose port`). */
export { port } from './verbs/port.js';
/** `pull(project, { services, policy })` / `push(project, { services })`, credentials from the docker config. */
export { pull } from './verbs/pull.js';
export { push } from './verbs/push.js';
/** `await run(project, 'job', { command: ['echo', 'hi'], rm: true })`: a one-off container. */
export { run } from './verbs/run.js';
export { ps, type Stack, type StackUpOptions, up } from './verbs/stack.js';
/** One resource-usage sample per container (`docker compose stats --no-stream`); `watchStats` streams them. */
export { stats, type WatchStatsOptions, watchStats } from './verbs/stats.js';
/** The processes of the project's running containers (`docker compose top`). */
export { top } from './verbs/top.js';
/** berth's own version (`berth version`). */
export { berthVersion, version } from './verbs/version.js';
