/**
 * `berth kill [SERVICE...]` (docker/compose cmd/compose/kill.go): send a signal (`-s`, default
 * SIGKILL) to the running containers of the services, one-off containers included;
 * `--remove-orphans` (default COMPOSE_REMOVE_ORPHANS) also reaches containers of services the files
 * no longer declare. Nothing running: `no container to kill` on stderr, status 0.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { isTrue, refuseDryRun, runVerb } from './lifecycle-common.js';

interface KillFlags {
  signal: string;
  removeOrphans?: boolean;
}

export function registerKill(program: Command, io: CliIo): void {
  program
    .command('kill')
    .description('Force stop service containers')
    .argument('[services...]', 'Only these services')
    .option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .action(async (services: string[], _flags: KillFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<KillFlags & GlobalOptions>();
      await refuseDryRun(opts, 'kill');
      const { kill } = await import('../../verbs/lifecycle.js');
      const result = await runVerb(opts, io, 'Killing', (target, common) =>
        kill(target, {
          ...common,
          services,
          killSignal: opts.signal,
          removeOrphans: opts.removeOrphans ?? isTrue(io.env.COMPOSE_REMOVE_ORPHANS),
        }),
      );
      if (result.containers.length === 0) io.err('no container to kill\n');
    });
}
