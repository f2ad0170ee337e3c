/**
 * `berth stats [-a] [--no-stream] [--format table|json] [--no-trunc] [SERVICE...]` (docker/compose
 * cmd/compose/stats.go, which runs the docker CLI's `docker stats` on the project's containers:
 * docker/cli cli/command/container/stats.go, formatter_stats.go). compose takes one SERVICE at most;
 * berth takes several.
 * - table: CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS through Go's
 *   tabwriter (min width 10, padding 3); ids cut to 12 characters unless --no-trunc; sizes as go-units
 *   prints them (BytesSize: binary units, 4 significant digits; HumanSizeWithPrecision: decimal units,
 *   3 significant digits, Go's %g);
 * - json: one object per container and line, keys in Go's map order (sorted): BlockIO, CPUPerc,
 *   Container, ID, MemPerc, MemUsage, Name, NetIO, PIDs — the same strings as the table.
 * `--no-stream` prints one sample; otherwise the screen is redrawn every second with the latest sample
 * of each container (one engine stats stream each; containers that start or stop come and go) until
 * Ctrl-C (exit 130).
 */
import type { Command } from 'commander';
import type { ContainerStatsEntry } from '../../api/inspect.js';
import { interruptedExit, untilInterrupted } from '../interrupt.js';
import type { CliIo, GlobalOptions } from '../program.js';
import { tabulate } from './config.js';

interface StatsFlags {
  all?: boolean;
  format: string;
  stream: boolean;
  trunc: boolean;
}

export function registerStats(program: Command, io: CliIo): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[services...]', 'Only these services')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output')
    .action(async (services: string[], _flags: StatsFlags, cmd: Command) => {
      await runStats(services, cmd.optsWithGlobals<StatsFlags & GlobalOptions>(), io);
    });
}

/** Go's `%.<precision>g`: shortest of %e / %f for that many significant digits, no trailing zeros. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(value)
    .toExponential(Math.max(precision, 1) - 1)
    .split('e');
  const exp = Number(exponent);
  const digits = mantissa!.replace('.', '').replace(/0+$/, '') || '0';
  if (exp < -4 || exp >= Math.max(precision, 1)) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

function customSize(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${formatG(size, precision)}${units[i]}`;
}

/** go-units BytesSize: `1.5MiB`. */
export function bytesSize(size: number): string {
  return customSize(size, 1024, BINARY, 4);
}

/** go-units HumanSizeWithPrecision(size, 3): `1.23MB`. */
export function humanSize(size: number): string {
  return customSize(size, 1000, DECIMAL, 3);
}

/** The docker CLI's column values of one entry. */
export function statsColumns(e: ContainerStatsEntry, noTrunc: boolean) {
  return {
    BlockIO: `${humanSize(e.BlockRead)} / ${humanSize(e.BlockWrite)}`,
    CPUPerc: `${e.CPUPercentage.toFixed(2)}%`,
    Container: e.ID,
    ID: noTrunc ? e.ID : e.ID.slice(0, 12),
    MemPerc: `${e.MemoryPercentage.toFixed(2)}%`,
    MemUsage: `${bytesSize(e.Memory)} / ${bytesSize(e.MemoryLimit)}`,
    Name: e.Name.replace(/^\//, '') || '--',
    NetIO: `${humanSize(e.NetworkRx)} / ${humanSize(e.NetworkTx)}`,
    PIDs: String(e.Pids),
  };
}

export function formatStatsTable(entries: readonly ContainerStatsEntry[], noTrunc: boolean): string {
  const header = [
    'CONTAINER ID',
    'NAME',
    'CPU %',
    'MEM USAGE / LIMIT',
    'MEM %',
    'NET I/O',
    'BLOCK I/O',
    'PIDS',
  ];
  const rows = entries.map((e) => {
    const c = statsColumns(e, noTrunc);
    return [c.ID, c.Name, c.CPUPerc, c.MemUsage, c.MemPerc, c.NetIO, c.BlockIO, c.PIDs];
  });
  return tabulate([header, ...rows], 10, 3);
}

export function formatStatsJson(entries: readonly ContainerStatsEntry[], noTrunc: boolean): string {
  return entries.map((e) => `${JSON.stringify(statsColumns(e, noTrunc))}\n`).join('');
}

/** One streaming frame: cursor home, each line cleared to its end, the rest of the screen cleared. */
export function streamFrame(text: string): string {
  const lines = text.split('\n');
  return `\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`;
}

async function runStats(services: string[], opts: StatsFlags & GlobalOptions, io: CliIo): Promise<void> {
  const format = opts.format.toLowerCase();
  if (format !== 'table' && format !== 'json') {
    const { BerthError } = await import('../../api/errors.js');
    throw new BerthError('USAGE', `unsupported format "${opts.format}"`, {
      hint: 'use --format table or --format json (Go templates are not supported)',
    });
  }
  const noTrunc = opts.trunc === false;
  const render = (entries: ContainerStatsEntry[]) =>
    format === 'json' ? formatStatsJson(entries, noTrunc) : formatStatsTable(entries, noTrunc);
  const { projectOrName } = await import('../project-options.js');
  const { name } = await projectOrName(opts, io);
  const selection = { services: services.length > 0 ? services : undefined, all: opts.all };

  if (opts.stream === false) {
    const { stats } = await import('../../verbs/stats.js');
    const entries = await stats(name, { env: io.env, ...selection });
    // docker prints nothing at all (not even the header) when there is no container.
    if (entries.length > 0) io.out(render(entries));
    return;
  }

  const { watchStats } = await import('../../verbs/stats.js');
  await untilInterrupted(async (signal) => {
    io.out('\x1b[2J');
    for await (const entries of watchStats(name, { env: io.env, ...selection, signal })) {
      io.out(streamFrame(render(entries)));
    }
  });
  // The stream ends only when interrupted; should it end otherwise, the status is still Ctrl-C's.
  throw await interruptedExit();
}
