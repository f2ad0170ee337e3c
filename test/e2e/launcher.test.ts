/**
 * bin/berth.js: runs the bundled CLI through V8's code cache. The cache must be invisible to users —
 * same output with a cold, warm, corrupted or unwritable cache — and it must actually be written
 * and reused (one file per subcommand, a separate one for `-p` without `-f`, for failed runs and for
 * runs that loaded their project rather than take it from the project cache), without piling up files
 * of old builds.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, berth as run } from '../support/cli.js';

const example = join(repo, 'examples', 'nginx-springboot', 'compose.yaml');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * berth with its code cache in `<cacheDir>/compile-cache` and HOME in the scratch directory; the project
 * cache is off unless `extraEnv` turns it on (its effect on the code cache has a test of its own).
 */
function berth(args: string[], cacheDir: string, extraEnv: Record<string, string> = {}) {
  const env = { HOME: scratch, BERTH_CACHE_DIR: cacheDir, BERTH_NO_PROJECT_CACHE: '1', ...extraEnv };
  return run(args, { env });
}

/** The code cache directory under a BERTH_CACHE_DIR. */
const code = (cacheDir: string) => join(cacheDir, 'compile-cache');

describe('bin/berth.js code cache', () => {
  it('writes one cache file per subcommand and gives the same output warm as cold', () => {
    const cache = join(scratch, 'cache');
    const cold = berth(['-f', example, '-p', 'launcher', 'config', '--services'], cache);
    expect(cold).toMatchObject({ status: 0, stderr: '' });
    expect(cold.stdout.split('\n').filter(Boolean).sort()).toEqual(['app', 'nginx']);
    const files = readdirSync(code(cache));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^v\d+\.\d+\.\d+-\d+-\d+-config\.bin$/);
    const written = readFileSync(join(code(cache), files[0]!));
    expect(written.length).toBeGreaterThan(1000);

    const warm = berth(['-f', example, '-p', 'launcher', 'config', '--services'], cache);
    expect(warm).toEqual(cold);
    // Accepted, so not rewritten.
    expect(readFileSync(join(code(cache), files[0]!)).equals(written)).toBe(true);

    // A global flag's value (`launcher`) is not taken for the subcommand: still the one `config` file.
    expect(berth(['--project-name', 'launcher', '-f', example, 'config', '--images'], cache).status).toBe(0);
    expect(readdirSync(code(cache))).toEqual([files[0]]);
    expect(berth(['version'], cache).status).toBe(0);
    expect(readdirSync(code(cache)).some((f) => f.endsWith('-version.bin'))).toBe(true);
  });

  it('a corrupted cache is rejected by V8 and rewritten; the command still works', () => {
    const cache = join(scratch, 'corrupt');
    const args = ['-f', example, 'config', '--services'];
    const cold = berth(args, cache);
    const [file] = readdirSync(code(cache));
    writeFileSync(join(code(cache), file!), Buffer.alloc(4096, 7));
    expect(berth(args, cache)).toEqual(cold);
    expect(readFileSync(join(code(cache), file!)).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('`-p NAME` without `-f` keys a cache of its own (those runs need not load the project)', () => {
    const cache = join(scratch, 'by-name');
    expect(berth(['-p', 'launcher', 'version'], cache).status).toBe(0);
    expect(berth(['version'], cache).status).toBe(0);
    expect(berth(['-f', example, '-p', 'launcher', 'version'], cache).status).toBe(0);
    const files = readdirSync(code(cache)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^v\d+\.\d+\.\d+-\d+-\d+-version-by-name\.bin$/);
    expect(files[1]).toMatch(/^v\d+\.\d+\.\d+-\d+-\d+-version\.bin$/);
  });

  it("a failed run's cache is kept apart and replaced by the next successful run's", () => {
    const cache = join(scratch, 'failed');
    const failing = ['-f', join(scratch, 'missing.yaml'), 'config', '--services'];
    const first = berth(failing, cache);
    expect(first.status).toBe(1);
    const [failFile] = readdirSync(code(cache));
    expect(failFile).toMatch(/-config\.fail\.bin$/);
    const failed = readFileSync(join(code(cache), failFile!));
    // Reused by the next failure (same output), not rewritten.
    expect(berth(failing, cache)).toEqual(first);
    expect(readFileSync(join(code(cache), failFile!)).equals(failed)).toBe(true);

    const ok = berth(['-f', example, 'config', '--services'], cache);
    expect(ok.status).toBe(0);
    expect(readdirSync(code(cache))).toEqual([failFile!.replace(/\.fail\.bin$/, '.bin')]);
    // A success's cache stays when a later run fails.
    expect(berth(failing, cache)).toEqual(first);
    expect(readdirSync(code(cache))).toEqual([failFile!.replace(/\.fail\.bin$/, '.bin')]);
  });

  it("writing a cache file deletes other bundles' files not written for a day, nothing else", () => {
    const cache = join(scratch, 'prune');
    mkdirSync(code(cache), { recursive: true });
    const old = join(code(cache), 'v1.2.3-100-200-up.bin');
    const recent = join(code(cache), 'v1.2.3-100-300-up.bin');
    const other = join(code(cache), 'notes.txt');
    for (const f of [old, recent, other]) writeFileSync(f, 'x');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    utimesSync(other, twoDaysAgo, twoDaysAgo);
    expect(berth(['version'], cache).status).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(readdirSync(code(cache)).some((f) => f.endsWith('-version.bin'))).toBe(true);
  });

  it("a run that loaded its project is kept apart from the project cache's hits, which skip the loader", () => {
    const cache = join(scratch, 'project-cache');
    const withProjects = { BERTH_NO_PROJECT_CACHE: '' };
    const file = join(scratch, 'project-cache.yaml');
    writeFileSync(file, 'services:\n  web:\n    image: busybox\n');
    const args = ['-f', file, 'config', '--services'];
    const loaded = berth(args, cache, withProjects);
    expect(loaded).toMatchObject({ status: 0, stdout: 'web\n' });
    const [loadFile] = readdirSync(code(cache));
    expect(loadFile).toMatch(/-config\.load\.bin$/);
    const loadSize = readFileSync(join(code(cache), loadFile!)).length;
    expect(readdirSync(join(cache, 'projects'))).toHaveLength(1);
    // A hit: same output; the cache it started from holds the loader's code, so it is dropped…
    expect(berth(args, cache, withProjects)).toEqual(loaded);
    expect(readdirSync(code(cache))).toEqual([]);
    // …and the next hit writes one without it, smaller, and keeps it.
    expect(berth(args, cache, withProjects)).toEqual(loaded);
    const [hitFile] = readdirSync(code(cache));
    expect(hitFile).toBe(loadFile!.replace(/\.load\.bin$/, '.bin'));
    const written = readFileSync(join(code(cache), hitFile!));
    expect(written.length).toBeLessThan(loadSize);
    expect(berth(args, cache, withProjects)).toEqual(loaded);
    expect(readFileSync(join(code(cache), hitFile!)).equals(written)).toBe(true);
    // The file changes: that run loads again (new output), and the hit's cache stays as it was.
    writeFileSync(file, 'services:\n  api:\n    image: busybox\n');
    expect(berth(args, cache, withProjects)).toMatchObject({ status: 0, stdout: 'api\n' });
    expect(readdirSync(code(cache))).toEqual([hitFile]);
    expect(readFileSync(join(code(cache), hitFile!)).equals(written)).toBe(true);
  });

  it('an unwritable cache directory, or BERTH_NO_COMPILE_CACHE, only costs speed', () => {
    const locked = join(scratch, 'locked');
    const args = ['-f', example, 'config', '--services'];
    const ok = berth(args, join(scratch, 'ok'));
    writeFileSync(locked, 'a file where the directory should be');
    chmodSync(locked, 0o400);
    expect(berth(args, locked)).toEqual(ok);
    const off = join(scratch, 'off');
    expect(berth(args, off, { BERTH_NO_COMPILE_CACHE: '1' })).toEqual(ok);
    expect(() => readdirSync(off)).toThrow();
  });
});
