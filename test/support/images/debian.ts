/**
 * Offline test images made from Debian packages, without any registry: `debootstrap --variant=minbase
 * --include=<packages>` (from the mirror and suite this machine's apt uses) makes a root filesystem,
 * which is stripped of apt caches and docs, tarred, and loaded into the engine as `FROM scratch` +
 * `ADD rootfs.tar /` + the image's own instructions, through the runtime's `buildImage`.
 *
 * Two caches, both outside the repository under `${BERTH_TEST_IMAGE_CACHE:-${XDG_CACHE_HOME:-~/.cache}
 * /berth/test-images}`:
 * - rootfs tars, `<name>-<recipe hash>.tar`, keyed by the suite, mirror, architecture, package list,
 *   post-install script, parent rootfs and LAYOUT_VERSION; `debs/` is debootstrap's shared
 *   `--cache-dir`, so a later recipe reuses the packages an earlier one downloaded;
 * - the images themselves carry `berth.test.recipe=<hash of the rootfs recipe + Dockerfile + files>`,
 *   and nothing is done for an image whose tag already has that label.
 *
 * Several images can share one rootfs (the engine's build cache then shares the `ADD` layer), and a
 * rootfs can be derived from another (`from`: the parent's tar plus a script run in a chroot), which
 * costs seconds instead of a debootstrap run. Builds are serialized through a lock file in the cache
 * directory, so two test files (or processes) asking for the same image build it once.
 *
 * debootstrap, chroot and the tar of a rootfs with other owners than root need root: as another user
 * the commands run through `sudo -n`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { RECIPE_LABEL } from './busybox.js';
import { withLockFile } from './lock.js';

/** Bump when the way a rootfs is made or cleaned changes: every cached tar and image is rebuilt. */
const LAYOUT_VERSION = '1';

export interface RootfsRecipe {
  /** Short name, used in file names and messages. */
  name: string;
  /** `--include=` packages of the debootstrap run (ignored when `from` is set). */
  packages?: string[];
  /** Derive from this recipe's rootfs instead of running debootstrap. */
  from?: RootfsRecipe;
  /** sh script run with `chroot <rootfs> sh -euc <script>` before the cleanup. */
  post?: string;
}

export interface DebianImage {
  tag: string;
  rootfs: RootfsRecipe;
  /** Dockerfile instructions after `FROM scratch` + `ADD rootfs.tar /`. */
  instructions: string;
  /** Extra files of the build context (for COPY), by name. */
  files?: Record<string, string>;
}

export interface DebianSource {
  suite: string;
  mirror: string;
  arch: string;
  keyring?: string;
}

export interface BuildReport {
  tag: string;
  /** What was done: nothing (label up to date), the image only, or a rootfs too. */
  action: 'up-to-date' | 'loaded' | 'built';
  /** Seconds spent per rootfs made for this image (debootstrap or derivation). */
  rootfsSeconds: Record<string, number>;
  imageSeconds: number;
}

export function cacheDir(): string {
  if (process.env.BERTH_TEST_IMAGE_CACHE) return process.env.BERTH_TEST_IMAGE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'berth', 'test-images');
}

let source: DebianSource | undefined;

/**
 * The suite (this machine's VERSION_CODENAME) and the mirror apt uses for it (the first `deb` entry
 * of /etc/apt/sources.list(.d) with that suite); `BERTH_TEST_DEBIAN_SUITE` / `BERTH_TEST_DEBIAN_MIRROR`
 * override them.
 */
