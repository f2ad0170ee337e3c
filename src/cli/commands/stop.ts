/**
 * `berth stop [SERVICE...]` (docker/compose cmd/compose/stop.go): stop the services' containers,
 * dependents first, without removing them. `-t` overrides each container's stop grace period. Works
 * from `-p NAME` alone.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { parseSeconds } from './down.js';
import { refuseDryRun, runVerb } from './lifecycle-common.js';

interface StopFlags {
  timeout?: number;
}

export function registerStop(program: Command, io: CliIo): void {
  program
    .command('stop')
    .description('Stop services')
    .argument('[services...]', 'Only these services')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', parseSeconds)
    .action(async (services: string[], _flags: StopFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<StopFlags & GlobalOptions>();
      await refuseDryRun(opts, 'stop');
      const { stop } = await import('../../verbs/lifecycle.js');
      await runVerb(opts, io, 'Stopping', (target, common) =>
        stop(target, { ...common, services, timeoutSeconds: opts.timeout }),
      );
    });
}
