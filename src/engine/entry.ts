/**
 * How to start one of berth's own Node programs as a separate process (the supervisor, conmon's
 * exit hook): `node dist/<rel>.js`, or — when berth itself runs from its TypeScript sources (the
 * test suite) — `node --import <tsx> src/<rel>.ts`. The package root is two levels above this module
 * in every form berth runs in: src/engine/, dist/engine/, and the CLI bundle dist/cli/berth.cjs (whose
 * import.meta.url is the bundle's own).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface NodeEntry {
  execPath: string;
  execArgv: string[];
  entry: string;
}

export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

export function nodeEntry(rel: string): NodeEntry {
  const root = packageRoot();
  if (import.meta.url.endsWith('.ts')) {
    // Absolute loader URL: the child runs with cwd `/`, where a bare `tsx` would not resolve.
    const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return {
      execPath: process.execPath,
      execArgv: ['--import', loader],
      entry: join(root, 'src', `${rel}.ts`),
    };
  }
  return { execPath: process.execPath, execArgv: [], entry: join(root, 'dist', `${rel}.js`) };
}