export function debianSource(): DebianSource {
  if (source) return source;
  const suite = process.env.BERTH_TEST_DEBIAN_SUITE || hostCodename();
  const entry = process.env.BERTH_TEST_DEBIAN_MIRROR
    ? { mirror: process.env.BERTH_TEST_DEBIAN_MIRROR }
    : aptEntries().find((e) => e.suites.includes(suite) && e.components.includes('main'));
  if (!entry) {
    throw new Error(
      `no apt source for suite ${suite} (component main) in /etc/apt/sources.list(.d): set BERTH_TEST_DEBIAN_MIRROR`,
    );
  }
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const keyring =
    'keyring' in entry && entry.keyring && existsSync(entry.keyring) ? (entry.keyring as string) : undefined;
  source = { suite, mirror: entry.mirror.replace(/\/+$/, ''), arch, ...(keyring ? { keyring } : {}) };
  return source;
}

function hostCodename(): string {
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  const codename = /^VERSION_CODENAME=["']?([a-z]+)/m.exec(osRelease)?.[1];
  if (!codename) throw new Error('no VERSION_CODENAME in /etc/os-release: set BERTH_TEST_DEBIAN_SUITE');
  return codename;
}

export interface AptEntry {
  mirror: string;
  suites: string[];
  components: string[];
  keyring?: string;
}

/** The `deb` entries apt reads: sources.list, then sources.list.d/*.list and *.sources. */
function aptEntries(): AptEntry[] {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const name of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(`/etc/apt/sources.list.d/${name}`);
    }
  } catch {
    // no sources.list.d
  }
  const entries: AptEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    entries.push(...parseAptSources(text, file.endsWith('.sources')));
  }
  return entries.filter((e) => /^https?:\/\//.test(e.mirror));
}

/** The `deb` entries of one sources file: deb822 (`*.sources`) or one-line (`*.list`) format. */
export function parseAptSources(text: string, deb822: boolean): AptEntry[] {
  return deb822 ? deb822Entries(text) : oneLineEntries(text);
}

function oneLineEntries(text: string): AptEntry[] {
  const out: AptEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const keyring = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
    out.push({
      mirror: m[2],
      suites: [m[3]],
      components: m[4].split(/\s+/),
      ...(keyring ? { keyring } : {}),
    });
  }
  return out;
}

function deb822Entries(text: string): AptEntry[] {
  const out: AptEntry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if ((fields.get('enabled') ?? 'yes') === 'no') continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/);
    const components = (fields.get('components') ?? '').split(/\s+/);
    const keyring = fields.get('signed-by');
    for (const mirror of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) {
      out.push({ mirror, suites, components, ...(keyring?.startsWith('/') ? { keyring } : {}) });
    }
  }
  return out;
}

/** The recipe's hash: everything that decides the rootfs's content. */
export function rootfsHash(recipe: RootfsRecipe): string {
  const src = debianSource();
  const h = createHash('sha256');
  h.update(JSON.stringify({ layout: LAYOUT_VERSION, name: recipe.name, post: recipe.post ?? '' }));
  if (recipe.from) {
    h.update(`from:${rootfsHash(recipe.from)}`);
  } else {
    const packages = [...(recipe.packages ?? [])].sort();
    h.update(JSON.stringify({ suite: src.suite, mirror: src.mirror, arch: src.arch, packages }));
  }
  return h.digest('hex');
}

