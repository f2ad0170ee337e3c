/**
 * `berth start [SERVICE...]` (docker/compose cmd/compose/start.go): start the existing containers of
 * the services and of their dependencies, dependencies first, waiting for their depends_on conditions.
 * Works from `-p NAME` alone (the labels give the dependency order). `--wait` then holds until they are
 * running (healthy where they have a healthcheck), at most `--wait-timeout` seconds.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { parseSeconds } from './down.js';
import { refuseDryRun, runVerb } from './lifecycle-common.js';

interface StartFlags {
  wait?: boolean;
  waitTimeout?: number;
}

export function registerStart(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('Start services')
    .argument('[services...]', 'Only these services (and their dependencies)')
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.')
    .option(
      '--wait-timeout <seconds>',
      'Maximum duration in seconds to wait for the project to be running|healthy',
      parseSeconds,
    )
    .action(async (services: string[], _flags: StartFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<StartFlags & GlobalOptions>();
      await refuseDryRun(opts, 'start');
      const { start } = await import('../../verbs/lifecycle.js');
      await runVerb(opts, io, 'Running', (target, common) =>
        start(target, { ...common, services, wait: opts.wait, waitTimeoutSeconds: opts.waitTimeout }),
      );
    });
}
