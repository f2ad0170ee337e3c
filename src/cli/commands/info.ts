/**
 * `berth info [--format pretty|json]`: the engine berth uses here, why, and its version; for the
 * built-in engine also what it needs from the host, each requirement marked ok or missing (with the
 * Debian package to install). Exits 1 when the chosen engine cannot run.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { InfoResult } from '../../api/inspect.js';
import type { CliIo } from '../program.js';

export function registerInfo(program: Command, io: CliIo): void {
  program
    .command('info')
    .description('Show which engine berth uses (docker or builtin), why, and its version')
    .addOption(new Option('-f, --format <format>', 'Format the output').choices(['pretty', 'json']))
    .action(async (flags: { format?: 'pretty' | 'json' }) => {
      const { info } = await import('../../verbs/info.js');
      const result = await info({ env: io.env });
      io.out(flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatInfo(result));
      if (result.requirements?.some((r) => !r.ok)) process.exitCode = 1;
    });
}

export function formatInfo(r: InfoResult): string {
  const lines = [
    `Runtime:   ${r.runtime}`,
    `Why:       ${r.reason}`,
    ...(r.endpoint ? [`Endpoint:  ${r.endpoint}`] : []),
    ...(r.serverVersion
      ? [`Version:   ${r.serverVersion}${r.apiVersion ? ` (API ${r.apiVersion})` : ''}`]
      : []),
    `OS/Arch:   ${r.os}/${r.arch}`,
  ];
  if (r.requirements) {
    lines.push('Requirements:');
    for (const q of r.requirements) {
      const where = q.ok
        ? q.detail
          ? ` ${q.detail}`
          : ''
        : ` MISSING${q.package ? ` (apt-get install ${q.package})` : q.detail ? ` (${q.detail})` : ''}`;
      lines.push(
        `  ${q.ok ? 'ok     ' : 'missing'} ${q.what}${q.ok ? where : where.replace(' MISSING', '')}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