export function imageRecipe(image: DebianImage): string {
  const h = createHash('sha256').update(rootfsHash(image.rootfs)).update('\0').update(dockerfile(image));
  for (const [name, content] of Object.entries(image.files ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    h.update(`\0${name}\0${content}`);
  }
  return h.digest('hex');
}

function dockerfile(image: DebianImage): string {
  return `FROM scratch\nADD rootfs.tar /\n${image.instructions.trim()}\n`;
}

function tarPath(recipe: RootfsRecipe): string {
  return join(cacheDir(), `${recipe.name}-${rootfsHash(recipe).slice(0, 16)}.tar`);
}

const pending = new Map<string, Promise<BuildReport>>();

/** Builds the image unless its tag already carries the current recipe label. One build per process. */
export function ensureDebianImage(
  runtime: Runtime,
  image: DebianImage,
  log: (line: string) => void = () => {},
): Promise<BuildReport> {
  let p = pending.get(image.tag);
  if (!p) {
    p = build(runtime, image, log).catch((err) => {
      pending.delete(image.tag);
      throw err;
    });
    pending.set(image.tag, p);
  }
  return p;
}

async function upToDate(runtime: Runtime, image: DebianImage, recipe: string): Promise<boolean> {
  const existing = await runtime.inspectImage(image.tag);
  return existing?.labels[RECIPE_LABEL] === recipe;
}

/** Removes the image an older recipe left under the tag, once untagged; kept while a container uses it. */
async function removeReplaced(runtime: Runtime, previousId: string | undefined): Promise<void> {
  if (previousId === undefined) return;
  const previous = await runtime.inspectImage(previousId).catch(() => undefined);
  if (!previous || previous.tags.length > 0) return;
  await runtime.removeImage(previousId).catch(() => {});
}

async function build(
  runtime: Runtime,
  image: DebianImage,
  log: (line: string) => void,
): Promise<BuildReport> {
  const recipe = imageRecipe(image);
  const report: BuildReport = { tag: image.tag, action: 'up-to-date', rootfsSeconds: {}, imageSeconds: 0 };
  if (await upToDate(runtime, image, recipe)) return report;
  const dir = cacheDir();
  return withLockFile(join(dir, 'build.lock'), async () => {
    if (await upToDate(runtime, image, recipe)) return report; // another process built it meanwhile
    await removeLeftovers(dir);
    const previousId = (await runtime.inspectImage(image.tag))?.id;
    const tar = await ensureRootfs(image.rootfs, report, log);
    const started = Date.now();
    const context = join(dir, `context-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(context, { recursive: true });
    try {
      try {
        linkSync(tar, join(context, 'rootfs.tar'));
      } catch {
        copyFileSync(tar, join(context, 'rootfs.tar'));
      }
      for (const [name, content] of Object.entries(image.files ?? {})) {
        writeFileSync(join(context, name), content);
        chmodSync(join(context, name), 0o755);
      }
      writeFileSync(join(context, 'Dockerfile'), dockerfile(image));
      log(`${image.tag}: loading into the engine`);
      await runtime.buildImage({ context, tags: [image.tag], labels: { [RECIPE_LABEL]: recipe } });
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    await removeReplaced(runtime, previousId);
    report.imageSeconds = (Date.now() - started) / 1000;
    report.action = Object.keys(report.rootfsSeconds).length > 0 ? 'built' : 'loaded';
    return report;
  });
}

/**
 * What a killed build left in the cache directory (a work tree, a build context, a partial tar). Only
 * called with the lock held, so nothing in there is in use.
 */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('work-') || name.startsWith('context-')) await removeTree(join(dir, name));
    else if (name.endsWith('.partial')) await asRoot('rm', ['-f', join(dir, name)]);
  }
}

/** The rootfs tar of the recipe, made (and its parents) when missing. Called with the lock held. */
async function ensureRootfs(
  recipe: RootfsRecipe,
  report: BuildReport,
  log: (line: string) => void,
): Promise<string> {
  const tar = tarPath(recipe);
  if (existsSync(tar)) return tar;
  const parentTar = recipe.from ? await ensureRootfs(recipe.from, report, log) : undefined;
  const dir = cacheDir();
  const work = join(dir, `work-${recipe.name}-${process.pid}-${Date.now().toString(36)}`);
  const rootfs = join(work, 'rootfs');
  const logFile = join(dir, `${recipe.name}.log`);
  const started = Date.now();
  mkdirSync(rootfs, { recursive: true });
  try {
    if (parentTar) {
      log(`rootfs ${recipe.name}: from ${recipe.from!.name}`);
      await asRoot('tar', ['--numeric-owner', '-xpf', parentTar, '-C', rootfs], logFile);
    } else {
      const src = debianSource();
      const debs = join(dir, 'debs');
      mkdirSync(debs, { recursive: true });
      log(`rootfs ${recipe.name}: debootstrap ${src.suite} from ${src.mirror} (log: ${logFile})`);
      await asRoot(
        'debootstrap',
        [
          '--variant=minbase',
          `--arch=${src.arch}`,
          `--cache-dir=${debs}`,
          ...(src.keyring ? [`--keyring=${src.keyring}`] : []),
          ...(recipe.packages?.length ? [`--include=${recipe.packages.join(',')}`] : []),
          src.suite,
          rootfs,
          src.mirror,
        ],
        logFile,
      );
    }
    if (recipe.post) await asRoot('chroot', [rootfs, '/bin/sh', '-euc', recipe.post], logFile, true);
    await asRoot('/bin/sh', ['-euc', CLEANUP, 'cleanup', rootfs], logFile, true);
    const partial = `${tar}.${process.pid}.partial`;
    await asRoot(
      'tar',
      [
        '--numeric-owner',
        '--one-file-system',
        '-C',
        rootfs,
        '-cf',
        partial,
        '--exclude=./dev/*',
        '--exclude=./proc/*',
        '--exclude=./sys/*',
        '.',
      ],
      logFile,
      true,
    );
    renameSync(partial, tar);
    // Older recipes of the same rootfs are not needed any more.
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${recipe.name}-`) && name.endsWith('.tar') && join(dir, name) !== tar) {
        rmSync(join(dir, name), { force: true });
      }
    }
  } finally {
    await removeTree(work);
  }
  report.rootfsSeconds[recipe.name] = (Date.now() - started) / 1000;
  log(`rootfs ${recipe.name}: ${report.rootfsSeconds[recipe.name].toFixed(1)} s`);
  return tar;
}

