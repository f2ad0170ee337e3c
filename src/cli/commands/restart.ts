/**
 * `berth restart [SERVICE...]` (docker/compose cmd/compose/restart.go, pkg/compose/restart.go):
 * restart the services' containers (stopped ones are started), and — unless `--no-deps` — those of
 * the services depending on them with `depends_on: {x: {restart: true}}`, in dependency order.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { parseSeconds } from './down.js';
import { refuseDryRun, runVerb } from './lifecycle-common.js';

interface RestartFlags {
  timeout?: number;
  /** `--no-deps` → false. */
  deps: boolean;
}

export function registerRestart(program: Command, io: CliIo): void {
  program
    .command('restart')
    .description('Restart service containers')
    .argument('[services...]', 'Only these services (and their restart: true dependents)')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', parseSeconds)
    .option('--no-deps', "Don't restart dependent services")
    .action(async (services: string[], _flags: RestartFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RestartFlags & GlobalOptions>();
      await refuseDryRun(opts, 'restart');
      const { restart } = await import('../../verbs/lifecycle.js');
      await runVerb(opts, io, 'Restarting', (target, common) =>
        restart(target, { ...common, services, timeoutSeconds: opts.timeout, noDeps: !opts.deps }),
      );
    });
}
