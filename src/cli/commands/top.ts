/**
 * `berth top [SERVICE...]` (docker/compose cmd/compose/top.go, Compose ≥ 2.34): the processes of the
 * project's running containers in ONE table — SERVICE, `#` (the replica number), then the engine's
 * `ps` columns (UID PID PPID C STIME TTY TIME CMD), CMD kept right-most; containers in name order;
 * Go's tabwriter (min width 4, padding 2); a cell a container lacks prints `-`; nothing at all when no
 * process is listed. (Compose before 2.34 printed one table per container under its name.)
 */
import type { Command } from 'commander';
import type { ContainerProcesses } from '../../api/inspect.js';
import type { CliIo, GlobalOptions } from '../program.js';
import { tabulate } from './config.js';

export function registerTop(program: Command, io: CliIo): void {
  program
    .command('top')
    .description('Display the running processes')
    .argument('[services...]', 'Only these services')
    .action(async (services: string[], _flags: object, cmd: Command) => {
      await runTop(services, cmd.optsWithGlobals<GlobalOptions>(), io);
    });
}

/** The table compose prints for these containers ('' when there are no processes). */
export function formatTop(containers: readonly ContainerProcesses[]): string {
  const header: string[] = ['SERVICE', '#'];
  const rows: Array<Map<string, string>> = [];
  for (const c of containers) {
    for (const proc of c.Processes) {
      const row = new Map<string, string>([
        ['SERVICE', c.Service],
        ['#', c.Replica],
      ]);
      c.Titles.forEach((title, i) => {
        if (!header.includes(title)) header.push(title);
        row.set(title, proc[i] ?? '');
      });
      rows.push(row);
    }
  }
  if (rows.length === 0) return '';
  const cmd = header.indexOf('CMD');
  if (cmd >= 0) header.push(...header.splice(cmd, 1));
  return tabulate([header, ...rows.map((row) => header.map((title) => row.get(title) ?? '-'))], 4, 2);
}

async function runTop(services: string[], opts: GlobalOptions, io: CliIo): Promise<void> {
  const { projectOrName } = await import('../project-options.js');
  const { name } = await projectOrName(opts, io);
  const { top } = await import('../../verbs/top.js');
  const containers = await top(name, { env: io.env, services: services.length > 0 ? services : undefined });
  io.out(formatTop(containers));
}
