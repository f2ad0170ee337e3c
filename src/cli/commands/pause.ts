/**
 * `berth pause [SERVICE...]` and `berth unpause [SERVICE...]` (docker/compose cmd/compose/pause.go):
 * freeze the services' running containers, and thaw the paused ones.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { refuseDryRun, runVerb } from './lifecycle-common.js';

export function registerPause(program: Command, io: CliIo): void {
  program
    .command('pause')
    .description('Pause services')
    .argument('[services...]', 'Only these services')
    .action(async (services: string[], _flags: object, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await refuseDryRun(opts, 'pause');
      const { pause } = await import('../../verbs/lifecycle.js');
      await runVerb(opts, io, 'Pausing', (target, common) => pause(target, { ...common, services }));
    });
}

export function registerUnpause(program: Command, io: CliIo): void {
  program
    .command('unpause')
    .description('Unpause services')
    .argument('[services...]', 'Only these services')
    .action(async (services: string[], _flags: object, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await refuseDryRun(opts, 'unpause');
      const { unpause } = await import('../../verbs/lifecycle.js');
      await runVerb(opts, io, 'Running', (target, common) => unpause(target, { ...common, services }));
    });
}
