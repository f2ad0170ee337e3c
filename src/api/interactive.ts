/**
 * Typed options and results of the interactive verbs — `exec`, `run` and `cp` — shared by the library
 * and the CLI. Field names follow the docker compose flags they stand for. Without streams, `exec` and
 * `run` collect the command's output and return it (handy in test suites); with streams they pipe
 * stdin in and the output out as it comes.
 */
import type { EngineOptions, PullPolicy } from './verbs.js';

/** A terminal's size in character cells. */
export interface TtySize {
  rows: number;
  cols: number;
}

/** The running process of an `exec` or `run`, handed to `onStart`. */
export interface InteractiveSession {
  /** Changes the size of its TTY (only meaningful with `tty`). */
  resize(size: TtySize): Promise<void>;
}

/** Streams of an interactive command; any left out is not attached (stdin) or collected (output). */
export interface StdioOptions {
  /** Piped to the command's stdin; its end closes the command's stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Receives the output as it comes; without it the output is collected into the result. */
  stdout?: NodeJS.WritableStream;
  /** Receives stderr (with `tty` everything arrives on stdout). */
  stderr?: NodeJS.WritableStream;
  /** `-t`: allocate a pseudo-TTY. Default false for the library (the CLI decides from its terminal). */
  tty?: boolean;
  /** With `tty`: the initial terminal size. */
  ttySize?: TtySize;
}

export interface ExecOptions extends EngineOptions, StdioOptions {
  /** `--index`: the replica (container number); default the lowest-numbered running container. */
  index?: number;
  /** `-e`: environment variables for the command. */
  environment?: Record<string, string>;
  /** `-u`. */
  user?: string;
  /** `-w`. */
  workdir?: string;
  /** `--privileged`. */
  privileged?: boolean;
  /** `-d`: start the command and return at once (no exit code). */
  detach?: boolean;
  /** Called once the command runs. */
  onStart?: (session: InteractiveSession) => void;
}

export interface ExecResult {
  /** The command's exit code; undefined with `detach`. */
  exitCode?: number;
  /** Collected output (when no `stdout` stream was given). */
  stdout?: string;
  /** Collected stderr (when no `stderr` stream was given). */
  stderr?: string;
  /** The container the command ran in. */
  container: { id: string; name: string };
}

/** The one-off container of a `run`, handed to `onStart`. */
export interface RunSession extends InteractiveSession {
  id: string;
  name: string;
  /** Sends a signal to the container (the CLI forwards Ctrl-C this way). Default SIGKILL. */
  kill(signal?: string): Promise<void>;
}

export interface RunOptions extends EngineOptions, StdioOptions {
  /** The command; default the service's. */
  command?: string[];
  /** `--entrypoint` (already split into words); it also clears the service's command unless `command` is given. */
  entrypoint?: string[];
  /** `--name`; default `<project>-<service>-run-<12 hex>`. */
  name?: string;
  /** `-d`: start the container and return its id without waiting. */
  detach?: boolean;
  /** `--rm`: the engine removes the container when it exits. */
  rm?: boolean;
  /** `--no-deps`: do not start the services it depends on. */
  noDeps?: boolean;
  /** `-e`: overrides the service's environment. */
  environment?: Record<string, string>;
  /** `-l`: added to (or overriding) the service's labels. */
  labels?: Record<string, string>;
  /** `-p`: ports to publish, in short syntax (`8080:80`, `127.0.0.1::80`). Replaces the service's. */
  publish?: string[];
  /** `-P`: publish the service's own ports (by default they are not, as in Compose). */
  servicePorts?: boolean;
  /** `--use-aliases`: the service name and its network aliases also resolve to this container. */
  useAliases?: boolean;
  /** `-u`. */
  user?: string;
  /** `-w`. */
  workdir?: string;
  /** `-v`: extra mounts in short syntax (`./src:/src:ro`, `data:/data`); relative paths from `cwd`. */
  volumes?: string[];
  /** Directory relative `volumes` sources resolve from; default process.cwd(). */
  cwd?: string;
  /** `--cap-add` / `--cap-drop`. */
  capAdd?: string[];
  capDrop?: string[];
  /** `-i`: keep stdin open (default true). */
  interactive?: boolean;
  /** `--pull`: overrides the pull policy of the service and its dependencies. */
  pull?: PullPolicy;
  /** `--remove-orphans` when starting dependencies. */
  removeOrphans?: boolean;
  /** `--build`: build the service's image (and its dependencies') before running. */
  build?: boolean;
  /** Called once the container is attached, right before it starts (not with `detach`). */
  onStart?: (session: RunSession) => void;
}

export interface RunResult {
  /** The container's exit code; undefined with `detach`. */
  exitCode?: number;
  /** Collected output (when no `stdout` stream was given and not detached). */
  stdout?: string;
  stderr?: string;
  container: { id: string; name: string };
}

export interface CpOptions extends EngineOptions {
  /** `--index`: only this replica. */
  index?: number;
  /** `--all`: also one-off (`run`) containers. */
  all?: boolean;
  /** `-a`: keep uid/gid of what is copied into a container. */
  archive?: boolean;
  /** `-L`: follow a symbolic link given as the source. */
  followLink?: boolean;
  /** Directory relative local paths resolve from; default process.cwd(). */
  cwd?: string;
  /** Where the tar goes for a destination of `-`; default process.stdout. */
  stdout?: NodeJS.WritableStream;
  /** Where the tar comes from for a source of `-`; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

export interface CpResult {
  /** The containers copied from or to. */
  containers: Array<{ id: string; name: string }>;
}
