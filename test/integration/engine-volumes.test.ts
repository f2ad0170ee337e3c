/**
 * The built-in engine's volumes for real, as root: records on disk, label filters, Docker's copy-up
 * (owners, modes, symlinks, xattrs kept), the in-use refusals (containers, and anything still mounted
 * inside the volume), `local` driver options (bind and tmpfs), subpaths that try to escape.
 *
 * Every test works in its own temporary root, removed (after unmounting what it mounted) however the
 * test ends.
 */
import { execFile } from 'node:child_process';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/api/errors.js';
import { enginePaths } from '../../src/engine/paths.js';
import { ANONYMOUS_VOLUME_LABEL, Volumes } from '../../src/engine/volumes/volumes.js';

const run = promisify(execFile);

let tmp: string;
let volumes: Volumes;
const mounted: string[] = [];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'berth-engine-volumes-'));
  const paths = enginePaths({ root: join(tmp, 'root'), runRoot: join(tmp, 'run') });
  volumes = await Volumes.open({ paths });
});

afterEach(async () => {
  for (const m of mounted.splice(0).reverse()) {
    await run('umount', ['-l', m]).catch(() => undefined);
  }
  await rm(tmp, { recursive: true, force: true });
});

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  expect((err as RuntimeError).code).toBe(code);
  expect((err as RuntimeError).message).toMatch(message);
}

async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[4]!);
}

async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

async function mountCount(path: string): Promise<number> {
  return (await mountPoints()).filter((p) => p === path).length;
}

async function fsType(path: string): Promise<string> {
  const { stdout } = await run('stat', ['-f', '-c', '%T', path]);
  return stdout.trim();
}

async function xattr(path: string, name: string): Promise<string> {
  const { stdout } = await run('getfattr', ['--only-values', '-n', name, path]);
  return stdout;
}

describe('named volumes', () => {
  it('creates, lists by label, inspects and removes', async () => {
    const a = await volumes.create({
      name: 'proj_data',
      labels: { 'com.docker.compose.project': 'proj', x: '1' },
    });
    await volumes.create({ name: 'proj_cache', labels: { 'com.docker.compose.project': 'proj' } });
    await volumes.create({ name: 'other_data', labels: { 'com.docker.compose.project': 'other' } });

    expect(a).toMatchObject({ name: 'proj_data', driver: 'local', scope: 'local', anonymous: false });
    expect(a.mountpoint).toBe(join(tmp, 'root', 'volumes', 'proj_data', '_data'));
    expect((await stat(a.mountpoint)).isDirectory()).toBe(true);
    const record = JSON.parse(
      await readFile(join(tmp, 'root', 'volumes', 'proj_data', 'volume.json'), 'utf8'),
    );
    expect(record).toMatchObject({ name: 'proj_data', driver: 'local', labels: { x: '1' }, options: {} });
    expect(Number.isNaN(Date.parse(record.createdAt))).toBe(false);

    const byProject = await volumes.list({ labels: { 'com.docker.compose.project': 'proj' } });
    expect(byProject.map((v) => v.name)).toEqual(['proj_cache', 'proj_data']);
    expect((await volumes.list({ labels: { x: true } })).map((v) => v.name)).toEqual(['proj_data']);
    expect((await volumes.list({ names: ['other_data'] })).map((v) => v.name)).toEqual(['other_data']);
    expect((await volumes.list()).length).toBe(3);

    // create is idempotent: the existing volume comes back unchanged
    const again = await volumes.create({ name: 'proj_data', labels: { y: '2' } });
    expect(again.labels).toEqual({ 'com.docker.compose.project': 'proj', x: '1' });
    expect(again.createdAt).toBe(a.createdAt);

    expect((await volumes.inspect('proj_data'))?.labels.x).toBe('1');
    expect(await volumes.inspect('nope')).toBeUndefined();

    await writeFile(join(a.mountpoint, 'keep.txt'), 'x');
    await volumes.remove('proj_data');
    expect(await volumes.inspect('proj_data')).toBeUndefined();
    expect(await readdir(join(tmp, 'root', 'volumes'))).toEqual(['other_data', 'proj_cache']);
    await expectError(volumes.remove('proj_data'), 'RUNTIME_NOT_FOUND', /no such volume/);
    await volumes.remove('proj_data', { force: true });
  });

  it('refuses bad names, other drivers and unknown driver options', async () => {
    await expectError(volumes.create({ name: 'a', labels: {} }), 'RUNTIME_ERROR', /too short/);
    await expectError(volumes.create({ name: '../x', labels: {} }), 'RUNTIME_ERROR', /invalid characters/);
    await expectError(
      volumes.create({ name: 'nfsvol', driver: 'rexray/ebs', labels: {} }),
      'UNSUPPORTED',
      /volume driver "rexray\/ebs"/,
    );
    await expectError(
      volumes.create({ name: 'v1', driverOpts: { foo: 'bar' }, labels: {} }),
      'RUNTIME_ERROR',
      /invalid option: "foo"/,
    );
    await expectError(
      volumes.create({ name: 'v1', driverOpts: { type: 'none' }, labels: {} }),
      'RUNTIME_ERROR',
      /missing required option: "device"/,
    );
    await expectError(
      volumes.create({ name: 'v1', driverOpts: { type: 'xfs', device: '/dev/x', size: '1g' }, labels: {} }),
      'UNSUPPORTED',
      /size/,
    );
    expect(await volumes.list()).toEqual([]);
  });

  it('creates anonymous volumes with a 64-hex name and Docker’s label', async () => {
    const v = await volumes.createAnonymous({ 'com.docker.compose.project': 'p' });
    expect(v.name).toMatch(/^[0-9a-f]{64}$/);
    expect(v.anonymous).toBe(true);
    expect(v.labels).toEqual({ 'com.docker.compose.project': 'p', [ANONYMOUS_VOLUME_LABEL]: '' });
    const w = await volumes.createAnonymous();
    expect(w.name).not.toBe(v.name);
    expect((await volumes.list({ labels: { [ANONYMOUS_VOLUME_LABEL]: true } })).length).toBe(2);
  });
});

