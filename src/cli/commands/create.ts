/**
 * `berth create [SERVICE...]` (docker/compose cmd/compose/create.go): `up --no-start` — make images
 * local (pull or build per policy), create the networks, volumes and containers (recreating diverged
 * ones), start nothing. Flags as compose's; `--build`/`--no-build` and `--force-recreate`/
 * `--no-recreate` are incompatible pairs. `--dry-run` prints the plan.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { interruptible, isTrue } from './lifecycle-common.js';
import { pullOption, pullPolicy } from './pull-policy.js';
import { printPlan, withProgress } from './run-with-progress.js';

interface CreateFlags {
  build?: boolean;
  noBuild?: boolean;
  pull?: string;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  scale?: string[];
  yes?: boolean;
  quietPull?: boolean;
}

/** `SERVICE=NUM` (compose applyScaleOpts). */
export function parseScaleOption(value: string, previous: string[] = []): string[] {
  if (!/^[^=]+=\d+$/.test(value)) {
    throw new InvalidArgumentError(`invalid --scale option "${value}". Should be SERVICE=NUM`);
  }
  return [...previous, value];
}

export function scaleMap(values: string[] | undefined): Record<string, number> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    out[v.slice(0, eq)] = Number(v.slice(eq + 1));
  }
  return out;
}

export function registerCreate(program: Command, io: CliIo): void {
  // `--no-build` is a flag of its own, not commander's negation of --build.
  const noBuild = new Option('--no-build', "Don't build an image, even if it's policy");
  noBuild.negate = false;
  program
    .command('create')
    .description('Creates containers for a service')
    .argument('[services...]', 'Only these services (and their dependencies)')
    .option('--build', 'Build images before starting containers')
    .addOption(noBuild)
    .addOption(pullOption(['always', 'missing', 'never', 'build', 'policy']))
    .option('--quiet-pull', 'Pull without printing progress information')
    .option('--force-recreate', "Recreate containers even if their configuration and image haven't changed")
    .option(
      '--no-recreate',
      "If containers already exist, don't recreate them. Incompatible with --force-recreate.",
    )
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option(
      '--scale <service=num>',
      'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.',
      parseScaleOption,
    )
    .option('-y, --yes', 'Assume "yes" as answer to all prompts and run non-interactively')
    .action(async (services: string[], _flags: CreateFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<CreateFlags & GlobalOptions>();
      // `--no-recreate` makes commander set `recreate: false`; read it either way.
      const noRecreate = opts.noRecreate === true || (opts as { recreate?: boolean }).recreate === false;
      const { BerthError } = await import('../../api/errors.js');
      if (opts.build && opts.noBuild)
        throw new BerthError('USAGE', '--build and --no-build are incompatible');
      if (opts.forceRecreate && noRecreate) {
        throw new BerthError('USAGE', '--force-recreate and --no-recreate are incompatible');
      }
      const { loadCliProject } = await import('../project-options.js');
      const project = await loadCliProject(opts, io, { services });
      const { create } = await import('../../verbs/create.js');
      const result = await interruptible((signal) =>
        withProgress(
          opts,
          io,
          (onEvent) =>
            create(project, {
              env: io.env,
              onEvent,
              signal,
              parallel: opts.parallel,
              services: services.length > 0 ? services : undefined,
              build: opts.build,
              noBuild: opts.noBuild,
              pull: pullPolicy(opts.pull),
              forceRecreate: opts.forceRecreate,
              noRecreate,
              removeOrphans: opts.removeOrphans ?? isTrue(io.env.COMPOSE_REMOVE_ORPHANS),
              scale: scaleMap(opts.scale),
              dryRun: opts.dryRun,
            }),
          'Creating',
        ),
      );
      if (opts.dryRun) await printPlan(io, result.plan);
    });
}
