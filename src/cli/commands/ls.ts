/**
 * `berth ls [-a] [-q] [--format table|json] [--filter name=…]` (docker/compose cmd/compose/list.go,
 * pkg/compose/ls.go): the Compose projects on the engine, from container labels (no compose file is
 * read). Without `-a` only projects with a running container. `--filter name=X` (repeatable) keeps
 * projects named X or matching X as a regular expression; it is the only filter.
 * - table: NAME STATUS CONFIG FILES through Go's tabwriter (min width 20, padding 3);
 * - json: one JSON array on one line, `[{"Name","Status","ConfigFiles"}]` (`[]` when none);
 * - `-q`: the names, one per line.
 */
import type { Command } from 'commander';
import type { ProjectListing } from '../../api/inspect.js';
import type { CliIo } from '../program.js';
import { tabulate } from './config.js';

interface LsFlags {
  all?: boolean;
  quiet?: boolean;
  format: string;
  filter?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerLs(program: Command, io: CliIo): void {
  program
    .command('ls')
    .description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects')
    .option('-q, --quiet', 'Only display project names')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .option('--filter <filter>', 'Filter output based on conditions provided (name=…)', collect)
    .action(async (flags: LsFlags) => {
      await runLs(flags, io);
    });
}

export function formatLsTable(projects: readonly ProjectListing[]): string {
  return tabulate(
    [['NAME', 'STATUS', 'CONFIG FILES'], ...projects.map((p) => [p.Name, p.Status, p.ConfigFiles])],
    20,
    3,
  );
}

export function formatLsJson(projects: readonly ProjectListing[]): string {
  return `${JSON.stringify(projects.map((p) => ({ Name: p.Name, Status: p.Status, ConfigFiles: p.ConfigFiles })))}\n`;
}

/** `--filter` values → the name patterns; anything but `name=…` is a usage error, as in compose. */
export async function nameFilters(filters: readonly string[]): Promise<string[]> {
  const { BerthError } = await import('../../api/errors.js');
  const names: string[] = [];
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new BerthError('USAGE', `bad format of filter (expected name=value): ${f}`);
    const key = f.slice(0, eq).trim().toLowerCase();
    if (key !== 'name') {
      throw new BerthError('USAGE', `invalid filter '${key}'`, {
        hint: 'ls supports --filter name=VALUE only',
      });
    }
    names.push(f.slice(eq + 1).trim());
  }
  return names;
}

async function runLs(flags: LsFlags, io: CliIo): Promise<void> {
  const format = flags.format.toLowerCase();
  if (format !== 'table' && format !== 'json') {
    const { BerthError } = await import('../../api/errors.js');
    throw new BerthError('USAGE', `format value "${flags.format}" could not be parsed`, {
      hint: 'use --format table or --format json',
    });
  }
  const names = await nameFilters(flags.filter ?? []);
  const { ls } = await import('../../verbs/ls.js');
  const projects = await ls({
    env: io.env,
    all: flags.all,
    names,
    onEvent: (e) => {
      if (e.type === 'warning') io.err(`warning: ${e.message}\n`);
    },
  });
  if (flags.quiet) {
    io.out(projects.map((p) => `${p.Name}\n`).join(''));
    return;
  }
  io.out(format === 'json' ? formatLsJson(projects) : formatLsTable(projects));
}