/** Keeps the images small and free of this machine's details. Runs on the host with $1 = the rootfs. */
const CLEANUP = `[ -n "$1" ] && [ -d "$1/var/lib/dpkg" ] && cd "$1"
rm -rf var/cache/apt/* var/lib/apt/lists/* var/cache/debconf/*-old var/lib/dpkg/*-old \\
  usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/lintian/* usr/share/locale/* \\
  tmp/* var/tmp/* root/.cache
find var/log -type f -exec rm -f {} +
rm -f etc/hostname etc/resolv.conf etc/machine-id var/lib/dbus/machine-id
: > etc/hosts
`;

/** Unmounts whatever a failed debootstrap left mounted inside, then deletes the tree. */
async function removeTree(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((mount): mount is string => mount?.startsWith(`${path}/`) === true)
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) await asRoot('umount', ['-l', mount], undefined, true).catch(() => {});
  await asRoot('rm', ['-rf', '--one-file-system', path], undefined, true);
}

const isRoot = process.getuid?.() === 0;

/** Runs a command as root (directly, or through `sudo -n`), its output appended to `logFile`. */
function asRoot(command: string, args: string[], logFile?: string, append = false): Promise<void> {
  const [cmd, argv] = isRoot ? [command, args] : ['sudo', ['-n', command, ...args]];
  if (logFile && !append) writeFileSync(logFile, `$ ${command} ${args.join(' ')}\n`);
  else if (logFile) writeFileSync(logFile, `$ ${command} ${args.join(' ')}\n`, { flag: 'a' });
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
    });
    const chunks: Buffer[] = [];
    const keep = (b: Buffer) => {
      chunks.push(b);
      if (logFile) writeFileSync(logFile, b, { flag: 'a' });
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      const hint =
        (err as NodeJS.ErrnoException).code === 'ENOENT' && command === 'debootstrap'
          ? ' (install it: apt-get install -y debootstrap)'
          : '';
      reject(new Error(`${command}: ${err.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const tail = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').slice(-25).join('\n');
      reject(
        new Error(
          `${command} ${args.slice(0, 3).join(' ')}… failed (${signal ?? `exit ${code}`})${logFile ? `; log: ${logFile}` : ''}\n${tail}`,
        ),
      );
    });
  });
}
