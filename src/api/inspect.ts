/**
 * Typed options and results of the inspection verbs (`port`, `top`, `events`, `ls`, `stats`,
 * `version`), shared by the library and the CLI. Field names follow the docker compose flags they stand
 * for; result shapes follow what `docker compose` prints (its JSON field names where it has them).
 */
import type { EngineOptions } from './verbs.js';

export interface PortOptions extends EngineOptions {
  /** `--protocol`: `tcp` (default) or `udp`. */
  protocol?: string;
  /** `--index`: the replica (container number); default the lowest-numbered running one. */
  index?: number;
}

/** Where a container port is published: `ip:port` as `docker compose port` prints it. */
export interface PortBindingResult {
  /** Host address, e.g. `0.0.0.0` or `127.0.0.1` (empty when the engine does not say). */
  ip: string;
  port: number;
}

export interface TopOptions extends EngineOptions {
  /** Only these services. */
  services?: string[];
}

/** One container's processes (docker compose's ContainerProcSummary). */
export interface ContainerProcesses {
  ID: string;
  Name: string;
  Service: string;
  /** The container number (`com.docker.compose.container-number`), empty for one-off containers. */
  Replica: string;
  Titles: string[];
  Processes: string[][];
}

export interface EventsOptions extends EngineOptions {
  /** Only events of these services. */
  services?: string[];
  /** `--since`: RFC 3339 / ISO-8601 or unix seconds. */
  since?: string;
  /** `--until`: the stream ends at that time. */
  until?: string;
}

/** A container event of the project (docker compose's api.Event). */
export interface ProjectEvent {
  /** ISO-8601. */
  time: string;
  /** Nanoseconds since the epoch, when the engine gives them. */
  timeNano?: bigint;
  service: string;
  /** Container id. */
  container: string;
  /** `create`, `start`, `die`, `health_status: healthy`… */
  action: string;
  /** The event's attributes minus the `com.docker.compose.*` labels (`name`, `image`, `exitCode`…). */
  attributes: Record<string, string>;
}

export interface LsOptions extends EngineOptions {
  /** `-a`: also projects whose containers are all stopped. */
  all?: boolean;
  /** `--filter name=…` values: a project matches one of them exactly or as a regular expression. */
  names?: string[];
}

/** One project on the engine, in `docker compose ls --format json`'s field names. */
export interface ProjectListing {
  Name: string;
  /** Container states and counts, e.g. `running(2), exited(1)`. */
  Status: string;
  /** Comma-joined config files from the containers' labels (`N/A` when one has none). */
  ConfigFiles: string;
}

export interface StatsOptions extends EngineOptions {
  /** Only these services. */
  services?: string[];
  /** `-a`: stopped containers too (their values are zero). */
  all?: boolean;
}

/** One sample of one container, computed as `docker stats` computes it. */
export interface ContainerStatsEntry {
  /** Full container id. */
  ID: string;
  Name: string;
  Service: string;
  /** CPU use since the previous reading, in percent of one CPU (may exceed 100 on several CPUs). */
  CPUPercentage: number;
  /** Memory in use without the page cache, bytes. */
  Memory: number;
  MemoryLimit: number;
  MemoryPercentage: number;
  NetworkRx: number;
  NetworkTx: number;
  BlockRead: number;
  BlockWrite: number;
  Pids: number;
}

/** `berth version --format json`. */
export interface VersionInfo {
  version: string;
}

/** `berth info`: which engine berth uses here and why. */
export interface InfoResult {
  /** `docker` or `builtin`. */
  runtime: string;
  /** Why this engine (`--runtime`, DOCKER_HOST, a context, the default socket answering or not). */
  reason: string;
  endpoint: string;
  serverVersion: string;
  apiVersion?: string;
  os: string;
  arch: string;
  /** The built-in engine's host requirements and whether each is met. */
  requirements?: Array<{ what: string; ok: boolean; package?: string; detail?: string }>;
}
