/**
 * `berth-test/busybox:1` in a built-in engine ImageStore, made offline: one layer with the same file
 * tree as busybox.ts builds for dockerd (Debian's busybox-static at /bin/busybox, one symlink per
 * applet, /etc/passwd with root and nobody, /etc/group, /tmp 1777, /root /www /data), crafted with the
 * layers.ts tar writer and added to the store (deterministic: same binary, same digests).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ImageStore } from '../../../src/engine/store/image-store.js';
import { addImage, makeLayer, type TarEntry } from '../layers.js';
import { RECIPE_LABEL } from './busybox.js';

export const BUSYBOX_STORE_IMAGE = 'berth-test/busybox:1';
const BUSYBOX_BINARY = '/bin/busybox';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** The layer's entries (parents before children). */
export function busyboxEntries(): TarEntry[] {
  let binary: Buffer;
  try {
    binary = readFileSync(BUSYBOX_BINARY);
  } catch {
    throw new Error(
      `${BUSYBOX_BINARY} is missing: install Debian's busybox-static (apt-get install -y busybox-static)`,
    );
  }
  const applets = execFileSync(BUSYBOX_BINARY, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '' && line !== 'bin/busybox');
  const dirs = new Set<string>(['bin', 'etc', 'root', 'www', 'data']);
  for (const a of applets) {
    for (let d = dirname(a); d !== '.' && d !== ''; d = dirname(d)) dirs.add(d);
  }
  const entries: TarEntry[] = [];
  for (const d of [...dirs].sort()) entries.push({ name: `${d}/`, type: 'dir', mode: 0o755 });
  entries.push({ name: 'tmp/', type: 'dir', mode: 0o1777 });
  entries.push({ name: 'bin/busybox', content: binary, mode: 0o755 });
  for (const a of applets) entries.push({ name: a, type: 'symlink', linkname: '/bin/busybox', mode: 0o777 });
  entries.push({ name: 'etc/passwd', content: PASSWD, mode: 0o644 });
  entries.push({ name: 'etc/group', content: GROUP, mode: 0o644 });
  return entries;
}

/** Adds the image to `store` unless it is there; resolves with its reference. */
export async function ensureBusyboxInStore(store: ImageStore): Promise<string> {
  if (await store.find(BUSYBOX_STORE_IMAGE)) return BUSYBOX_STORE_IMAGE;
  const layer = makeLayer(busyboxEntries(), { gzip: false });
  await addImage(store, [layer], [BUSYBOX_STORE_IMAGE], {
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
      // The same marker the dockerd image carries: test helpers find test images by it.
      Labels: { [RECIPE_LABEL]: layer.digest },
    },
  });
  return BUSYBOX_STORE_IMAGE;
}
