/**
 * `berth wait SERVICE...` (docker/compose cmd/compose/wait.go, pkg/compose/wait.go): block until the
 * running containers of the services (one-offs included) have stopped, printing
 * `container "<id>" exited with status code N` for each; the command's status is the exit code of the
 * container that stopped last (compose returns the last one it recorded). `--down-project` then takes
 * the project down with its orphans. Nothing running: `no containers for project "P"`, status 1.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { interruptible, refuseDryRun } from './lifecycle-common.js';

interface WaitFlags {
  downProject?: boolean;
}

export function registerWait(program: Command, io: CliIo): void {
  program
    .command('wait')
    .description('Block until containers of all (or specified) services stop.')
    .argument('<services...>', 'The services to wait for')
    .option('--down-project', 'Drops project when the first container stops')
    .action(async (services: string[], _flags: WaitFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<WaitFlags & GlobalOptions>();
      await refuseDryRun(opts, 'wait');
      const { projectOrName } = await import('../project-options.js');
      const { project, name } = await projectOrName(opts, io);
      const { wait } = await import('../../verbs/lifecycle.js');
      const { cliProgress } = await import('../render/progress.js');
      const result = await interruptible(async (signal) => {
        const progress = opts.downProject ? await cliProgress(opts, io.env, io.err) : undefined;
        try {
          return await wait(project ?? name, {
            env: io.env,
            signal,
            parallel: opts.parallel,
            onEvent: progress?.onEvent,
            services,
            downProject: opts.downProject,
            onExit: (c) => io.out(`container "${c.id}" exited with status code ${c.exitCode}\n`),
          });
        } finally {
          progress?.done();
        }
      });
      if (result.exitCode !== 0) {
        const { CommandExit } = await import('../exit.js');
        throw new CommandExit(result.exitCode);
      }
    });
}
