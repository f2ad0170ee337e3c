/**
 * conmon's exit command: conmon runs this after a container's process ended,
 *
 *   node <dist>/runtime/builtin/exit-hook.js --root R --run-root RR <container id>
 *
 * It appends the `die` event (with the exit code conmon wrote, the container's labels, name and
 * image) to the event journal, so `berth logs -f`, an attached `up` and `berth events` learn of exits
 * nobody asked for — the ones dockerd would have announced; and it removes a container created with
 * `autoRemove` (`run --rm`), as dockerd does. Only that path loads the runtime: the common one stays
 * with node:fs, so it starts fast.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendEvent } from '../../engine/events.js';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function exitHook(argv: string[]): Promise<void> {
  const root = arg(argv, '--root');
  const runRoot = arg(argv, '--run-root');
  const id = argv[argv.length - 1];
  if (!root || !runRoot || !id || !/^[0-9a-f]{64}$/.test(id)) return;
  let attributes: Record<string, string> = {};
  let autoRemove = false;
  try {
    const rec = JSON.parse(await readFile(join(root, 'containers', id, 'container.json'), 'utf8'));
    attributes = { ...(rec.labels ?? {}), name: rec.name, image: rec.image };
    autoRemove = rec.spec?.autoRemove === true;
  } catch {}
  // A restart policy may have started the container again already, moving the file aside.
  const code = (
    await readFile(join(runRoot, 'exits', id), 'utf8').catch(() =>
      readFile(join(runRoot, 'exits', `.${id}.last`), 'utf8').catch(() => ''),
    )
  ).trim();
  await appendEvent(runRoot, {
    type: 'container',
    action: 'die',
    id,
    attributes: { ...attributes, exitCode: /^-?\d+$/.test(code) ? code : '-1' },
  });
  if (autoRemove) {
    const { createBuiltinRuntime } = await import('./builtin-runtime.js');
    const rt = await createBuiltinRuntime({ root, runRoot, skipPreflight: true });
    await rt.removeContainer(id, { force: true, volumes: true });
  }
}

if (process.argv[1] && /exit-hook\.(js|ts)$/.test(process.argv[1])) {
  exitHook(process.argv.slice(2)).catch(() => {});
}