describe('copy-up (populate)', () => {
  async function imageDir(): Promise<string> {
    const src = join(tmp, 'image', 'var', 'lib', 'app');
    await mkdir(join(src, 'private'), { recursive: true });
    await run('chown', ['1000:1000', join(src, 'private')]);
    await run('chmod', ['0700', join(src, 'private')]);
    await writeFile(join(src, 'private', 'secret'), 'top');
    await writeFile(join(src, 'conf'), 'hello\n');
    await run('setfattr', ['-n', 'user.berth', '-v', 'kept', join(src, 'conf')]);
    await symlink('conf', join(src, 'link'));
    await symlink('/etc/passwd', join(src, 'abs-link'));
    await run('chown', ['1000:2000', src]);
    await run('chmod', ['0750', src]);
    return src;
  }

  it('copies an image directory into an empty volume, keeping owners, modes, symlinks and xattrs', async () => {
    const src = await imageDir();
    const v = await volumes.create({ name: 'data', labels: {} });
    expect(await volumes.populate('data', src)).toBe(true);

    const data = v.mountpoint;
    const root = await stat(data);
    expect([root.uid, root.gid, root.mode & 0o7777]).toEqual([1000, 2000, 0o750]);
    const priv = await stat(join(data, 'private'));
    expect([priv.uid, priv.gid, priv.mode & 0o7777]).toEqual([1000, 1000, 0o700]);
    expect(await readFile(join(data, 'private', 'secret'), 'utf8')).toBe('top');
    expect((await lstat(join(data, 'link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(data, 'link'))).toBe('conf');
    expect(await readlink(join(data, 'abs-link'))).toBe('/etc/passwd');
    expect(await xattr(join(data, 'conf'), 'user.berth')).toBe('kept');

    // a volume with content is never copied into again
    await writeFile(join(src, 'new-file'), 'n');
    expect(await volumes.populate('data', src)).toBe(false);
    await expect(lstat(join(data, 'new-file'))).rejects.toThrow(/ENOENT/);
  });

  it('skips nocopy, a missing source, and missing volumes are errors', async () => {
    const src = await imageDir();
    const v = await volumes.create({ name: 'data', labels: {} });
    expect(await volumes.populate('data', src, { noCopy: true })).toBe(false);
    expect(await volumes.populate('data', join(tmp, 'image', 'nowhere'))).toBe(false);
    expect(await readdir(v.mountpoint)).toEqual([]);
    await expectError(volumes.populate('ghost', src), 'RUNTIME_NOT_FOUND', /no such volume/);
  });

  it('resolves the mount target inside the image rootfs, never on the host', async () => {
    const rootfs = join(tmp, 'rootfs');
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc', 'image-file'), 'from the image');
    await symlink('/etc', join(rootfs, 'data')); // absolute: the image's /etc
    const v = await volumes.create({ name: 'data', labels: {} });
    expect(await volumes.populateFromRootfs('data', rootfs, '/data')).toBe(true);
    expect(await readdir(v.mountpoint)).toEqual(['image-file']);
    expect(await readFile(join(v.mountpoint, 'image-file'), 'utf8')).toBe('from the image');
  });
});

describe('in use', () => {
  it('refuses to remove a volume containers use, force or not', async () => {
    await volumes.create({ name: 'shared', labels: {} });
    await expectError(
      volumes.remove('shared', { inUse: ['abc123'] }),
      'RUNTIME_CONFLICT',
      /remove shared: volume is in use - \[abc123\]/,
    );
    await expectError(
      volumes.remove('shared', {
        force: true,
        inUse: async (name) => (name === 'shared' ? ['c1', 'c2'] : []),
      }),
      'RUNTIME_CONFLICT',
      /volume is in use - \[c1, c2\]/,
    );
    expect(await volumes.inspect('shared')).toBeDefined();
    await volumes.remove('shared', { inUse: async () => [] });
    expect(await volumes.inspect('shared')).toBeUndefined();
  });

  it('uses the in-use callback given to open, and refuses while something is mounted inside', async () => {
    const users = new Map<string, string[]>([['busy', ['ctr1']]]);
    const paths = enginePaths({ root: join(tmp, 'root'), runRoot: join(tmp, 'run') });
    const vols = await Volumes.open({ paths, inUse: (name) => users.get(name) ?? [] });
    const v = await vols.create({ name: 'busy', labels: {} });
    await expectError(vols.remove('busy'), 'RUNTIME_CONFLICT', /\[ctr1\]/);
    users.delete('busy');

    await mkdir(join(v.mountpoint, 'sub'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'berth-test', join(v.mountpoint, 'sub')]);
    mounted.push(join(v.mountpoint, 'sub'));
    await writeFile(join(v.mountpoint, 'sub', 'precious'), 'x');
    await expectError(vols.remove('busy'), 'RUNTIME_CONFLICT', /mounted at .*busy\/_data\/sub/);
    expect(await readFile(join(v.mountpoint, 'sub', 'precious'), 'utf8')).toBe('x');
    await run('umount', [join(v.mountpoint, 'sub')]);
    mounted.pop();
    await vols.remove('busy');
    expect(await vols.inspect('busy')).toBeUndefined();
  });
});

describe('local driver options', () => {
  it('a type=none,o=bind volume is its device directory, left alone on remove', async () => {
    const device = join(tmp, 'host-dir');
    await mkdir(device);
    const v = await volumes.create({
      name: 'bound',
      driverOpts: { type: 'none', o: 'bind', device },
      labels: {},
    });
    expect(v.options).toEqual({ type: 'none', o: 'bind', device });
    expect(await volumes.mountSource('bound')).toEqual({ type: 'bind', source: device, options: ['rbind'] });

    // copy-up goes to the device directory (it is empty)
    const src = join(tmp, 'img');
    await mkdir(src);
    await writeFile(join(src, 'seed'), 's');
    expect(await volumes.populate('bound', src)).toBe(true);
    expect(await readFile(join(device, 'seed'), 'utf8')).toBe('s');

    // the bind really gives that directory
    const target = join(tmp, 'mnt');
    await mkdir(target);
    const ms = await volumes.mountSource('bound');
    await run('mount', ['--bind', ms.source, target]);
    mounted.push(target);
    expect(await readFile(join(target, 'seed'), 'utf8')).toBe('s');
    await run('umount', [target]);
    mounted.pop();

    await volumes.remove('bound');
    expect(await readFile(join(device, 'seed'), 'utf8')).toBe('s');

    const ro = await volumes.create({
      name: 'bound-ro',
      driverOpts: { type: 'none', o: 'bind,ro', device },
      labels: {},
    });
    expect(ro.name).toBe('bound-ro');
    expect(await volumes.mountSource('bound-ro')).toEqual({
      type: 'bind',
      source: device,
      options: ['rbind', 'ro'],
    });

    await volumes.create({
      name: 'bound-missing',
      driverOpts: { type: 'none', o: 'bind', device: join(tmp, 'absent') },
      labels: {},
    });
    await expectError(volumes.mountSource('bound-missing'), 'RUNTIME_ERROR', /no such file or directory/);
  });

  it('a tmpfs volume is mounted on the host at first use and shared; remove unmounts it', async () => {
    const v = await volumes.create({
      name: 'scratch',
      driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1000' },
      labels: {},
    });
    expect(await isMountPoint(v.mountpoint)).toBe(false);
    const src = join(tmp, 'img');
    await mkdir(src);
    await writeFile(join(src, 'seed'), 's');
    expect(await volumes.populate('scratch', src)).toBe(true);
    mounted.push(v.mountpoint);
    expect(await isMountPoint(v.mountpoint)).toBe(true);
    expect(await fsType(v.mountpoint)).toBe('tmpfs');

    const ms = await volumes.mountSource('scratch');
    expect(ms).toEqual({ type: 'bind', source: v.mountpoint, options: ['rbind'] });
    expect(await readFile(join(ms.source, 'seed'), 'utf8')).toBe('s');
    // mounted once: a second use finds it mounted
    await volumes.mountSource('scratch');
    expect(await mountCount(v.mountpoint)).toBe(1);
    await mkdir(join(v.mountpoint, 'sub'));
    expect((await volumes.mountSource('scratch', { subpath: 'sub' })).source).toBe(join(v.mountpoint, 'sub'));

    await volumes.unmount('scratch');
    expect(await isMountPoint(v.mountpoint)).toBe(false);
    expect(await readdir(v.mountpoint)).toEqual([]);
    await volumes.mountSource('scratch');
    expect(await isMountPoint(v.mountpoint)).toBe(true);
    await volumes.remove('scratch');
    mounted.pop();
    expect(await mountCount(v.mountpoint)).toBe(0);
    expect(await volumes.inspect('scratch')).toBeUndefined();
  });

  it('a filesystem volume that cannot be mounted says so', async () => {
    await volumes.create({
      name: 'broken',
      driverOpts: { type: 'ext4', device: join(tmp, 'no-such-device') },
      labels: {},
    });
    await expectError(volumes.mountSource('broken'), 'RUNTIME_ERROR', /failed to mount local volume broken/);
  });
});

describe('subpath', () => {
  it('resolves inside the volume and refuses escapes', async () => {
    const v = await volumes.create({ name: 'sp', labels: {} });
    await mkdir(join(v.mountpoint, 'a', 'b'), { recursive: true });
    await symlink('a/b', join(v.mountpoint, 'inside'));
    await symlink('../../../..', join(v.mountpoint, 'up'));
    await symlink('/etc', join(v.mountpoint, 'abs'));

    expect(await volumes.mountSource('sp', { subpath: 'a/b' })).toEqual({
      type: 'bind',
      source: join(v.mountpoint, 'a', 'b'),
      options: ['rbind'],
    });
    expect((await volumes.mountSource('sp', { subpath: 'inside' })).source).toBe(
      join(v.mountpoint, 'a', 'b'),
    );
    expect((await volumes.mountSource('sp', { subpath: 'a/../a' })).source).toBe(join(v.mountpoint, 'a'));

    await expectError(
      volumes.mountSource('sp', { subpath: '../x' }),
      'RUNTIME_ERROR',
      /relative path within/,
    );
    await expectError(
      volumes.mountSource('sp', { subpath: 'a/../../sp' }),
      'RUNTIME_ERROR',
      /relative path within/,
    );
    await expectError(
      volumes.mountSource('sp', { subpath: '/etc' }),
      'RUNTIME_ERROR',
      /relative path within/,
    );
    await expectError(volumes.mountSource('sp', { subpath: 'up' }), 'RUNTIME_ERROR', /escapes volume sp/);
    await expectError(volumes.mountSource('sp', { subpath: 'abs' }), 'RUNTIME_ERROR', /escapes volume sp/);
    await expectError(volumes.mountSource('sp', { subpath: 'missing' }), 'RUNTIME_ERROR', /does not exist/);
  });
});
