/**
 * `berth ps [SERVICE...]` (docker/compose cmd/compose/ps.go): the project's containers from one list
 * call by project label. Works from `-p NAME` alone (projectOrName). Flags as compose: `-a` also lists
 * stopped containers, `--status` (repeatable) and `--filter status=…` (compose's only filter) select by
 * state and imply `-a`, `-q` prints full ids, `--services` the services of the listed containers,
 * `--format table|json` (json = JSON Lines, as compose ≥ 2.21), `--no-trunc`. Containers sort by name,
 * as compose sorts them.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { checkServiceNames, tableOrJson } from './checks.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status?: string[];
  filter?: string;
  format?: string;
  trunc: boolean;
}

const STATES = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'];

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerPs(program: Command, io: CliIo): void {
  program
    .command('ps')
    .description('List containers')
    .argument('[services...]', 'Only these services')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('--status <status>', `Filter services by status. Values: [${STATES.join(' | ')}]`, collect)
    .option('--filter <filter>', 'Filter services by a property (supported filters: status)')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .option('--no-trunc', "Don't truncate output")
    .action(async (services: string[], _flags: PsFlags, cmd: Command) => {
      await runPs(services, cmd.optsWithGlobals<PsFlags & GlobalOptions>(), io);
    });
}

async function runPs(services: string[], opts: PsFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { BerthError } = await import('../../api/errors.js');
  const status = [...(opts.status ?? [])];
  if (opts.filter !== undefined) {
    const eq = opts.filter.indexOf('=');
    if (eq < 0) throw new BerthError('USAGE', 'arguments to --filter should be in form KEY=VAL');
    const key = opts.filter.slice(0, eq);
    if (key !== 'status') {
      throw new BerthError('USAGE', `unknown filter ${key}`, {
        hint: 'ps supports --filter status=STATE only',
      });
    }
    status.push(opts.filter.slice(eq + 1));
  }
  for (const s of status) {
    if (!STATES.includes(s)) {
      throw new BerthError('USAGE', `invalid status "${s}"`, { hint: `use one of ${STATES.join(', ')}` });
    }
  }
  const format = await tableOrJson(opts.format ?? 'table');

  const { projectOrName } = await import('../project-options.js');
  const { openRuntime } = await import('../../runtime/open.js');
  const { listProjectContainers } = await import('../../verbs/ps.js');
  const open = () => {
    const opening = openRuntime({ env: io.env });
    opening.catch(() => {}); // awaited below, after the files loaded
    return opening;
  };
  // With -p the name is known before the files load: the list call goes out first and the engine
  // answers while they are read. What it brings (or its error) counts only once loading succeeded, so
  // errors come in the same order as when it followed; on a loading error the runtime is closed at
  // once, which cancels the call.
  let opening = opts.projectName ? open() : undefined;
  const list = async (name: string) => {
    opening ??= open();
    const { runtime } = await opening;
    return listProjectContainers(runtime, name, { all: opts.all, services, status });
  };
  const early = opts.projectName ? list(opts.projectName) : undefined;
  early?.catch(() => {});
  let containers: Awaited<ReturnType<typeof list>>;
  try {
    const { project, name } = await projectOrName(opts, io);
    if (project) await checkServiceNames(project, services);
    containers = await (early && name === opts.projectName ? early : list(name));
  } finally {
    const opened = await opening?.catch(() => undefined);
    if (opened?.owned) await opened.runtime.close();
  }
  containers.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));

  if (opts.quiet) {
    io.out(containers.map((c) => `${c.ID}\n`).join(''));
    return;
  }
  if (opts.services) {
    // compose prints the joined names with one Println: an empty line when there are none.
    io.out(`${[...new Set(containers.map((c) => c.Service))].join('\n')}\n`);
    return;
  }
  const { psJsonLines, psTable } = await import('../render/ps-format.js');
  const render = { noTrunc: opts.trunc === false };
  io.out(format === 'json' ? psJsonLines(containers, render) : psTable(containers, render));
}
