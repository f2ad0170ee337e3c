/**
 * `cp` (docker/compose pkg/compose/cp.go, with `docker cp`'s path rules from moby/go-archive
 * copy.go): tar streams through the Engine's archive API, in either direction.
 *
 * - `SERVICE:SRC DEST|-`: from the service's first container (lowest number; `index` picks one);
 *   `-` writes the tar as the engine sends it.
 * - `SRC|- SERVICE:DEST`: into every container of the service (`index`: one; `all`: one-offs too);
 *   `-` reads a tar and needs DEST to be a directory.
 * - Path rules as docker cp: a directory is copied as itself into an existing directory, or becomes
 *   DEST when DEST does not exist; `dir/.` copies the contents; a file onto an existing file or a new
 *   name is renamed to it; a trailing `/` asserts a directory. `followLink` follows a source that is
 *   a symbolic link (the copy keeps the link's name).
 */
import { once } from 'node:events';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { BerthError } from '../api/errors.js';
import { resourceEvent } from '../api/events.js';
import type { CpOptions, CpResult } from '../api/interactive.js';
import type { Project } from '../compose/model.js';
import type { ContainerInfo, ContainerPathStat, Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';
import { checkService, notRunningError, serviceContainers } from './exec.js';

/** `svc:/path` → service + path; a local path (absolute, `./x:y`, no colon) has no service. */
export function splitCpArg(arg: string): { service?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0) return { path: arg };
  const service = arg.slice(0, colon);
  if (service.startsWith('.')) return { path: arg };
  return { service, path: arg.slice(colon + 1) };
}

const endsWithSeparator = (p: string) => p.endsWith('/');
const specifiesCurrentDir = (p: string) => posix.basename(p) === '.' || p === '.' || p.endsWith('/.');

/** Whether the path says it must be a directory (`dir/`, `dir/.`). */
export function assertsDirectory(p: string): boolean {
  return endsWithSeparator(p) || specifiesCurrentDir(p);
}

/** Go's archive.SplitPathDirEntry: the parent and the last element, `.` kept for `dir/.`. */
export function splitPathDirEntry(p: string): { dir: string; base: string } {
  let cleaned = posix.normalize(p);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  if (specifiesCurrentDir(p) && posix.basename(cleaned) !== '.') cleaned = `${cleaned}/.`;
  return { dir: posix.dirname(cleaned), base: posix.basename(cleaned) };
}

/** An absolute local path that keeps a trailing `/` or `/.` (they carry meaning). */
export function resolveLocalPath(cwd: string, p: string): string {
  let abs = posix.resolve(cwd, p);
  if (specifiesCurrentDir(p) && !abs.endsWith('/.')) abs = abs === '/' ? '/.' : `${abs}/.`;
  else if (endsWithSeparator(p) && !abs.endsWith('/')) abs = `${abs}/`;
  return abs;
}

/** Renames archive entries `oldBase[/…]` to `newBase[/…]` (`.` as oldBase: every entry). */
export function rebaseName(name: string, oldBase: string, newBase: string): string {
  const n = name.replace(/^(\.\/)+/, '');
  if (oldBase === '.') return n === '' || n === '.' ? newBase : `${newBase}/${n}`;
  if (n === oldBase || n === `${oldBase}/`) return newBase;
  if (n.startsWith(`${oldBase}/`)) return newBase + n.slice(oldBase.length);
  return name;
}

interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name entries must carry instead of the path's base (a followed link keeps its own name). */
  rebaseName?: string;
}

/**
 * Where an archive of `src` is extracted so that the copy lands at `dst` (go-archive
 * PrepareArchiveCopy): the directory to extract into, and the rename of the archive's top entry.
 */
export function prepareArchiveCopy(
  src: Pick<CopyInfo, 'path' | 'isDir' | 'rebaseName'>,
  dst: Pick<CopyInfo, 'path' | 'exists' | 'isDir'>,
): { dir: string; rename?: { from: string; to: string } } {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  if (dst.exists && dst.isDir) {
    // Extracted into the directory as it is (a followed link still needs its own name).
    return src.rebaseName
      ? { dir: dst.path, rename: { from: splitPathDirEntry(src.path).base, to: src.rebaseName } }
      : { dir: dst.path };
  }
  if (dst.exists && src.isDir) throw copyError('cannot copy a directory to an existing file');
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) {
    throw copyError(`no such directory: ${dst.path}`);
  }
  return { dir: dstDir, rename: { from: splitPathDirEntry(src.path).base, to: dstBase } };
}

