/**
 * Typed options and results of the lifecycle verbs (`start`, `stop`, `restart`, `kill`, `pause`,
 * `unpause`, `rm`, `create`, `scale`, `wait`, `logs`), shared by the library and the CLI. Field names
 * follow the docker compose flags they stand for.
 */
import type { ContainerSummary, EngineOptions, UpOptions } from './verbs.js';

/** Verbs that act on some services of a project (all of them when `services` is empty). */
export interface ServicesOptions extends EngineOptions {
  services?: string[];
}

/** What a lifecycle verb acted on. */
export interface LifecycleResult {
  /** The containers it acted on, as they were listed before (sorted by service, then number). */
  containers: ContainerSummary[];
}

/** `start`: also starts the named services' dependencies, in dependency order. */
export interface StartOptions extends ServicesOptions {
  /** `--wait`: resolve once every started service is running (healthy where it has a healthcheck). */
  wait?: boolean;
  /** `--wait-timeout` in seconds (0 or unset: no limit). */
  waitTimeoutSeconds?: number;
}

export interface StopOptions extends ServicesOptions {
  /** `-t`: seconds before SIGKILL. Default: each container's own (stop_grace_period, else 10). */
  timeoutSeconds?: number;
}

export interface RestartOptions extends ServicesOptions {
  /** `-t`. */
  timeoutSeconds?: number;
  /** `--no-deps`: do not restart the dependents declared with `depends_on: {x: {restart: true}}`. */
  noDeps?: boolean;
}

export interface KillOptions extends ServicesOptions {
  /** `-s`: the signal to send (name or number); default `SIGKILL`. (`signal` is the AbortSignal.) */
  killSignal?: string;
  /** `--remove-orphans`: also kill containers of services the project no longer declares. */
  removeOrphans?: boolean;
}

export type PauseOptions = ServicesOptions;

export interface RemoveOptions extends ServicesOptions {
  /** `-s`: stop the containers first (else running containers are left alone). */
  stop?: boolean;
  /** `-v`: also remove the containers' anonymous volumes. */
  volumes?: boolean;
  /** `-t` for `stop`. */
  timeoutSeconds?: number;
  /**
   * Asked once with the names of the containers about to be removed; `false` removes nothing.
   * Default: no question (the library does not prompt; the CLI asks on `rm` without `-f`).
   */
  confirm?: (names: string[]) => boolean | Promise<boolean>;
}

export interface RemoveResult extends LifecycleResult {
  /** `confirm` said no: nothing was removed. */
  cancelled?: boolean;
}

/** `create` = `up --no-start`: every `up` option that makes sense without starting. */
export type CreateOptions = Omit<UpOptions, 'noStart' | 'wait' | 'waitTimeoutSeconds'>;

export interface ScaleOptions extends EngineOptions {
  /** `--no-deps`: leave the services' dependencies alone. */
  noDeps?: boolean;
  dryRun?: boolean;
}

export interface WaitOptions extends EngineOptions {
  /** The services whose running containers to wait for (required, as `docker compose wait`). */
  services: string[];
  /** `--down-project`: take the project down (with orphans) once they have stopped. */
  downProject?: boolean;
}

export interface WaitResult {
  /** The exit code of the container that stopped last (docker compose's status). */
  exitCode: number;
  /** Each container waited for and its exit code, in the order they exited. */
  exited: Array<{ id: string; name: string; service: string; exitCode: number }>;
}

export interface LogsOptions extends ServicesOptions {
  /** `-f`: keep following until every followed container has stopped (or `signal` aborts). */
  follow?: boolean;
  /** `-n`: lines from the end of each container's log; undefined = all. */
  tail?: number;
  /** `--since`: an RFC 3339 time, a Unix timestamp or a duration back from now (`42m`). */
  since?: string;
  /** `--until`: the same forms. */
  until?: string;
  /** `--index`: only this replica of the one service named. */
  index?: number;
  /** Told once, before the first entry, which containers are read (for a renderer's column width). */
  onSelect?: (containers: LogSource[]) => void;
}

/** The container a log entry comes from. */
export interface LogSource {
  id: string;
  /** Engine name: `demo-web-1`. */
  name: string;
  service: string;
  /** Replica number. */
  number: number;
}

/** One line a container printed. */
export interface LogLineEntry extends LogSource {
  type: 'line';
  stream: 'stdout' | 'stderr';
  text: string;
  /** The engine's RFC 3339 time of the line. */
  timestamp?: string;
}

/** A followed container stopped (`web-1 exited with code 0`). */
export interface LogExitEntry extends LogSource {
  type: 'exit';
  exitCode: number;
  /** Its restart policy brings it back (`exited with code 1 (restarting)`). */
  restarting?: boolean;
}

export type LogEntry = LogLineEntry | LogExitEntry;
