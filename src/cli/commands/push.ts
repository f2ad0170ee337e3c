/**
 * `berth push [SERVICE...]` (docker/compose cmd/compose/push.go): push the images of services that
 * have `build:` and `image:` (verbs/push.ts), with per-layer progress on stderr. Flags as compose:
 * `--ignore-push-failures`, `-q`.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';

interface PushFlags {
  ignorePushFailures?: boolean;
  quiet?: boolean;
}

export function registerPush(program: Command, io: CliIo): void {
  program
    .command('push')
    .description('Push service images')
    .argument('[services...]', 'Only these services')
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures')
    .option('-q, --quiet', 'Push without printing progress information')
    .action(async (services: string[], _flags: PushFlags, cmd: Command) => {
      await runPush(services, cmd.optsWithGlobals<PushFlags & GlobalOptions>(), io);
    });
}

async function runPush(services: string[], opts: PushFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { loadCliProject } = await import('../project-options.js');
  const project = await loadCliProject(opts, io, { services });
  const { push } = await import('../../verbs/push.js');
  const { cliLayerProgress } = await import('../render/pull-progress.js');
  const progress = await cliLayerProgress(
    opts.quiet ? { ...opts, progress: 'quiet' } : opts,
    io.env,
    io.err,
    'Pushing',
  );
  try {
    await push(project, {
      env: io.env,
      services: services.length > 0 ? services : undefined,
      ignoreFailures: opts.ignorePushFailures,
      parallel: opts.parallel,
      onEvent: progress.onEvent,
      onLayer: (p) => progress.onLayer(p),
    });
  } finally {
    progress.done();
  }
}