function copyError(message: string): BerthError {
  return new BerthError('USAGE', message);
}

/** go-archive CopyInfoDestinationPath: follows symlinks; a missing path needs an existing parent. */
async function localDestination(p: string): Promise<CopyInfo> {
  let path = p;
  for (let n = 0; ; n++) {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = splitPathDirEntry(path).dir;
      let parentStat: Awaited<ReturnType<typeof stat>>;
      try {
        parentStat = await stat(parent);
      } catch {
        throw copyError(`no such directory: ${parent}`);
      }
      if (!parentStat.isDirectory()) throw copyError(`not a directory: ${parent}`);
      return { path, exists: false, isDir: false };
    }
    if (!st.isSymbolicLink()) return { path, exists: true, isDir: st.isDirectory() };
    if (n >= 10) throw copyError(`too many symlinks in ${p}`);
    const target = await readlink(path);
    path = target.startsWith('/') ? target : posix.join(splitPathDirEntry(path).dir, target);
  }
}

/** go-archive CopyInfoSourcePath: the parent's links are resolved; the last element's only with -L. */
async function localSource(p: string, followLink: boolean): Promise<CopyInfo> {
  let resolved: string;
  let rebase: string | undefined;
  try {
    if (followLink) {
      resolved = await realpath(p);
      if (specifiesCurrentDir(p) && !specifiesCurrentDir(resolved)) resolved += '/.';
      else if (endsWithSeparator(p) && !endsWithSeparator(resolved)) resolved += '/';
      if (posix.basename(p) !== posix.basename(resolved)) rebase = posix.basename(p);
    } else {
      const slash = p.lastIndexOf('/');
      const dir = await realpath(p.slice(0, slash + 1) || '.');
      resolved = `${dir === '/' ? '' : dir}/${p.slice(slash + 1)}`;
    }
    const st = await lstat(resolved);
    return { path: resolved, exists: true, isDir: st.isDirectory(), ...(rebase && { rebaseName: rebase }) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw copyError(`no such file or directory: ${p}`);
    throw err;
  }
}

/** A tar of a local path, its top entry renamed as the copy needs. */
async function packLocal(src: CopyInfo, rename: { from: string; to: string } | undefined) {
  const { pack } = await import('tar-fs');
  const { dir, base } = splitPathDirEntry(src.path);
  const map = (header: { name: string }) => {
    if (rename) header.name = rebaseName(header.name, rename.from, rename.to);
    return header;
  };
  // umask 0: the modes are copied exactly, as docker cp does.
  const tar = pack(dir, { entries: [base], map, umask: 0 } as unknown as Parameters<typeof pack>[1]);
  // A streamx stream (tar-stream 3): it pipes into node streams like any readable.
  return tar as unknown as NodeJS.ReadableStream;
}

async function extractLocal(
  content: NodeJS.ReadableStream,
  dir: string,
  rename?: { from: string; to: string },
) {
  const { extract } = await import('tar-fs');
  const map = (header: { name: string; linkname?: string | null; type?: string }) => {
    if (rename) {
      header.name = rebaseName(header.name, rename.from, rename.to);
      if (header.type === 'link' && header.linkname) {
        header.linkname = rebaseName(header.linkname, rename.from, rename.to);
      }
    }
    return header;
  };
  // docker cp: no chown to the archive's owners (the copy belongs to the user), modes kept, links
  // written as they are (writing through an existing link is still refused by tar-fs).
  const target = extract(dir, {
    map,
    chown: false,
    umask: 0,
    validateSymlinks: false,
  } as unknown as Parameters<typeof extract>[1]);
  // tar-stream 3 streams are streamx streams: piped by hand rather than through node's pipeline.
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      (content as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(err);
    };
    target.on('finish', () => resolve());
    target.on('error', fail);
    content.on('error', fail);
    content.pipe(target as unknown as NodeJS.WritableStream);
  });
}

async function writeAll(content: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of content as AsyncIterable<Buffer>) {
    if (!out.write(chunk)) await once(out as NodeJS.EventEmitter, 'drain');
  }
}

