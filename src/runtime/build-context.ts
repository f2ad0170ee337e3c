/**
 * A build context as the docker CLI sends it (docker/cli cli/command/image/build + moby/patternmatcher),
 * engine-neutral so every runtime sends, and berth digests, the same files:
 *
 * - `.dockerignore` at the context root: one pattern per line, `#` starts a comment line, blank lines
 *   are skipped, `!` re-includes; patterns are cleaned (`./a/../b` → `b`, a leading `/` dropped) and
 *   anchored at the context root; `*` and `?` never cross `/`, `**` matches any number of directories,
 *   `[…]` is a class, `\` escapes. A path is excluded when the last pattern matching it, or one of its
 *   parent directories, is not a `!` pattern.
 * - the Dockerfile and `.dockerignore` are always sent, even when excluded (the CLI's
 *   TrimBuildFilesFromExcludes), as the engine must read them;
 * - an excluded directory is skipped whole unless a `!` pattern exists (which might re-include
 *   something under it);
 * - regular files, directories and symlinks (not followed) are sent; sockets, fifos and devices are not.
 *
 * {@link buildInputsDigest} hashes what a build reads — every sent path with its type, permission bits
 * and content (or link target), the Dockerfile's name and text, the build arguments, target, labels,
 * network, extra hosts, shm size and platform — but no timestamps, so `touch` does not count as a
 * change. berth records it on built images and rebuilds when it differs (see verbs/build.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { BuildSpec } from './runtime.js';

export interface ContextEntry {
  /** Path inside the context, `/`-separated, no leading `./`. */
  path: string;
  /** Absolute path on disk. */
  abs: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  size: number;
  mtimeMs: number;
  /** Symlink target. */
  target?: string;
}

interface Pattern {
  exclusion: boolean;
  regex: RegExp;
}

/** Parses `.dockerignore` text into patterns as moby/patternmatcher/ignorefile.ReadAll does. */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let p = raw.trim();
    if (p === '') continue;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = posix.normalize(p);
      if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
      if (p === './' || p === '') p = '.';
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

function compile(pattern: string): Pattern {
  const exclusion = pattern.startsWith('!');
  const p = exclusion ? pattern.slice(1) : pattern;
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        re += i + 1 >= p.length ? '.*' : '(.*/)?';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '\\') {
      i++;
      if (i < p.length) re += p[i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '[') {
      const close = p.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = p.slice(i + 1, close);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\]/]/g, '\\$&');
  }
  return { exclusion, regex: new RegExp(`${re}$`) };
}

/** Decides which context paths `.dockerignore` excludes. */
export class IgnoreMatcher {
  private readonly patterns: Pattern[];
  /** Whether any `!` pattern exists (an excluded directory may then hold included files). */
  readonly hasExceptions: boolean;

  constructor(patterns: string[]) {
    this.patterns = patterns.filter((p) => p !== '' && p !== '!').map(compile);
    this.hasExceptions = this.patterns.some((p) => p.exclusion);
  }

  /** moby's MatchesOrParentMatches: the last pattern matching the path or a parent decides. */
  excludes(path: string): boolean {
    const parents = path.split('/').slice(0, -1);
    let matched = false;
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.regex.test(path);
      for (let i = 0; !match && i < parents.length; i++) {
        match = pattern.regex.test(parents.slice(0, i + 1).join('/'));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}

/** The Dockerfile's path relative to the context (`Dockerfile` by default), `/`-separated; `..` when outside. */
export function dockerfileInContext(spec: Pick<BuildSpec, 'context' | 'dockerfile'>): string {
  const file = spec.dockerfile ?? 'Dockerfile';
  const abs = isAbsolute(file) ? file : resolve(spec.context, file);
  return relative(spec.context, abs).split(sep).join('/');
}

/** Lists what the context sends, sorted by path (directories before their contents). */
export async function listContext(
  spec: Pick<BuildSpec, 'context' | 'dockerfile'>,
  signal?: AbortSignal,
): Promise<ContextEntry[]> {
  const root = spec.context;
  let ignoreText = '';
  try {
    ignoreText = await readFile(join(root, '.dockerignore'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const matcher = new IgnoreMatcher(parseDockerignore(ignoreText));
  const always = new Set(['.dockerignore', dockerfileInContext(spec)]);
  const out: ContextEntry[] = [];

  const walk = async (dir: string, prefix: string): Promise<void> => {
    signal?.throwIfAborted();
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const abs = join(dir, name);
      const st = await lstat(abs);
      const excluded = !always.has(rel) && matcher.excludes(rel);
      const base = { path: rel, abs, mode: st.mode & 0o7777, size: st.size, mtimeMs: st.mtimeMs };
      if (st.isDirectory()) {
        const holdsKept = [...always].some((k) => k.startsWith(`${rel}/`));
        if (excluded && !matcher.hasExceptions && !holdsKept) continue;
        if (!excluded) out.push({ ...base, type: 'dir', size: 0 });
        await walk(abs, rel);
      } else if (excluded) continue;
      else if (st.isFile()) out.push({ ...base, type: 'file' });
      else if (st.isSymbolicLink())
        out.push({ ...base, type: 'symlink', size: 0, target: await readlink(abs) });
    }
  };
  await walk(root, '');
  return out;
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The Dockerfile's text: inline, or read from its path (inside the context or not). */
export async function readDockerfile(spec: Pick<BuildSpec, 'context' | 'dockerfile' | 'dockerfileInline'>) {
  if (spec.dockerfileInline !== undefined) return spec.dockerfileInline;
  const file = spec.dockerfile ?? 'Dockerfile';
  return readFile(isAbsolute(file) ? file : resolve(spec.context, file), 'utf8');
}

/**
 * `sha256:<hex>` over the build's inputs (see the header). `entries` defaults to
 * {@link listContext}'s; labels named in `ignoreLabels` (the digest's own) are left out.
 */
export async function buildInputsDigest(
  spec: BuildSpec,
  options: { entries?: ContextEntry[]; ignoreLabels?: string[]; signal?: AbortSignal } = {},
): Promise<string> {
  const entries = options.entries ?? (await listContext(spec, options.signal));
  const hash = createHash('sha256');
  hash.update('berth build inputs v1\n');
  for (const e of entries) {
    options.signal?.throwIfAborted();
    const what = e.type === 'file' ? await fileSha256(e.abs) : e.type === 'symlink' ? e.target : '';
    hash.update(`${e.type} ${JSON.stringify(e.path)} ${e.mode.toString(8)} ${what}\n`);
  }
  const ignored = new Set(options.ignoreLabels ?? []);
  const sorted = (m: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(m ?? {})
        .filter(([k]) => !ignored.has(k))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  hash.update(
    JSON.stringify({
      dockerfile: spec.dockerfileInline !== undefined ? null : dockerfileInContext(spec),
      dockerfileText: await readDockerfile(spec),
      args: sorted(spec.args),
      target: spec.target ?? null,
      labels: sorted(spec.labels),
      network: spec.network ?? null,
      extraHosts: spec.extraHosts ?? [],
      shmSize: spec.shmSize ?? null,
      platform: spec.platform ?? null,
    }),
  );
  return `sha256:${hash.digest('hex')}`;
}
