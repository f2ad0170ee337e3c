/** `docker top` output: the rows of the host's `ps` that belong to a container (docker's parsePSOutput). Pure. */
import { RuntimeError } from '../../api/errors.js';
import type { ProcessList } from '../../runtime/runtime.js';

/** `ps` output → the rows whose PID is one of `pids` (docker's parsePSOutput). */
export function parsePs(output: string, pids: ReadonlySet<number>): ProcessList {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new RuntimeError('RUNTIME_ERROR', `couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    if (pids.has(Number(row[pidIndex]))) processes.push(row);
  }
  return { titles, processes };
}
