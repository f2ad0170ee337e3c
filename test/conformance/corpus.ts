/** Shared helpers of the conformance runners: where the corpus is, the exception lists, the summary line. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Dict, parseYaml } from '../../src/compose/yaml.js';

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

/** The case folders of an area (`merge`, `loader`…), sorted; fixture folders excluded. */
export function caseFolders(area: string, exclude: string[] = []): string[] {
  return readdirSync(join(CORPUS, area), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !exclude.includes(d.name))
    .map((d) => d.name)
    .sort();
}

/** The first YAML document of a file, with its `!reset`/`!override` paths. */
export function parseFirstDocument(file: string): { value: Dict; resetPaths: string[] } {
  const [doc] = parseYaml(readFileSync(file, 'utf8'), file);
  return { value: (doc?.value ?? {}) as Dict, resetPaths: doc?.resetPaths ?? [] };
}

/**
 * One vitest test per case, plus the summary line. A case listed in exceptions/<area>.json is still
 * run and must still fail: when it starts passing, the exception is stale and the test says so.
 */
export function runConformance(area: string, cases: readonly string[], run: (name: string) => void): void {
  const exceptions = exceptionsFor(area);
  let passed = 0;
  let failed = 0;
  describe(`conformance ${area}`, () => {
    for (const name of cases) {
      const why = exceptions.get(name);
      if (why) {
        it(`${name} (exception: ${why})`, () => {
          expect(() => run(name), 'this exception is stale: the case passes now').toThrow();
        });
        continue;
      }
      it(name, () => {
        try {
          run(name);
          passed++;
        } catch (err) {
          failed++;
          throw err;
        }
      });
    }
    afterAll(() => report(area, passed, failed, exceptions.size, cases.length));
  });
}
