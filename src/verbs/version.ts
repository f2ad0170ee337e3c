/** berth's own version (`berth version`), read once from the package.json beside dist/ (or src/). */
import { readFileSync } from 'node:fs';
import type { VersionInfo } from '../api/inspect.js';

let cached: string | undefined;

/** The package version, e.g. `0.1.0`. */
export function berthVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return cached;
}

/** `berth version --format json`'s object. */
export function version(): VersionInfo {
  return { version: berthVersion() };
}
