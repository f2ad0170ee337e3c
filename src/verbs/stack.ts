/**
 * The library's stack handle: what `up()` resolves to. It is AsyncDisposable, so a test can write
 * `await using stack = await up(project)` and the stack is taken down when the block ends, however it
 * ends. Disposal keeps named volumes unless `dispose: { volumes: true }` was given (the same rule as
 * `down` without `-v`: data is never removed by default).
 */
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
import { listProjectContainers } from './ps.js';
import { up as upVerb } from './up.js';

export interface Stack extends UpResult, AsyncDisposable {
  readonly project: Project;
  /** Takes the stack down (see {@link down}). */
  down(options?: DownOptions): Promise<DownResult>;
  /** The stack's containers now. */
  ps(options?: PsOptions): Promise<ContainerSummary[]>;
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
    async [Symbol.asyncDispose]() {
      if (disposed || options.dryRun) return;
      disposed = true;
      await down(project, { ...engine, removeOrphans: true, ...options.dispose });
    },
  };
}
