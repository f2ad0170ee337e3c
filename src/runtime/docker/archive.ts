/**
 * The Engine API's archive endpoints (what `docker cp` uses): `HEAD /containers/{id}/archive?path=`
 * stats a path (the answer is in the `X-Docker-Container-Path-Stat` header: base64 JSON of name,
 * size, Go FileMode, mtime, linkTarget), `GET` returns a tar of it, `PUT` extracts a tar into an
 * existing directory. They work on stopped containers too.
 */
import { RuntimeError } from '../../api/errors.js';
import type { ContainerPathStat } from '../runtime.js';
import type { EngineClient } from './client.js';
import { abortedError } from './errors.js';

const STAT_HEADER = 'x-docker-container-path-stat';

// Go's os.FileMode type bits (io/fs), above the permission bits.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const TYPE_BITS = [2 ** 26, 2 ** 25, 2 ** 24, 2 ** 21, 2 ** 19]; // device, pipe, socket, char device, irregular

/** The stat header → ContainerPathStat (undefined when absent or malformed). */
export function decodePathStat(header: string | string[] | undefined): ContainerPathStat | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  let raw: { name?: string; size?: number; mode?: number; mtime?: string; linkTarget?: string };
  try {
    raw = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const mode = Number(raw.mode ?? 0);
  const bit = (b: number) => Math.floor(mode / b) % 2 === 1;
  const type: ContainerPathStat['type'] = bit(MODE_DIR)
    ? 'directory'
    : bit(MODE_SYMLINK)
      ? 'symlink'
      : TYPE_BITS.some(bit)
        ? 'other'
        : 'file';
  const stat: ContainerPathStat = {
    name: raw.name ?? '',
    size: Number(raw.size ?? 0),
    mode: mode % 0o1000,
    type,
  };
  if (raw.mtime) stat.mtime = raw.mtime;
  if (raw.linkTarget) stat.linkTarget = raw.linkTarget;
  return stat;
}

const archivePath = (id: string) => `/containers/${encodeURIComponent(id)}/archive`;

export async function statContainerPath(
  client: EngineClient,
  id: string,
  path: string,
  signal?: AbortSignal,
): Promise<ContainerPathStat | undefined> {
  try {
    const res = await client.stream('HEAD', archivePath(id), {
      query: { path },
      signal,
      action: `stat ${path} in ${id}`,
    });
    res.resume();
    return decodePathStat(res.headers[STAT_HEADER]);
  } catch (err) {
    if ((err as RuntimeError & { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function getArchive(
  client: EngineClient,
  id: string,
  path: string,
  signal?: AbortSignal,
): Promise<{ stat: ContainerPathStat; content: NodeJS.ReadableStream }> {
  const action = `copy ${path} from ${id}`;
  const res = await client.stream('GET', archivePath(id), { query: { path }, signal, action });
  const stat = decodePathStat(res.headers[STAT_HEADER]);
  if (!stat) {
    res.destroy();
    throw new RuntimeError('RUNTIME_ERROR', `${action}: the engine sent no path stat`);
  }
  return { stat, content: res };
}

export async function putArchive(
  client: EngineClient,
  id: string,
  path: string,
  content: NodeJS.ReadableStream,
  options: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const action = `copy to ${path} in ${id}`;
  // A failing source (an unreadable local file) must fail the request, not leave it hanging.
  const failed = new AbortController();
  let sourceError: unknown;
  const onError = (err: unknown) => {
    sourceError = err;
    failed.abort(err);
  };
  content.on('error', onError);
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  try {
    await client.json('PUT', archivePath(id), {
      query: {
        path,
        noOverwriteDirNonDir: options.noOverwriteDirNonDir !== false,
        copyUIDGID: options.copyUIDGID === true ? true : undefined,
      },
      body: content,
      contentType: 'application/x-tar',
      signal,
      action,
    });
  } catch (err) {
    if (sourceError !== undefined) {
      const message = sourceError instanceof Error ? sourceError.message : String(sourceError);
      throw new RuntimeError('RUNTIME_ERROR', `${action}: ${message}`, { cause: sourceError });
    }
    if (options.signal?.aborted) throw abortedError(action, err);
    throw err;
  } finally {
    content.off('error', onError);
  }
}
