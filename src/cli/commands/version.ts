/**
 * `berth version [--short] [-f|--format pretty|json]` (docker/compose cmd/compose/version.go): berth's
 * version as `berth version X.Y.Z`, `X.Y.Z` with `--short` (which wins), `{"version":"X.Y.Z"}` with
 * `--format json`. Reads no compose file. (`berth --version` and `-v` print the pretty line too.)
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../program.js';
import { berthVersion, versionLine } from '../version.js';

interface VersionFlags {
  short?: boolean;
  format?: 'pretty' | 'json';
}

export function registerVersion(program: Command, io: CliIo): void {
  program
    .command('version')
    .description('Show the berth version information')
    .addOption(
      new Option(
        '-f, --format <format>',
        'Format the output. Values: [pretty | json]. (Default: pretty)',
      ).choices(['pretty', 'json']),
    )
    .option('--short', "Shows only berth's version number")
    .action((flags: VersionFlags) => {
      io.out(formatVersion(flags.short === true, flags.format));
    });
}

export function formatVersion(short: boolean, format: 'pretty' | 'json' | undefined): string {
  if (short) return `${berthVersion()}\n`;
  if (format === 'json') return `${JSON.stringify({ version: berthVersion() })}\n`;
  return `${versionLine()}\n`;
}
