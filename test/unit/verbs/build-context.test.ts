import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildInputsDigest,
  dockerfileInContext,
  IgnoreMatcher,
  listContext,
  parseDockerignore,
} from '../../../src/runtime/build-context.js';
import { contextTar } from '../../../src/runtime/docker/build-context.js';
import type { BuildSpec } from '../../../src/runtime/runtime.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('.dockerignore patterns (moby/patternmatcher)', () => {
  it('parses comments, blanks, exceptions and cleans paths', () => {
    expect(parseDockerignore('# comment\n\n  *.log  \n!keep.log\n/abs/path/\n./a/../b\n')).toEqual([
      '*.log',
      '!keep.log',
      'abs/path',
      'b',
    ]);
  });

  it.each([
    [['*.log'], 'a.log', true],
    [['*.log'], 'dir/a.log', false],
    [['**/*.log'], 'dir/sub/a.log', true],
    [['**/*.log'], 'a.log', true],
    [['node_modules'], 'node_modules/x/y.js', true],
    [['dir/*'], 'dir/file', true],
    [['dir/*'], 'dir', false],
    [['a?c'], 'abc', true],
    [['a?c'], 'a/c', false],
    [['[a-c]x'], 'bx', true],
    [['[a-c]x'], 'dx', false],
    [['*.log', '!keep.log'], 'keep.log', false],
    [['*.log', '!keep.log'], 'other.log', true],
    [['docs', '!docs/README.md'], 'docs/README.md', false],
    [['docs', '!docs/README.md'], 'docs/other.md', true],
    [['**'], 'anything/at/all', true],
  ])('%j excludes %s: %s', (patterns, path, excluded) => {
    expect(new IgnoreMatcher(parseDockerignore(patterns.join('\n'))).excludes(path)).toBe(excluded);
  });
});

describe('listContext', () => {
  it('sends what .dockerignore lets through, plus the Dockerfile and .dockerignore themselves', async () => {
    const dir = context({
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '*.secret\nbuild\nDockerfile\n.dockerignore\ndocs\n!docs/keep.md\n',
      'app.js': 'x',
      'a.secret': 's',
      'build/out.bin': 'b',
      'docs/keep.md': 'k',
      'docs/drop.md': 'd',
      'src/index.js': 'i',
    });
    symlinkSync('app.js', join(dir, 'link.js'));
    const entries = await listContext({ context: dir });
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual([
      'file:.dockerignore',
      'file:Dockerfile',
      'file:app.js',
      'file:docs/keep.md',
      'symlink:link.js',
      'dir:src',
      'file:src/index.js',
    ]);
    expect(entries.find((e) => e.path === 'link.js')?.target).toBe('app.js');
  });

  it('keeps a Dockerfile in an excluded directory', async () => {
    const dir = context({
      'docker/web.Dockerfile': 'FROM scratch\n',
      'docker/other': 'o',
      '.dockerignore': 'docker\n',
    });
    const entries = await listContext({ context: dir, dockerfile: 'docker/web.Dockerfile' });
    expect(entries.map((e) => e.path)).toEqual(['.dockerignore', 'docker/web.Dockerfile']);
  });

  it('places a Dockerfile outside the context at ../', () => {
    expect(dockerfileInContext({ context: '/p/ctx', dockerfile: '../Dockerfile.web' })).toBe(
      '../Dockerfile.web',
    );
    expect(dockerfileInContext({ context: '/p/ctx' })).toBe('Dockerfile');
    expect(dockerfileInContext({ context: '/p/ctx', dockerfile: '/p/ctx/sub/D' })).toBe('sub/D');
  });
});

describe('build inputs digest', () => {
  const spec = (dir: string, extra: Partial<BuildSpec> = {}): BuildSpec => ({
    context: dir,
    tags: ['x'],
    ...extra,
  });

  it('is stable, ignores timestamps and ignored files, and changes with content, modes, args and more', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\nCOPY . /\n', 'a.txt': 'one', '.dockerignore': 'tmp\n' });
    const base = await buildInputsDigest(spec(dir));
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await buildInputsDigest(spec(dir))).toBe(base);

    utimesSync(join(dir, 'a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await buildInputsDigest(spec(dir))).toBe(base);

    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'tmp', 'scratch'), 'ignored');
    expect(await buildInputsDigest(spec(dir))).toBe(base);

    const variants = [
      await buildInputsDigest(spec(dir, { args: { A: '1' } })),
      await buildInputsDigest(spec(dir, { target: 'final' })),
      await buildInputsDigest(spec(dir, { labels: { l: 'v' } })),
      await buildInputsDigest(spec(dir, { dockerfileInline: 'FROM scratch\n' })),
      await buildInputsDigest(spec(dir, { shmSize: 1024 })),
    ];
    expect(new Set([base, ...variants]).size).toBe(6);
    // The digest's own label is not an input.
    expect(await buildInputsDigest(spec(dir, { labels: { own: 'x' } }), { ignoreLabels: ['own'] })).toBe(
      base,
    );

    chmodSync(join(dir, 'a.txt'), 0o755);
    const chmodded = await buildInputsDigest(spec(dir));
    expect(chmodded).not.toBe(base);

    writeFileSync(join(dir, 'a.txt'), 'two');
    const edited = await buildInputsDigest(spec(dir));
    expect(edited).not.toBe(chmodded);

    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY a.txt /\n');
    expect(await buildInputsDigest(spec(dir))).not.toBe(edited);
  });
});

describe('context tar', () => {
  it('is a tar the system tar lists and extracts, long names and inline Dockerfiles included', async () => {
    const long = `${'d'.repeat(60)}/${'f'.repeat(70)}.txt`;
    const dir = context({
      Dockerfile: 'FROM scratch\n',
      [long]: 'long name',
      'ünïcode.txt': 'u',
      'empty.txt': '',
    });
    symlinkSync('Dockerfile', join(dir, 'link'));
    const entries = await listContext({ context: dir });
    const out = mkdtempSync(join(tmpdir(), 'berth-tar-'));
    dirs.push(out);
    const tarPath = join(out, 'ctx.tar');
    const chunks: Buffer[] = [];
    for await (const c of contextTar(entries, [{ path: '.berth-dockerfile-x', content: 'FROM inline\n' }])) {
      chunks.push(c as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    expect(bytes.length % 512).toBe(0);
    writeFileSync(tarPath, bytes);
    const listed = execFileSync('tar', ['-tf', tarPath], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listed).toEqual(
      [
        '.berth-dockerfile-x',
        'Dockerfile',
        `${'d'.repeat(60)}/`,
        long,
        'empty.txt',
        'link',
        'ünïcode.txt',
      ].sort(),
    );
    const extracted = join(out, 'x');
    mkdirSync(extracted);
    execFileSync('tar', ['-xf', tarPath, '-C', extracted]);
    expect(execFileSync('cat', [join(extracted, long)], { encoding: 'utf8' })).toBe('long name');
    expect(execFileSync('cat', [join(extracted, '.berth-dockerfile-x')], { encoding: 'utf8' })).toBe(
      'FROM inline\n',
    );
    expect(execFileSync('readlink', [join(extracted, 'link')], { encoding: 'utf8' }).trim()).toBe(
      'Dockerfile',
    );
  });
});
