/** Shared helpers of the conformance runners: where the corpus is, the exception lists, the summary line. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../..');
/** compose-go's test data, beside the repository (shared/conformance/compose-go). */
export const CORPUS =
  process.env.BERTH_CONFORMANCE_DIR ?? resolve(REPO_ROOT, '../shared/conformance/compose-go');

if (!existsSync(CORPUS)) {
  throw new Error(`conformance corpus not found at ${CORPUS} (set BERTH_CONFORMANCE_DIR)`);
}

/** Case name → reason, from test/conformance/exceptions/<area>.json (documented in EXCEPTIONS.md). */
export function exceptionsFor(area: string): Map<string, string> {
  const file = join(here, 'exceptions', `${area}.json`);
  if (!existsSync(file)) return new Map();
  const list = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(list));
}

/** Prints the one summary line CI logs show for each conformance area. */
export function report(
  area: string,
  passed: number,
  failed: number,
  exceptions: number,
  total: number,
): void {
  console.log(`conformance ${area}: ${passed}/${total} passed, ${failed} failed, ${exceptions} exceptions`);
}
