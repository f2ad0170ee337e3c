/**
 * The library's stack handle: what `up()` resolves to. It is AsyncDisposable, so a test can write
 * `await using stack = await up(project)` and the stack is taken down when the block ends, however it
 * ends. Disposal keeps named volumes unless `dispose: { volumes: true }` was given (the same rule as
 * `down` without `-v`: data is never removed by default).
 */
import type {
  LifecycleResult,
  LogEntry,
  LogsOptions,
  RestartOptions,
  StartOptions,
  StopOptions,
} from '../api/lifecycle.js';
import type {
  ContainerSummary,
  DownOptions,
  DownResult,
  PsOptions,
  UpOptions,
  UpResult,
} from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { down } from './down.js';
import { withEngine } from './engine.js';
import { restart, start, stop } from './lifecycle.js';
import { logs } from './logs.js';
import { listProjectContainers } from './ps.js';
import { up as upVerb } from './up.js';

export interface Stack extends UpResult, AsyncDisposable {
  readonly project: Project;
  /** Takes the stack down (see {@link down}). */
  down(options?: DownOptions): Promise<DownResult>;
  /** The stack's containers now. */
  ps(options?: PsOptions): Promise<ContainerSummary[]>;
  /** Stops its containers, dependents first (see {@link stop}). */
  stop(options?: StopOptions): Promise<LifecycleResult>;
  /** Starts its stopped containers, dependencies first (see {@link start}). */
  start(options?: StartOptions): Promise<LifecycleResult>;
  /** Restarts services and their `restart: true` dependents (see {@link restart}). */
  restart(options?: RestartOptions): Promise<LifecycleResult>;
  /** Its containers' output (see {@link logs}). */
  logs(options?: LogsOptions): AsyncGenerator<LogEntry>;
}

export interface StackUpOptions extends UpOptions {
  /** What disposing the handle does. Default: `down` with `removeOrphans`, keeping named volumes. */
  dispose?: DownOptions;
}

export async function ps(project: Project | string, options: PsOptions = {}): Promise<ContainerSummary[]> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, ({ runtime }) => listProjectContainers(runtime, name, options));
}

/** Brings `project` up and returns a handle to it. */
export async function up(project: Project, options: StackUpOptions = {}): Promise<Stack> {
  const result = await upVerb(project, options);
  const engine = { runtime: options.runtime, env: options.env };
  let disposed = false;
  return {
    ...result,
    project,
    down: (o: DownOptions = {}) => down(project, { ...engine, ...o }),
    ps: (o: PsOptions = {}) => ps(project, { ...engine, ...o }),
    stop: (o: StopOptions = {}) => stop(project, { ...engine, ...o }),
    start: (o: StartOptions = {}) => start(project, { ...engine, ...o }),
    restart: (o: RestartOptions = {}) => restart(project, { ...engine, ...o }),
    logs: (o: LogsOptions = {}) => logs(project, { ...engine, ...o }),
    async [Symbol.asyncDispose]() {
      if (disposed || options.dryRun) return;
      disposed = true;
      await down(project, { ...engine, removeOrphans: true, ...options.dispose });
    },
  };
}
