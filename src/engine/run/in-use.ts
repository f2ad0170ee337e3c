/**
 * What containers use of the image store (image ids and layer diff_ids), read straight from the
 * container records so the store can be opened with it before any Containers instance exists:
 * `ImageStore.open({ root, inUse: () => containersInUse(paths.containers) })`. A record being written
 * or half-removed is skipped; a directory without a record holds no claim.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InUse } from '../store/image-store.js';
import type { ContainerRecord } from './types.js';

export async function containersInUse(containersDir: string): Promise<InUse> {
  const images = new Set<string>();
  const layers = new Set<string>();
  let ids: string[];
  try {
    ids = await readdir(containersDir);
  } catch {
    return { images, layers };
  }
  for (const id of ids) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    let rec: Partial<ContainerRecord>;
    try {
      rec = JSON.parse(await readFile(join(containersDir, id, 'container.json'), 'utf8')) as ContainerRecord;
    } catch {
      continue;
    }
    if (typeof rec.imageId === 'string') images.add(rec.imageId);
    for (const l of rec.layers ?? []) layers.add(l);
  }
  return { images, layers };
}
