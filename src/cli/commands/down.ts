/**
 * `berth down [SERVICE...]` (docker/compose cmd/compose/down.go): stop and remove the project's
 * containers and networks; `-v` also its volumes, `--rmi local|all` its images, `--remove-orphans`
 * containers of services the files no longer declare. Works without a compose file from `-p NAME`
 * (the labels say the rest: projectOrName). `--dry-run` prints the plan and changes nothing.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { checkServiceNames } from './checks.js';
import { isTrue } from './lifecycle-common.js';
import { printPlan, withProgress } from './run-with-progress.js';

interface DownFlags {
  volumes?: boolean;
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
  timeout?: number;
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number of seconds');
  return n;
}

export function registerDown(program: Command, io: CliIo): void {
  program
    .command('down')
    .description('Stop and remove containers, networks')
    .argument('[services...]', 'Only these services')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section and anonymous volumes')
    .addOption(
      new Option('--rmi <type>', 'Remove images used by services: "local" (no custom tag) or "all"').choices([
        'local',
        'all',
      ]),
    )
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', parseSeconds)
    .action(async (services: string[], _flags: DownFlags, cmd: Command) => {
      await runDown(services, cmd.optsWithGlobals<DownFlags & GlobalOptions>(), io);
    });
}

async function runDown(services: string[], opts: DownFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  if (project) await checkServiceNames(project, services);
  const { down } = await import('../../verbs/down.js');
  // The verb warns by itself when nothing is left to remove (compose's "No resource found").
  const result = await withProgress(opts, io, (onEvent) =>
    down(project ?? name, {
      env: io.env,
      onEvent,
      parallel: opts.parallel,
      volumes: opts.volumes,
      rmi: opts.rmi,
      removeOrphans: opts.removeOrphans ?? isTrue(io.env.COMPOSE_REMOVE_ORPHANS),
      timeoutSeconds: opts.timeout,
      services: services.length > 0 ? services : undefined,
      dryRun: opts.dryRun,
    }),
  );
  if (opts.dryRun) await printPlan(io, result.plan);
}
