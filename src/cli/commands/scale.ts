/**
 * `berth scale SERVICE=REPLICAS...` (docker/compose cmd/compose/scale.go): converge each named service
 * to that many containers and start them (with their dependencies unless `--no-deps`) — `up -d
 * --scale S=N S` underneath. Scale down removes the highest numbers and keeps the lowest.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { interruptible } from './lifecycle-common.js';
import { printPlan, withProgress } from './run-with-progress.js';

interface ScaleFlags {
  /** `--no-deps` → false. */
  deps: boolean;
}

/** `web=3 db=1` → `{web: 3, db: 1}`, with compose's messages for malformed specifiers. */
export async function parseReplicas(args: string[]): Promise<Record<string, number>> {
  const { BerthError } = await import('../../api/errors.js');
  const out: Record<string, number> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? '' : arg.slice(0, eq);
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    if (key === '' || value === '') throw new BerthError('USAGE', `invalid scale specifier: ${arg}`);
    if (!/^[+-]?\d+$/.test(value)) {
      throw new BerthError('USAGE', `invalid scale specifier: can't parse replica value as int: ${arg}`);
    }
    out[key] = Number(value);
  }
  return out;
}

export function registerScale(program: Command, io: CliIo): void {
  program
    .command('scale')
    .description('Scale services')
    .argument('<service=replicas...>', 'Services and their number of containers')
    .option('--no-deps', "Don't start linked services")
    .action(async (args: string[], _flags: ScaleFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ScaleFlags & GlobalOptions>();
      const replicas = await parseReplicas(args);
      const { loadCliProject } = await import('../project-options.js');
      const project = await loadCliProject(opts, io, { services: Object.keys(replicas).sort() });
      const { scale } = await import('../../verbs/create.js');
      const result = await interruptible((signal) =>
        withProgress(opts, io, (onEvent) =>
          scale(project, replicas, {
            env: io.env,
            onEvent,
            signal,
            parallel: opts.parallel,
            noDeps: !opts.deps,
            dryRun: opts.dryRun,
          }),
        ),
      );
      if (opts.dryRun) await printPlan(io, result.plan);
    });
}
