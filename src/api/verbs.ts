/**
 * Typed options and results of the stack verbs (`up`, `down`, `ps`), shared by the library and the CLI.
 * Field names follow the docker compose flags they stand for.
 */
import type { EventSink } from './events.js';

/** Common to every verb that talks to an engine. */
export interface EngineOptions {
  /** An engine to use. Default: the Docker engine at DOCKER_HOST / the current docker context. */
  runtime?: import('../runtime/runtime.js').Runtime;
  /** Environment for DOCKER_HOST, DOCKER_CONTEXT, COMPOSE_PARALLEL_LIMIT… Default: process.env. */
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
