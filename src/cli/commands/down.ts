/**
 * `berth down [SERVICE...]` (docker/compose cmd/compose/down.go): stop and remove the project's
 * containers and networks; `-v` also its volumes, `--rmi local|all` its images, `--remove-orphans`
 * containers of services the files no longer declare. Works without a compose file from `-p NAME`
 * (the labels say the rest: projectOrName). `--dry-run` prints the plan and changes nothing.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';

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

function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|t|true|y|yes)$/i.test(v);
}

async function runDown(services: string[], opts: DownFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  if (project) {
    const { BerthError } = await import('../../api/errors.js');
    for (const s of services) {
      if (!project.services[s] && !project.disabledServices?.[s]) {
        throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${s}`, {
          hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
        });
      }
    }
  }
  const { down } = await import('../../verbs/down.js');
  const { cliProgress } = await import('../render/progress.js');
  const progress = opts.dryRun ? undefined : await cliProgress(opts, io.env, io.err);
  let result: Awaited<ReturnType<typeof down>>;
  try {
    // The verb warns by itself when nothing is left to remove (compose's "No resource found").
    result = await down(project ?? name, {
      env: io.env,
      onEvent: progress?.onEvent,
      parallel: opts.parallel,
      volumes: opts.volumes,
      rmi: opts.rmi,
      removeOrphans: opts.removeOrphans ?? isTrue(io.env.COMPOSE_REMOVE_ORPHANS),
      timeoutSeconds: opts.timeout,
      services: services.length > 0 ? services : undefined,
      dryRun: opts.dryRun,
    });
  } finally {
    progress?.done();
  }
  if (opts.dryRun) {
    const { formatPlan } = await import('../../reconcile/plan.js');
    io.out(formatPlan(result.plan));
  }
}
