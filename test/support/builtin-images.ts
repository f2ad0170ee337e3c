/**
 * The test images on whichever engine runs the suites, and the `builtin` vitest project's globalSetup.
 *
 * - `ensureImageIn(runtime, image)`: busybox is built offline in dockerd (./images/busybox.ts) or
 *   crafted straight into the built-in store (./images/busybox-store.ts: same file tree, no dockerd);
 *   a catalog image (./images/catalog.ts) is built in dockerd as today and, for the built-in engine,
 *   moved over once with `docker save | image load` (a store that already has an image with the same
 *   id is left alone, so nothing is rebuilt or reloaded per test file).
 * - globalSetup (`setup`/`teardown`): one temporary BERTH_ROOT + BERTH_RUNROOT for the whole run,
 *   provided to the test workers (`inject('berthBuiltinRoot')`), busybox put in it once; after the
 *   run every container, network and volume left in it is removed (which also unmounts overlays and
 *   deletes network namespaces), then the directories.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadArchive } from '../../src/engine/store/archive.js';
import { BuiltinRuntime, createBuiltinRuntime } from '../../src/runtime/builtin/builtin-runtime.js';
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { removeEngineDirs } from './engine-dirs.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './images/busybox.js';
import { ensureBusyboxInStore } from './images/busybox-store.js';
import { ensureTestImages } from './images/catalog.js';

/**
 * `docker save <images…> | image load` into the built-in store (one archive: shared layers travel
 * once), unless the store holds each of them with dockerd's image id already.
 */
export async function loadFromDocker(target: BuiltinRuntime, images: string[]): Promise<void> {
  const docker = await createDockerRuntime();
  const wanted: string[] = [];
  try {
    for (const image of images) {
      const id = (await docker.inspectImage(image))?.id;
      if (!id) throw new Error(`${image} is not in dockerd: build it there first`);
      const have = await target.store.find(image);
      if (!have || have.id !== id) wanted.push(image);
    }
  } finally {
    await docker.close();
  }
  if (wanted.length === 0) return;
  const saver = spawn('docker', ['save', ...wanted], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  saver.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => saver.on('close', (code) => r(code)));
  await loadArchive(target.store, saver.stdout, () => {});
  const code = await exited;
  if (code !== 0) throw new Error(`docker save ${wanted.join(' ')} failed (${code}): ${stderr}`);
}

/** A catalog image built in dockerd (as for the docker suites), then moved into the built-in store. */
async function moveFromDocker(target: BuiltinRuntime, image: string): Promise<void> {
  const docker = await createDockerRuntime();
  try {
    await ensureTestImages(docker, [image]);
  } finally {
    await docker.close();
  }
  await loadFromDocker(target, [image]);
}

/** Puts `image` in `runtime` (see above); resolves with its reference. */
export async function ensureImageIn(runtime: Runtime, image: string = BUSYBOX_IMAGE): Promise<string> {
  if (runtime instanceof BuiltinRuntime) {
    if (image === BUSYBOX_IMAGE) return ensureBusyboxInStore(runtime.store);
    await moveFromDocker(runtime, image);
    return image;
  }
  if (image === BUSYBOX_IMAGE) return ensureBusyboxImage(runtime);
  await ensureTestImages(runtime, [image]);
  return image;
}

let dirs: { root: string; runRoot: string } | undefined;

export async function setup(project: TestProject): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'berth-suite-root-'));
  const runRoot = mkdtempSync(join(tmpdir(), 'berth-suite-run-'));
  dirs = { root, runRoot };
  const rt = await createBuiltinRuntime({ root, runRoot });
  try {
    await ensureBusyboxInStore(rt.store);
  } finally {
    await rt.close();
  }
  project.provide('berthBuiltinRoot', root);
  project.provide('berthBuiltinRunRoot', runRoot);
}

export async function teardown(): Promise<void> {
  if (!dirs) return;
  const { root, runRoot } = dirs;
  dirs = undefined;
  const errors: string[] = [];
  try {
    const rt = await createBuiltinRuntime({ root, runRoot });
    for (const c of await rt.listContainers({ all: true })) {
      await rt.removeContainer(c.id, { force: true, volumes: true }).catch((e) => errors.push(String(e)));
    }
    for (const n of await rt.listNetworks()) {
      await rt.removeNetwork(n.id).catch((e) => errors.push(`network ${n.name}: ${e}`));
    }
    for (const v of await rt.listVolumes()) {
      await rt.removeVolume(v.name, { force: true }).catch((e) => errors.push(String(e)));
    }
    await rt.close();
  } finally {
    await removeEngineDirs(root, runRoot);
  }
  if (errors.length > 0) console.warn(`builtin suite teardown: ${errors.join('; ')}`);
}
