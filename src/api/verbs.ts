/**
 * Typed options and results of the stack verbs (`up`, `down`, `ps`), shared by the library and the CLI.
 * Field names follow the docker compose flags they stand for.
 */
import type { EventSink } from './events.js';

/** Common to every verb that talks to an engine. */
export interface EngineOptions {
  /** An engine to use. Default: BERTH_RUNTIME (`docker`, `builtin`, `auto`); `auto` is the Docker engine at
   * DOCKER_HOST / the current docker context / the default socket when one answers, else the built-in engine. */
  runtime?: import('../runtime/runtime.js').Runtime;
  /** Environment for BERTH_RUNTIME, DOCKER_HOST, DOCKER_CONTEXT, COMPOSE_PARALLEL_LIMIT… Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Receives every progress event. */
  onEvent?: EventSink;
  /** Cancels the operation (containers already created stay; the next `up` converges). */
  signal?: AbortSignal;
  /** `--parallel`: engine operations at once. Default COMPOSE_PARALLEL_LIMIT, else unlimited. */
  parallel?: number;
}

export type PullPolicy = 'always' | 'missing' | 'never' | 'build' | 'daily';

export interface UpOptions extends EngineOptions {
  /** Only these services (and their dependencies unless `noDeps`). */
  services?: string[];
  noDeps?: boolean;
  /** `--force-recreate`. */
  forceRecreate?: boolean;
  /** `--no-recreate`. */
  noRecreate?: boolean;
  /** `--always-recreate-deps`. */
  alwaysRecreateDeps?: boolean;
  /** `--no-start`: create only. */
  noStart?: boolean;
  /** `--remove-orphans` (default: COMPOSE_REMOVE_ORPHANS). */
  removeOrphans?: boolean;
  /** `--scale S=N`. */
  scale?: Record<string, number>;
  /** `--pull`: overrides each service's pull_policy. */
  pull?: PullPolicy;
  /** `--wait`: resolve only once every started service is running/healthy. */
  wait?: boolean;
  /** `--wait-timeout` in seconds. */
  waitTimeoutSeconds?: number;
  /** `-t`: stop timeout for containers that are replaced. */
  timeoutSeconds?: number;
  /** `-V`: recreate anonymous volumes instead of keeping them. */
  renewAnonVolumes?: boolean;
  /** `--dry-run`: compute and return the plan, change nothing. */
  dryRun?: boolean;
  /** `--build`: build every buildable service's image before creating containers. */
  build?: boolean;
  /** `--no-build`: never build; a missing image is pulled per policy instead. */
  noBuild?: boolean;
  /** Build output lines, per service (what `berth build` prints). */
  onBuildOutput?: (service: string, line: string) => void;
}

export interface DownOptions extends EngineOptions {
  /** `-v`: also remove named volumes declared by the project and anonymous ones. */
  volumes?: boolean;
  /** `--remove-orphans`. */
  removeOrphans?: boolean;
  /** `--rmi local|all`. */
  rmi?: 'local' | 'all';
  /** `-t`. */
  timeoutSeconds?: number;
  /** Only these services. */
  services?: string[];
  dryRun?: boolean;
}

export interface PsOptions extends EngineOptions {
  /** `-a`: include stopped containers. */
  all?: boolean;
  services?: string[];
  /** `--status`. */
  status?: string[];
}

/** One published port, as `docker compose ps --format json` prints it. */
export interface Publisher {
  URL: string;
  TargetPort: number;
  PublishedPort: number;
  Protocol: string;
}

/** One container, in `docker compose ps --format json`'s field names. */
export interface ContainerSummary {
  ID: string;
  Name: string;
  Image: string;
  Command: string;
  Project: string;
  Service: string;
  Created: number;
  State: string;
  Status: string;
  Health: string;
  ExitCode: number;
  Publishers: Publisher[];
  Labels: string;
  Networks: string;
  /** 0 for one-off (`run`) containers. */
  Number: number;
}

export interface UpResult {
  /** What was (or, with dryRun, would be) done. */
  plan: import('../reconcile/plan.js').Plan;
  /** The project's containers afterwards. */
  containers: ContainerSummary[];
}

export interface DownResult {
  plan: import('../reconcile/plan.js').Plan;
}

/** `berth build`. */
export interface BuildOptions extends EngineOptions {
  /** Only these services (default: every service with `build:`). */
  services?: string[];
  /** `--no-cache`. */
  noCache?: boolean;
  /** `--pull`: always pull the base images. */
  pull?: boolean;
  /** `--build-arg K=V` (a `K` without `=` takes its value from the environment; `null` too). */
  args?: Record<string, string | null>;
  /** Build output lines, per service. */
  onBuildOutput?: (service: string, line: string) => void;
}

export interface BuiltImage {
  service: string;
  /** The image name (`image:`, else `<project>-<service>`). */
  image: string;
  /** The image id (`sha256:…`). */
  id: string;
  /** Every tag written: the image name and `build.tags`. */
  tags: string[];
  /** berth's digest of the build inputs (label `berth.build.inputs`). */
  inputsDigest: string;
}

export interface BuildResult {
  images: BuiltImage[];
}

/** Per-layer pull/push progress, for renderers with per-layer bars. */
export interface LayerProgress {
  /** The image reference being pulled or pushed. */
  image: string;
  /** Layer id, when the line is about a layer. */
  layer?: string;
  /** The engine's words: `Pulling fs layer`, `Downloading`, `Pull complete`, `Pushing`… */
  status: string;
  current?: number;
  total?: number;
}

/** `berth pull`. */
export interface PullOptions extends EngineOptions {
  services?: string[];
  /** `--policy`: `missing` skips images already present; default: each service's pull_policy. */
  policy?: 'missing' | 'always';
  /** `--ignore-pull-failures`: a failed pull is a warning. */
  ignoreFailures?: boolean;
  /** `--ignore-buildable`: skip services that can be built. */
  ignoreBuildable?: boolean;
  /** `--include-deps`: also pull the dependencies of the named services. */
  includeDeps?: boolean;
  onLayer?: (p: LayerProgress) => void;
}

export interface PullResult {
  /** Images pulled, by reference. */
  pulled: string[];
  /** Image references skipped, with compose's reason. */
  skipped: Array<{ service: string; image?: string; reason: string }>;
  /** Pulls that failed and were tolerated (a buildable service, or --ignore-pull-failures). */
  failed: Array<{ image: string; error: string }>;
}

/** `berth push`. */
export interface PushOptions extends EngineOptions {
  services?: string[];
  /** `--ignore-push-failures`. */
  ignoreFailures?: boolean;
  onLayer?: (p: LayerProgress) => void;
}

export interface PushResult {
  pushed: string[];
  failed: Array<{ image: string; error: string }>;
}

/** `berth images`. */
export interface ImagesOptions extends EngineOptions {
  services?: string[];
}

/** One image used by a project container, as `docker compose images --format json` prints it. */
export interface ImageSummary {
  ID: string;
  ContainerName: string;
  Repository: string;
  Tag: string;
  Platform: string;
  Size: number;
  /** RFC 3339, when the engine reports it. */
  Created?: string;
}
