/**
 * `berth rm [SERVICE...]` (docker/compose cmd/compose/remove.go, pkg/compose/remove.go): remove the
 * services' stopped containers; `-s` stops them first, `-v` also removes their anonymous volumes.
 * Running containers are left alone. Without `-f` it asks first, as compose does: in a terminal
 * `? Going to remove demo-web-1 (y/N) `, otherwise `Going to remove demo-web-1` and one line read from
 * stdin; only y/yes/true/1 (any case) removes. With `-f` the list is printed and nothing is asked.
 * Nothing stopped: `No stopped containers` on stderr, status 0.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import type { Progress } from '../render/progress.js';
import { parseSeconds } from './down.js';
import { interruptible, refuseDryRun } from './lifecycle-common.js';

interface RmFlags {
  force?: boolean;
  stop?: boolean;
  volumes?: boolean;
  timeout?: number;
}

export function registerRm(program: Command, io: CliIo): void {
  program
    .command('rm')
    .description('Removes stopped service containers')
    .argument('[services...]', 'Only these services')
    .option('-f, --force', "Don't ask to confirm removal")
    .option('-s, --stop', 'Stop the containers, if required, before removing')
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers')
    .option('-t, --timeout <seconds>', 'Shutdown timeout in seconds for --stop', parseSeconds)
    .addOption(new Option('-a, --all', 'Deprecated - no effect').hideHelp())
    .action(async (services: string[], _flags: RmFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RmFlags & GlobalOptions>();
      await refuseDryRun(opts, 'rm');
      const { rm } = await import('../../verbs/lifecycle.js');
      const { projectOrName } = await import('../project-options.js');
      const { cliProgress } = await import('../render/progress.js');
      const { project, name } = await projectOrName(opts, io);
      // As compose: `-s` shows its stop, then the question is asked with no progress on screen, then
      // the removal shows as a progress of its own.
      let progress: Progress | undefined = opts.stop
        ? await cliProgress(opts, io.env, io.err, 'Stopping')
        : undefined;
      const result = await interruptible(async (signal) => {
        try {
          return await rm(project ?? name, {
            env: io.env,
            signal,
            parallel: opts.parallel,
            onEvent: (e) => progress?.onEvent(e),
            services,
            stop: opts.stop,
            volumes: opts.volumes,
            timeoutSeconds: opts.timeout,
            confirm: async (names) => {
              progress?.done();
              progress = undefined;
              const message = `Going to remove ${names.join(', ')}`;
              if (opts.force) io.out(`${message}\n`);
              else if (!(await confirm(message, io))) return false;
              progress = await cliProgress(opts, io.env, io.err, 'Removing');
              return true;
            },
          });
        } finally {
          progress?.done();
        }
      });
      if (result.containers.length === 0 && !result.cancelled) io.err('No stopped containers\n');
    });
}

/** y, yes, true, t, 1 (any case): compose's utils.StringToBool plus survey's "yes". */
export function isYes(answer: string): boolean {
  return /^(y|yes|true|t|1)$/i.test(answer.trim());
}

async function confirm(message: string, io: CliIo): Promise<boolean> {
  const tty = process.stdin.isTTY === true;
  io.out(tty ? `? ${message} (y/N) ` : message);
  const answer = await readLine();
  if (tty || answer === undefined) io.out('\n');
  return isYes(answer ?? '');
}

/** One line of stdin (undefined at end of input). */
async function readLine(): Promise<string | undefined> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    return await new Promise<string | undefined>((resolve) => {
      rl.once('line', (line) => resolve(line));
      rl.once('close', () => resolve(undefined));
    });
  } finally {
    rl.close();
    process.stdin.pause();
  }
}
