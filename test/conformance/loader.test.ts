/**
 * Runs every compose-go loader case (../shared/conformance/compose-go/loader/<case>/expect.json) through
 * berth's loader and checks the asserted values, lengths, absent/present keys and error substrings.
 * Deliberate differences are listed in EXCEPTIONS.md and exceptions/loader.json.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { BerthError } from '../../src/api/errors.js';
import { loadModel, type ModelOptions } from '../../src/compose/load.js';
import { CORPUS, caseFolders, runConformance } from './corpus.js';

const root = join(CORPUS, 'loader');

interface Expect {
  source: string;
  files: string[];
  workingDir: string;
  env: Record<string, string>;
  options?: {
    skipNormalization?: boolean;
    skipConsistencyCheck?: boolean;
    skipValidation?: boolean;
    resolvePaths?: boolean;
    profiles?: string[];
    projectName?: { name: string; imperativelySet: boolean };
    discardEnvFiles?: boolean;
    selectedServices?: string[];
    withoutUnnecessaryResources?: boolean;
  };
  error?: string;
  expect?: [Array<string | number>, unknown][];
  length?: [Array<string | number>, number][];
  absent?: Array<Array<string | number>>;
  present?: Array<Array<string | number>>;
}

const cases = caseFolders('loader', ['testdata', 'other-fixtures']);

function at(value: unknown, path: Array<string | number>): { found: boolean; value: unknown } {
  let cur: any = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg))
      return { found: false, value: undefined };
    cur = cur[seg];
  }
  return { found: true, value: cur };
}

function substituteWorkdir(v: unknown, workdir: string): unknown {
  if (typeof v === 'string') return v.replaceAll('{{workdir}}', workdir);
  if (Array.isArray(v)) return v.map((x) => substituteWorkdir(x, workdir));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteWorkdir(x, workdir)]));
  }
  return v;
}

function run(name: string): void {
  const dir = join(root, name);
  const e = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expect;
  const workingDir = e.workingDir === '' ? '' : resolve(dir, e.workingDir);
  const o = e.options ?? {};
  const opts: ModelOptions = {
    skipNormalization: o.skipNormalization,
    skipConsistencyCheck: o.skipConsistencyCheck,
    skipValidation: o.skipValidation,
    resolvePaths: o.resolvePaths ?? true,
    profiles: o.profiles,
    selectedServices: o.selectedServices,
    withoutUnnecessaryResources: o.withoutUnnecessaryResources,
    discardEnvFiles: o.discardEnvFiles,
    projectName: o.projectName
      ? { name: o.projectName.name, imperative: o.projectName.imperativelySet }
      : undefined,
  };
  // Upstream tests without a working dir ran in the case's own folder (relative references resolve there).
  const previous = process.cwd();
  process.chdir(dir);
  let project: unknown;
  let error: unknown;
  try {
    project = JSON.parse(
      JSON.stringify(
        loadModel(
          {
            workingDir,
            configFiles: e.files.map((f) => ({ filename: resolve(dir, f) })),
            environment: { ...e.env },
          },
          opts,
        ),
      ),
    );
  } catch (err) {
    error = err;
  } finally {
    process.chdir(previous);
  }
  if (e.error !== undefined) {
    expect(error, `expected an error containing ${JSON.stringify(e.error)}`).toBeDefined();
    if (!(error instanceof BerthError)) throw error;
    // Schema errors keep compose-go's exact wording (with its path prefix) in `upstreamMessage`; berth's
    // own message drops the path, which describe() prints as `file:line:col: path: message`.
    const text = `${error.message}\n${error.describe()}\n${(error as { upstreamMessage?: string }).upstreamMessage ?? ''}`;
    expect(text).toContain(e.error);
    return;
  }
  if (error) throw error;
  const workdir = workingDir === '' ? dir : workingDir;
  for (const [path, value] of e.expect ?? []) {
    const got = at(project, path);
    expect(got.found ? got.value : '<absent>', path.join('.')).toEqual(substituteWorkdir(value, workdir));
  }
  for (const [path, n] of e.length ?? []) {
    const got = at(project, path);
    const size = !got.found || got.value === null ? 0 : Object.keys(got.value as object).length;
    expect(size, `length of ${path.join('.')}`).toBe(n);
  }
  for (const path of e.absent ?? []) expect(at(project, path).found, `${path.join('.')} absent`).toBe(false);
  for (const path of e.present ?? []) expect(at(project, path).found, `${path.join('.')} present`).toBe(true);
}

runConformance('loader', cases, run);
