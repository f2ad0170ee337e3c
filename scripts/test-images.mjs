#!/usr/bin/env node
// Builds and loads the offline test images (test/support/images/catalog.ts) into the Docker engine,
// or finds them up to date: the same code the tests call, run through tsx (no `npm run build` needed).
//
//   node scripts/test-images.mjs                    # all of them
//   node scripts/test-images.mjs berth-test/nginx:1 # only these
//   node scripts/test-images.mjs --list             # the tags, one a line
//
// Needs root (or passwordless sudo) and debootstrap (`apt-get install -y debootstrap`) the first time;
// the rootfs tars and debootstrap's package cache live in ${XDG_CACHE_HOME:-~/.cache}/berth/test-images
// (BERTH_TEST_IMAGE_CACHE overrides). Prints what it did per image, the time taken and the sizes.
import { register } from 'tsx/esm/api';

register();

const args = process.argv.slice(2);
const catalog = await import('../test/support/images/catalog.ts');
const busybox = await import('../test/support/images/busybox.ts');

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    'usage: node scripts/test-images.mjs [--list] [TAG...]\nbuilds the offline test images (all when no TAG)\n',
  );
  process.exit(0);
}
if (args.includes('--list')) {
  for (const image of catalog.testImages()) process.stdout.write(`${image.tag}\n`);
  process.stdout.write(`${busybox.BUSYBOX_IMAGE}\n`);
  process.exit(0);
}

const { createDockerRuntime } = await import('../src/runtime/docker/docker-runtime.ts');
const started = Date.now();
const runtime = await createDockerRuntime();
let status = 0;
try {
  const tags = args.filter((a) => a !== busybox.BUSYBOX_IMAGE);
  if (args.length === 0 || args.includes(busybox.BUSYBOX_IMAGE)) {
    await busybox.ensureBusyboxImage(runtime);
    process.stdout.write(`${busybox.BUSYBOX_IMAGE}: ok\n`);
  }
  if (args.length === 0 || tags.length > 0) {
    const reports = await catalog.ensureTestImages(runtime, tags, (line) =>
      process.stderr.write(`  ${line}\n`),
    );
    for (const r of reports) {
      const info = await runtime.inspectImage(r.tag);
      const size = info?.size ? `${(info.size / 1e6).toFixed(0)} MB` : '?';
      const rootfs = Object.entries(r.rootfsSeconds)
        .map(([name, s]) => `rootfs ${name} ${s.toFixed(0)} s`)
        .join(', ');
      const timing =
        r.action === 'up-to-date'
          ? ''
          : ` (${rootfs ? `${rootfs}, ` : ''}load ${r.imageSeconds.toFixed(0)} s)`;
      process.stdout.write(`${r.tag}: ${r.action}${timing}, ${size}\n`);
    }
  }
  process.stdout.write(`test images ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  status = 1;
} finally {
  await runtime.close?.();
}
process.exit(status);
