/**
 * A berth process of its own for the stack integration tests: `node --import tsx stack-child.ts
 * <compose file> <project> [optionsJson]` loads the file and runs the library's `up` with the options,
 * printing each event as one JSON line on stdout, then `{"done":true}` (exit 0) or `{"error":…}`
 * (exit 1). The tests kill it with SIGKILL in the middle, or run two at once.
 */
import { dirname } from 'node:path';
import { loadProject, up } from '../../src/index.js';

const [file, projectName, json] = process.argv.slice(2);
if (!file || !projectName) {
  process.stderr.write('usage: stack-child.ts <compose file> <project> [optionsJson]\n');
  process.exit(2);
}
const options = JSON.parse(json ?? '{}') as Record<string, unknown>;
try {
  const project = await loadProject({ files: [file], projectName, cwd: dirname(file), env: {} });
  process.stdout.write(`${JSON.stringify({ pid: process.pid, started: true })}\n`);
  await up(project, { ...options, onEvent: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) });
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
  process.exit(0);
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ error: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code })}\n`,
  );
  process.exit(1);
}
