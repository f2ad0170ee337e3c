/** The package version, read from package.json beside dist/ (or src/ when run from source). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function berthVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return cached;
}

/** What `berth --version` prints (docker compose prints `Docker Compose version vX.Y.Z`). */
export function versionLine(): string {
  return `berth version ${berthVersion()}`;
}
