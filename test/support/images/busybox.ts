/**
 * The offline test image `berth-test/busybox:1`, built without any registry: a rootfs tar made from
 * Debian's busybox-static (/bin/busybox, `apt-get install busybox-static`) with one symlink per applet
 * (what `busybox --install -s` does), minimal /etc/passwd and /etc/group, and /tmp; then
 * `FROM scratch` + `ADD rootfs.tar /` through the runtime's build.
 *
 * Cached: the image carries `berth.test.recipe=<sha256 of the build inputs>` (the busybox binary's
 * sha256 + the Dockerfile + the rootfs layout), and the build is skipped when the tag has that label.
 * The image is shared by test runs on purpose and is not removed by tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Runtime } from '../../../src/runtime/runtime.js';

export const BUSYBOX_IMAGE = 'berth-test/busybox:1';
export const RECIPE_LABEL = 'berth.test.recipe';
const BUSYBOX_BINARY = '/bin/busybox';

const DOCKERFILE = `FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
`;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';
/** Bump when the rootfs layout below changes. */
const LAYOUT_VERSION = '1';

let pending: Promise<string> | undefined;

/** Builds the image unless an up-to-date one exists; resolves with its tag. One build per process. */
export function ensureBusyboxImage(runtime: Runtime): Promise<string> {
  pending ??= build(runtime).catch((err) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function build(runtime: Runtime): Promise<string> {
  let binary: Buffer;
  try {
    binary = readFileSync(BUSYBOX_BINARY);
  } catch {
    throw new Error(
      `${BUSYBOX_BINARY} is missing: install Debian's busybox-static (apt-get install -y busybox-static)`,
    );
  }
  const recipe = createHash('sha256')
    .update(createHash('sha256').update(binary).digest('hex'))
    .update('\0')
    .update(DOCKERFILE)
    .update('\0')
    .update(PASSWD + GROUP + LAYOUT_VERSION)
    .digest('hex');

  const existing = await runtime.inspectImage(BUSYBOX_IMAGE);
  if (existing?.labels[RECIPE_LABEL] === recipe) return BUSYBOX_IMAGE;

  const work = mkdtempSync(join(tmpdir(), 'berth-busybox-'));
  try {
    const rootfs = join(work, 'rootfs');
    const context = join(work, 'context');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    mkdirSync(context);
    copyFileSync(BUSYBOX_BINARY, join(rootfs, 'bin', 'busybox'));
    chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    const applets = execFileSync(BUSYBOX_BINARY, ['--list-full'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '' && line !== 'bin/busybox');
    for (const applet of applets) {
      mkdirSync(join(rootfs, dirname(applet)), { recursive: true });
      symlinkSync('/bin/busybox', join(rootfs, applet));
    }
    mkdirSync(join(rootfs, 'etc'));
    writeFileSync(join(rootfs, 'etc', 'passwd'), PASSWD);
    writeFileSync(join(rootfs, 'etc', 'group'), GROUP);
    for (const dir of ['tmp', 'root', 'www', 'data']) mkdirSync(join(rootfs, dir));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    execFileSync('tar', [
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '-C',
      rootfs,
      '-cf',
      join(context, 'rootfs.tar'),
      '.',
    ]);
    writeFileSync(join(context, 'Dockerfile'), DOCKERFILE);
    await runtime.buildImage({ context, tags: [BUSYBOX_IMAGE], labels: { [RECIPE_LABEL]: recipe } });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return BUSYBOX_IMAGE;
}
