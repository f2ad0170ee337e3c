/**
 * bin/berth.js: runs the bundled CLI through V8's code cache. The cache must be invisible to users —
 * same output with a cold, warm, corrupted or unwritable cache — and it must actually be written
 * and reused (one file per subcommand, a separate one for `-p` without `-f` and for failed runs),
 * without piling up files of old builds.
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

/** berth with its code cache in `cacheDir` and HOME in the scratch directory. */
function berth(args: string[], cacheDir: string, extraEnv: Record<string, string> = {}) {
  return run(args, { env: { HOME: scratch, BERTH_CACHE_DIR: cacheDir, ...extraEnv } });
}

describe('bin/berth.js code cache', () => {
  it('writes one cache file per subcommand and gives the same output warm as cold', () => {
    const cache = join(scratch, 'cache');
    const cold = berth(['-f', example, '-p', 'launcher', 'config', '--services'], cache);
    expect(cold).toMatchObject({ status: 0, stderr: '' });
    expect(cold.stdout.split('\n').filter(Boolean).sort()).toEqual(['app', 'nginx']);
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^v\d+\.\d+\.\d+-\d+-\d+-config\.bin$/);
    const written = readFileSync(join(cache, files[0]!));
    expect(written.length).toBeGreaterThan(1000);

    const warm = berth(['-f', example, '-p', 'launcher', 'config', '--services'], cache);
    expect(warm).toEqual(cold);
    // Accepted, so not rewritten.
    expect(readFileSync(join(cache, files[0]!)).equals(written)).toBe(true);

    // A global flag's value (`launcher`) is not taken for the subcommand: still the one `config` file.
    expect(berth(['--project-name', 'launcher', '-f', example, 'config', '--images'], cache).status).toBe(0);
    expect(readdirSync(cache)).toEqual([files[0]]);
    expect(berth(['version'], cache).status).toBe(0);
    expect(readdirSync(cache).some((f) => f.endsWith('-version.bin'))).toBe(true);
  });

  it('a corrupted cache is rejected by V8 and rewritten; the command still works', () => {
    const cache = join(scratch, 'corrupt');
    const args = ['-f', example, 'config', '--services'];
    const cold = berth(args, cache);
    const [file] = readdirSync(cache);
    writeFileSync(join(cache, file!), Buffer.alloc(4096, 7));
    expect(berth(args, cache)).toEqual(cold);
    expect(readFileSync(join(cache, file!)).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('`-p NAME` without `-f` keys a cache of its own (those runs need not load the project)', () => {
    const cache = join(scratch, 'by-name');
    expect(berth(['-p', 'launcher', 'version'], cache).status).toBe(0);
    expect(berth(['version'], cache).status).toBe(0);
    expect(berth(['-f', example, '-p', 'launcher', 'version'], cache).status).toBe(0);
    const files = readdirSync(cache).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^v\d+\.\d+\.\d+-\d+-\d+-version-by-name\.bin$/);
    expect(files[1]).toMatch(/^v\d+\.\d+\.\d+-\d+-\d+-version\.bin$/);
  });

  it("a failed run's cache is kept apart and replaced by the next successful run's", () => {
    const cache = join(scratch, 'failed');
    const failing = ['-f', join(scratch, 'missing.yaml'), 'config', '--services'];
    const first = berth(failing, cache);
    expect(first.status).toBe(1);
    const [failFile] = readdirSync(cache);
    expect(failFile).toMatch(/-config\.fail\.bin$/);
    const failed = readFileSync(join(cache, failFile!));
    // Reused by the next failure (same output), not rewritten.
    expect(berth(failing, cache)).toEqual(first);
    expect(readFileSync(join(cache, failFile!)).equals(failed)).toBe(true);

    const ok = berth(['-f', example, 'config', '--services'], cache);
    expect(ok.status).toBe(0);
    expect(readdirSync(cache)).toEqual([failFile!.replace(/\.fail\.bin$/, '.bin')]);
    // A success's cache stays when a later run fails.
    expect(berth(failing, cache)).toEqual(first);
    expect(readdirSync(cache)).toEqual([failFile!.replace(/\.fail\.bin$/, '.bin')]);
  });

  it("writing a cache file deletes other bundles' files not written for a day, nothing else", () => {
    const cache = join(scratch, 'prune');
    mkdirSync(cache, { recursive: true });
    const old = join(cache, 'v1.2.3-100-200-up.bin');
    const recent = join(cache, 'v1.2.3-100-300-up.bin');
    const other = join(cache, 'notes.txt');
    for (const f of [old, recent, other]) writeFileSync(f, 'x');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    utimesSync(other, twoDaysAgo, twoDaysAgo);
    expect(berth(['version'], cache).status).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(readdirSync(cache).some((f) => f.endsWith('-version.bin'))).toBe(true);
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
