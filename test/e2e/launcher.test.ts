/**
 * bin/berth.js: runs the bundled CLI through V8's code cache. The cache must be invisible to users —
 * same output with a cold, warm, corrupted or unwritable cache — and it must actually be written
 * and reused (one file per subcommand).
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
