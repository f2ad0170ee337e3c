/**
 * The Runtime's image operations on the built-in engine: berth's own image store (engine/store) and
 * registry client (engine/images), in the shapes the docker adapter returns, so reconcile and the
 * verbs cannot tell the engines apart. References are printed the way docker prints them
 * (`busybox:latest`, `127.0.0.1:5000/app:1`).
 */
import { BerthError, RuntimeError } from '../../api/errors.js';
import type { ImageLayerProgress } from '../../api/images.js';
import type { ImageStore } from '../../engine/store/image-store.js';
import { familiarName, familiarString, parseReference } from '../../engine/store/reference.js';
import type { ImageRecord } from '../../engine/store/types.js';
import { healthcheckFromImage } from '../image-healthcheck.js';
import type { Credentials, ImageInfo, Progress } from '../runtime.js';

export function imageInfoOf(r: ImageRecord): ImageInfo {
  const c = r.config.config ?? {};
  const parsed = r.refs.map((ref) => parseReference(ref));
  const tags = parsed.filter((p) => p.tag !== undefined).map((p) => familiarString(p));
  const names = [...new Set(parsed.map((p) => familiarName(p)))];
  return {
    id: r.id,
    tags,
    digests: names.map((n) => `${n}@${r.manifestDigest}`),
    labels: { ...(c.Labels ?? {}) },
    created: r.config.created,
    size: r.size,
    platform: [r.config.os, r.config.architecture, r.config.variant].filter(Boolean).join('/'),
    config: {
      entrypoint: c.Entrypoint ?? undefined,
      cmd: c.Cmd ?? undefined,
      env: c.Env,
      workingDir: c.WorkingDir || undefined,
      user: c.User || undefined,
      exposedPorts: c.ExposedPorts ? Object.keys(c.ExposedPorts) : undefined,
      volumes: c.Volumes ? Object.keys(c.Volumes) : undefined,
      healthcheck: c.Healthcheck ? healthcheckFromImage(c.Healthcheck) : undefined,
      stopSignal: c.StopSignal || undefined,
    },
  };
}

function progressOf(onProgress: ((p: Progress) => void) | undefined) {
  if (!onProgress) return undefined;
  return (p: ImageLayerProgress) =>
    onProgress({ id: p.id, status: p.status, current: p.current, total: p.total });
}

function credentialsOf(c: Credentials | undefined) {
  if (!c) return undefined;
  return { username: c.username, password: c.password, identityToken: c.identityToken };
}

export async function pullInto(
  store: ImageStore,
  ref: string,
  options: {
    credentials?: Credentials;
    platform?: string;
    onProgress?: (p: Progress) => void;
    signal?: AbortSignal;
  },
): Promise<void> {
  // The registry client (node:https, node:http…) loads when a pull or push needs it, not for `ps`.
  const { imagePull } = await import('../../engine/images/transfer.js');
  try {
    await imagePull(ref, {
      root: store.paths.root,
      credentials: credentialsOf(options.credentials),
      platform: options.platform,
      unpack: true,
      onProgress: progressOf(options.onProgress),
      signal: options.signal,
    });
  } catch (err) {
    // As the docker adapter reports it: an image the registry does not give (unknown, or the registry
    // unreachable) is IMAGE_NOT_FOUND, which `pull --ignore-pull-failures` and up's policies act on.
    if (err instanceof BerthError && err.code === 'REGISTRY_ERROR') {
      throw new RuntimeError('IMAGE_NOT_FOUND', err.message, { hint: err.hint, cause: err });
    }
    throw err;
  }
}

export async function pushFrom(
  store: ImageStore,
  ref: string,
  options: { credentials?: Credentials; onProgress?: (p: Progress) => void; signal?: AbortSignal },
): Promise<void> {
  const { imagePush } = await import('../../engine/images/transfer.js');
  await imagePush(ref, {
    root: store.paths.root,
    credentials: credentialsOf(options.credentials),
    onProgress: progressOf(options.onProgress),
    signal: options.signal,
  });
}
