/**
 * `berth pull [SERVICE...]` (docker/compose cmd/compose/pull.go): pull the services' images
 * (verbs/pull.ts) with per-layer progress on stderr — bars per layer in a terminal, a line per layer
 * status change otherwise (render/pull-progress.ts). Flags as compose: `--policy missing|always`,
 * `--ignore-pull-failures`, `--ignore-buildable`, `--include-deps`, `-q`.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';

interface PullFlags {
  policy?: 'missing' | 'always';
  ignorePullFailures?: boolean;
  ignoreBuildable?: boolean;
  includeDeps?: boolean;
  quiet?: boolean;
}

export function registerPull(program: Command, io: CliIo): void {
  program
    .command('pull')
    .description('Pull service images')
    .argument('[services...]', 'Only these services')
    .addOption(
      new Option('--policy <policy>', 'Apply pull policy ("missing"|"always")').choices([
        'missing',
        'always',
      ]),
    )
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures')
    .option('--ignore-buildable', 'Ignore images that can be built')
    .option('--include-deps', 'Also pull services declared as dependencies')
    .option('-q, --quiet', 'Pull without printing progress information')
    .action(async (services: string[], _flags: PullFlags, cmd: Command) => {
      await runPull(services, cmd.optsWithGlobals<PullFlags & GlobalOptions>(), io);
    });
}

async function runPull(services: string[], opts: PullFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { loadCliProject } = await import('../project-options.js');
  const project = await loadCliProject(opts, io, { services });
  const { pull } = await import('../../verbs/pull.js');
  const { cliLayerProgress } = await import('../render/pull-progress.js');
  const progress = await cliLayerProgress(
    opts.quiet ? { ...opts, progress: 'quiet' } : opts,
    io.env,
    io.err,
    'Pulling',
  );
  try {
    await pull(project, {
      env: io.env,
      services: services.length > 0 ? services : undefined,
      policy: opts.policy,
      ignoreFailures: opts.ignorePullFailures,
      ignoreBuildable: opts.ignoreBuildable,
      includeDeps: opts.includeDeps,
      parallel: opts.parallel,
      onEvent: progress.onEvent,
      onLayer: (p) => progress.onLayer(p),
    });
  } finally {
    progress.done();
  }
}
