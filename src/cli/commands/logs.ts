/**
 * `berth logs [SERVICE...]` (docker/compose cmd/compose/logs.go): the output of the services'
 * containers, `<name> | <line>` with one colour per service (render/logs.ts). Flags as compose:
 * `-f/--follow` (until every followed container has stopped, or Ctrl-C: status 130), `-n/--tail`
 * (`all` or a number, per container), `--since`/`--until` (RFC 3339, Unix time, or `42m`),
 * `-t/--timestamps`, `--no-color`, `--no-log-prefix`, `--index N` (one service only). Without `-f` the
 * lines of all containers come out in time order. Works from `-p NAME` alone. A `--tail` that is
 * neither `all` nor a whole number is a usage error (the engine would read it as `all`).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { interruptible } from './lifecycle-common.js';

interface LogsFlags {
  follow?: boolean;
  tail: string;
  since?: string;
  until?: string;
  timestamps?: boolean;
  /** `--no-color` → false. */
  color: boolean;
  /** `--no-log-prefix` → false. */
  logPrefix: boolean;
  index?: number;
}

/** `all` → undefined (every line); a whole number → itself. */
export function parseTail(value: string): number | undefined {
  if (value === 'all' || value === '-1') return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected "all" or a number of lines');
  return Number(value);
}

function parseIndex(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a container number');
  return Number(value);
}

export function registerLogs(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description('View output from containers')
    .argument('[services...]', 'Only these services')
    .option('-f, --follow', 'Follow log output')
    .option('--index <n>', 'index of the container if service has multiple replicas', parseIndex)
    .option(
      '--since <time>',
      'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)',
    )
    .option(
      '--until <time>',
      'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)',
    )
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', "Don't print prefix in logs")
    .option('-t, --timestamps', 'Show timestamps')
    .option(
      '-n, --tail <lines>',
      'Number of lines to show from the end of the logs for each container',
      'all',
    )
    .action(async (services: string[], _flags: LogsFlags, cmd: Command) => {
      await runLogs(services, cmd.optsWithGlobals<LogsFlags & GlobalOptions>(), io);
    });
}

async function runLogs(services: string[], opts: LogsFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { BerthError } = await import('../../api/errors.js');
  let tail: number | undefined;
  try {
    tail = parseTail(opts.tail);
  } catch {
    throw new BerthError('USAGE', `invalid --tail value "${opts.tail}"`, {
      hint: 'use --tail all or a number of lines',
    });
  }
  if (opts.index !== undefined && opts.index > 0 && services.length !== 1) {
    throw new BerthError('USAGE', '--index requires one service to be selected');
  }
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  const { logs } = await import('../../verbs/logs.js');
  const { LogPrinter, displayName } = await import('../render/logs.js');
  const { colorEnabled, serviceColors } = await import('../render/color.js');

  const color = colorEnabled({
    env: io.env,
    isTTY: process.stdout.isTTY === true,
    ansi: opts.ansi,
    noColor: !opts.color,
  });
  let colorOf = serviceColors([], color);
  const serviceOf = new Map<string, string>();
  const printer = new LogPrinter(io.out, {
    names: [],
    prefix: opts.logPrefix,
    timestamps: opts.timestamps === true,
    colorOf: (n) => colorOf(serviceOf.get(n) ?? ''),
  });
  const known = (source: { name: string; service: string }): string => {
    const shown = displayName(source.name, name, source.service);
    if (!serviceOf.has(shown)) {
      serviceOf.set(shown, source.service);
      printer.register(shown);
    }
    return shown;
  };
  await interruptible(async (signal) => {
    for await (const entry of logs(project ?? name, {
      env: io.env,
      signal,
      services,
      follow: opts.follow,
      tail,
      since: opts.since,
      until: opts.until,
      index: opts.index,
      onSelect: (containers) => {
        // One stable colour per service: by its place among every service there is.
        const services = new Set(containers.map((c) => c.service));
        for (const s of Object.keys(project?.services ?? {})) services.add(s);
        colorOf = serviceColors(services, color);
        for (const c of containers) known(c);
      },
    })) {
      const shown = known(entry);
      if (entry.type === 'line') printer.line(shown, entry.text, entry.timestamp);
      else
        printer.status(shown, `exited with code ${entry.exitCode}${entry.restarting ? ' (restarting)' : ''}`);
    }
  });
}
