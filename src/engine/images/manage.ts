/**
 * The image operations that stay on this machine: `image ls`, `rm`, `tag`, `inspect`, `history`,
 * `prune` over berth's image store (engine/store), with docker's names and shapes.
 */
import { BerthError } from '../../api/errors.js';
import type {
  ImageHistoryEntry,
  ImageListEntry,
  ImageListOptions,
  ImagePruneOptions,
  ImagePruneResult,
  ImageRemoveOptions,
  ImageRemoveResult,
  ImageStoreAccess,
} from '../../api/images.js';
import type { ImageStore } from '../store/image-store.js';
import {
  familiarName,
  familiarString,
  formatReference,
  parseDockerReference,
  parseNormalizedReference,
  parseReference,
  referenceName,
} from '../store/reference.js';
import type { ImageRecord } from '../store/types.js';
import { openStore, throwIfAborted } from './common.js';

/** `docker image ls [REPO[:TAG]]`: one row per reference, one per dangling image; newest first. */
export async function imageList(options: ImageListOptions = {}): Promise<ImageListEntry[]> {
  const store = await openStore(options);
  const filter = options.reference === undefined ? undefined : parseNormalizedReference(options.reference);
  const rows: ImageListEntry[] = [];
  for (const r of await store.list()) {
    const base = { digest: r.manifestDigest, id: r.id, created: r.config.created, size: r.size };
    if (r.refs.length === 0) {
      if (filter === undefined) rows.push({ repository: '<none>', tag: '<none>', ...base });
      continue;
    }
    for (const ref of r.refs) {
      const p = parseReference(ref);
      if (filter !== undefined) {
        if (referenceName(p) !== referenceName(filter)) continue;
        if (filter.tag !== undefined && p.tag !== filter.tag) continue;
        if (filter.digest !== undefined && r.manifestDigest !== filter.digest) continue;
      }
      rows.push({ repository: familiarName(p), tag: p.tag ?? '<none>', ...base });
    }
  }
  const time = (e: ImageListEntry) => (e.created ? Date.parse(e.created) || 0 : 0);
  rows.sort(
    (a, b) => time(b) - time(a) || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag),
  );
  return rows;
}

/** `docker rmi REF…`: each argument on its own (an error does not stop the others). */
export async function imageRemove(
  refs: readonly string[],
  options: ImageRemoveOptions = {},
): Promise<ImageRemoveResult> {
  const store = await openStore(options);
  const items: ImageRemoveResult['items'] = [];
  for (const reference of refs) {
    throwIfAborted(options.signal);
    try {
      const before = await store.resolve(reference);
      const res = await store.removeImage(reference, { force: options.force });
      const layerBlobs = before.layers.map((l) => l.digest).filter((d) => res.deletedBlobs.includes(d));
      items.push({
        reference,
        untagged: res.untagged.map((r) => familiarString(parseReference(r))),
        deleted: [...res.deletedImages, ...new Set(layerBlobs)],
      });
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      items.push({ reference, untagged: [], deleted: [], error: err });
    }
  }
  return { items };
}

/** `docker tag SOURCE TARGET`. */
export async function imageTag(
  source: string,
  target: string,
  options: ImageStoreAccess = {},
): Promise<void> {
  const normalized = formatReference(parseDockerReference(target));
  const store = await openStore(options);
  await store.tag(source, normalized);
}

/** What `docker image inspect` prints for one image. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
  Descriptor: { mediaType: string; digest: string; size: number };
}

export function inspectRecord(r: ImageRecord): ImageInspect {
  const c = r.config;
  const repos = [...new Set(r.refs.map((ref) => familiarName(parseReference(ref))))];
  const history = c.history ?? [];
  const out: ImageInspect = {
    Id: r.id,
    RepoTags: r.refs
      .filter((ref) => parseReference(ref).tag !== undefined)
      .map((ref) => familiarString(parseReference(ref))),
    RepoDigests: repos.map((name) => `${name}@${r.manifestDigest}`),
    Parent: '',
    Comment: history.length > 0 ? (history[history.length - 1]!.comment ?? '') : '',
    Created: c.created ?? '0001-01-01T00:00:00Z',
    DockerVersion: typeof c.docker_version === 'string' ? c.docker_version : '',
    Author: c.author ?? '',
    Config: { ...(c.config ?? {}) },
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: r.size,
    GraphDriver: { Name: 'berth', Data: null },
    RootFS: { Type: 'layers', Layers: [...c.rootfs.diff_ids] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    Descriptor: { mediaType: r.manifestMediaType, digest: r.manifestDigest, size: r.manifestSize },
  };
  return out;
}

/** `docker image inspect REF`. */
export async function imageInspect(ref: string, options: ImageStoreAccess = {}): Promise<ImageInspect> {
  const store = await openStore(options);
  return inspectRecord(await store.resolve(ref));
}

/** `docker history REF`: newest step first. */
export async function imageHistory(
  ref: string,
  options: ImageStoreAccess = {},
): Promise<ImageHistoryEntry[]> {
  const store = await openStore(options);
  return historyOf(await store.resolve(ref));
}

export function historyOf(r: ImageRecord): ImageHistoryEntry[] {
  const history = r.config.history ?? [];
  const rows: ImageHistoryEntry[] = [];
  let layer = 0;
  if (history.length === 0) {
    for (const l of r.layers)
      rows.push({ id: '<missing>', createdBy: '', size: l.size, comment: '', emptyLayer: false });
  } else {
    for (const h of history) {
      const empty = h.empty_layer === true;
      const size = empty ? 0 : (r.layers[layer++]?.size ?? 0);
      rows.push({
        id: '<missing>',
        ...(h.created ? { created: h.created } : {}),
        createdBy: h.created_by ?? '',
        size,
        comment: h.comment ?? '',
        emptyLayer: empty,
      });
    }
  }
  rows.reverse();
  if (rows.length > 0) rows[0]!.id = r.id;
  return rows;
}

async function blobSizes(store: ImageStore): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const d of await store.content.list()) {
    try {
      sizes.set(d, await store.content.size(d));
    } catch {
      // gone meanwhile
    }
  }
  return sizes;
}

/** `docker image prune [-a]`: dangling images (or, with `all`, every image) and what nothing uses. */
export async function imagePrune(options: ImagePruneOptions = {}): Promise<ImagePruneResult> {
  const store = await openStore(options);
  const sizes = await blobSizes(store);
  const records = await store.list();
  const known = new Set(records.flatMap((r) => [r.manifestDigest, r.configDigest]));
  const untagged: string[] = [];
  const deleted = new Set<string>();
  const deletedBlobs = new Set<string>();
  if (options.all) {
    for (const r of records) {
      throwIfAborted(options.signal);
      if (r.refs.length === 0) continue;
      const res = await store.removeImage(r.id, { force: true });
      untagged.push(...res.untagged.map((x) => familiarString(parseReference(x))));
      for (const d of res.deletedImages) deleted.add(d);
      for (const b of res.deletedBlobs) deletedBlobs.add(b);
    }
  }
  const pruned = await store.prune();
  for (const d of pruned.deletedImages) deleted.add(d);
  for (const b of pruned.deletedBlobs) deletedBlobs.add(b);
  for (const b of deletedBlobs) if (!known.has(b)) deleted.add(b);
  let reclaimedBytes = 0;
  for (const b of deletedBlobs) reclaimedBytes += sizes.get(b) ?? 0;
  return { untagged, deleted: [...deleted], reclaimedBytes };
}
