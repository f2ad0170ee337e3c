/**
 * Removing a built-in engine's temporary state directories at the end of a suite, without racing the
 * engine's detached processes: a project's supervisor, and conmon's exit hooks (a `die` event
 * appended to `<runRoot>/events.jsonl` after the container went) can still write there when the last
 * test returns. Each supervisor is stopped, then processes whose command line names a directory get
 * up to 10 s to end, then the directories go (retried if a last write made one non-empty again).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { enginePaths } from '../../src/engine/paths.js';
import { stopSupervisor } from '../../src/engine/supervisor/client.js';

/** Pids of processes (not this one) whose command line mentions one of `dirs`. */
function processesNaming(dirs: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (dirs.some((d) => cmdline.includes(d))) out.push(Number(name));
  }
  return out;
}

export async function removeEngineDirs(root: string, runRoot: string): Promise<void> {
  const paths = enginePaths({ root, runRoot });
  const pidFiles = existsSync(paths.supervisor)
    ? readdirSync(paths.supervisor).filter((f) => f.endsWith('.pid'))
    : [];
  for (const f of pidFiles) {
    await stopSupervisor({ paths, project: f.slice(0, -'.pid'.length) }).catch(() => false);
  }
  const deadline = Date.now() + 10_000;
  while (processesNaming([root, runRoot]).length > 0 && Date.now() < deadline) await sleep(100);
  for (const dir of [root, runRoot])
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