async function copyFromContainer(
  runtime: Runtime,
  c: ContainerInfo,
  srcPath: string,
  dst: string,
  options: CpOptions,
): Promise<void> {
  let path = srcPath;
  let rebase: string | undefined;
  if (options.followLink) {
    const st = await runtime.statContainerPath(c.id, srcPath, options.signal);
    if (st?.type === 'symlink' && st.linkTarget) {
      const target = st.linkTarget.startsWith('/')
        ? st.linkTarget
        : posix.join(splitPathDirEntry(srcPath).dir, st.linkTarget);
      rebase = posix.basename(srcPath.replace(/\/+$/, '')) || undefined;
      path = target;
      if (rebase === posix.basename(target)) rebase = undefined;
    }
  }
  const { stat: st, content } = await runtime.getArchive(c.id, path, options.signal);
  if (dst === '-') {
    await writeAll(content, options.stdout ?? process.stdout);
    return;
  }
  const dstPath = resolveLocalPath(options.cwd ?? process.cwd(), dst);
  let target: { dir: string; rename?: { from: string; to: string } };
  try {
    const dstInfo = await localDestination(dstPath);
    target = prepareArchiveCopy({ path, isDir: st.type === 'directory', rebaseName: rebase }, dstInfo);
  } catch (err) {
    (content as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw err;
  }
  await extractLocal(content, target.dir, target.rename);
}

async function copyToContainer(
  runtime: Runtime,
  c: ContainerInfo,
  src: string,
  dstPath: string,
  options: CpOptions,
): Promise<void> {
  let dst: ContainerPathStat | undefined = await runtime.statContainerPath(c.id, dstPath, options.signal);
  let dstResolved = dstPath;
  if (dst?.type === 'symlink' && dst.linkTarget) {
    dstResolved = dst.linkTarget.startsWith('/')
      ? dst.linkTarget
      : posix.join(splitPathDirEntry(dstPath).dir, dst.linkTarget);
    dst = await runtime.statContainerPath(c.id, dstResolved, options.signal);
  }
  if (dst?.type === 'other') {
    throw copyError(`destination "${c.name}:${dstPath}" must be a directory or a regular file`);
  }
  const dstInfo = { path: dstResolved, exists: dst !== undefined, isDir: dst?.type === 'directory' };
  if (src === '-') {
    if (!dstInfo.isDir) throw copyError(`destination "${c.name}:${dstPath}" must be a directory`);
    await runtime.putArchive(c.id, dstInfo.path, options.stdin ?? process.stdin, {
      copyUIDGID: options.archive,
      signal: options.signal,
    });
    return;
  }
  const srcInfo = await localSource(
    resolveLocalPath(options.cwd ?? process.cwd(), src),
    options.followLink === true,
  );
  const { dir, rename } = prepareArchiveCopy(srcInfo, dstInfo);
  const tar = await packLocal(srcInfo, rename);
  await runtime.putArchive(c.id, dir, tar, { copyUIDGID: options.archive, signal: options.signal });
}

export async function cp(
  project: Project | string,
  source: string,
  destination: string,
  options: CpOptions = {},
): Promise<CpResult> {
  if (source === '') throw copyError('source can not be empty');
  if (destination === '') throw copyError('destination can not be empty');
  const from = splitCpArg(source);
  const to = splitCpArg(destination);
  if (from.service !== undefined && to.service !== undefined) {
    throw copyError('copying between services is not supported');
  }
  const service = from.service ?? to.service;
  if (service === undefined) {
    throw copyError('unknown copy direction');
  }
  checkService(project, service);
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, async ({ runtime }) => {
    let targets = await serviceContainers(runtime, name, service, {
      index: options.index,
      oneOffs: options.all === true && !(options.index !== undefined && options.index > 0),
      all: true,
    });
    if (targets.length === 0) {
      if (options.index !== undefined && options.index > 0) throw notRunningError(service, options.index);
      throw new BerthError('SERVICE_NOT_RUNNING', `no container found for service "${service}"`, {
        hint: `create it first (\`berth up -d ${service}\`)`,
      });
    }
    if (from.service !== undefined || (options.index ?? 0) > 0) targets = targets.slice(0, 1);
    const emit = options.onEvent ?? (() => {});
    await Promise.all(
      targets.map(async (c) => {
        const detail =
          from.service !== undefined
            ? `${c.name}:${from.path} to ${to.path}`
            : `${from.path} to ${c.name}:${to.path}`;
        emit(resourceEvent('container', c.name, 'Copying', 'working', detail));
        try {
          if (from.service !== undefined) await copyFromContainer(runtime, c, from.path, to.path, options);
          else await copyToContainer(runtime, c, from.path, to.path, options);
        } catch (err) {
          emit(resourceEvent('container', c.name, 'Copying', 'error', (err as Error).message));
          throw err;
        }
        emit(resourceEvent('container', c.name, 'Copied', 'done', detail));
      }),
    );
    return { containers: targets.map((c) => ({ id: c.id, name: c.name })) };
  });
}
