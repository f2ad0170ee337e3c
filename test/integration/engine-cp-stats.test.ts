/**
 * `cp` and `stats` on the built-in engine against real runc + conmon (as root): the archive functions
 * of runtime/builtin/archive.ts on a running container (tar inside its namespaces through nsenter) and
 * on a stopped one (its merged overlay through unshare), malicious archives refused with nothing
 * written outside the container, and the cgroup stats of a busy container.
 *
 * Everything lives in mkdtemp roots; afterAll force-removes the container and deletes the roots even
 * when a test failed halfway.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/api/errors.js';
import { unmountAll } from '../../src/engine/run/mount.js';
import {
  archiveTarget,
  checkEntry,
  entryPath,
  getArchiveFrom,
  putArchiveInto,
  statPathIn,
} from '../../src/runtime/builtin/archive.js';
import { type BuiltinRuntime, createBuiltinRuntime } from '../../src/runtime/builtin/builtin-runtime.js';
import type { ContainerStats } from '../../src/runtime/runtime.js';
import { ensureBusyboxInStore } from '../support/images/busybox-store.js';

const suffix = Math.random().toString(36).slice(2, 8);
let root: string;
let runRoot: string;
let outside: string;
let rt: BuiltinRuntime;
let id: string;
let statsId: string | undefined;
/** A file name that must never appear in the host's /bin. */
const probe = `berth-cp-probe-${suffix}`;

interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  content?: string;
  mtime?: Date;
}

function makeTar(entries: Entry[]): Readable {
  const pk = tarPack();
  for (const e of entries) {
    const { content, ...header } = e;
    pk.entry({ type: 'file', mode: 0o644, ...header }, content ?? '');
  }
  pk.finalize();
  return pk as unknown as Readable;
}

interface Got extends Entry {
  content: string;
}

async function readTar(content: NodeJS.ReadableStream): Promise<Got[]> {
  const ex = tarExtract();
  (content as Readable).pipe(ex);
  content.on('error', (err) => ex.destroy(err as Error));
  const out: Got[] = [];
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type as Entry['type'],
      mode: (h.mode ?? 0) & 0o7777,
      uid: h.uid,
      gid: h.gid,
      linkname: h.linkname ?? undefined,
      mtime: h.mtime,
      content: Buffer.concat(chunks).toString(),
    });
  }
  return out;
}

async function sh(script: string): Promise<string> {
  const r = await rt.exec(id, { cmd: ['sh', '-c', script] });
  if (r.exitCode !== 0) throw new Error(`exec ${script}: ${r.exitCode} ${r.stderr}`);
  return (r.stdout ?? '').trim();
}

function hostFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'berth-cp-root-'));
  runRoot = mkdtempSync(join(tmpdir(), 'berth-cp-rr-'));
  outside = mkdtempSync(join(tmpdir(), 'berth-cp-outside-'));
  rt = await createBuiltinRuntime({ root, runRoot });
  const image = await ensureBusyboxInStore(rt.store);
  ({ id } = await rt.createContainer({
    name: `berth-test-${suffix}-cp`,
    image,
    command: [
      'sh',
      '-c',
      'mkdir -p /srv/data/sub && printf hello > /srv/data/a.txt && chmod 640 /srv/data/a.txt && ' +
        'chown 65534:65534 /srv/data/a.txt && ln -s a.txt /srv/data/link && echo deep > /srv/data/sub/b && ' +
        'ln -s /srv/data /srv/abs && touch /ready && exec sleep 600',
    ],
    env: {},
    labels: { 'berth.test': suffix },
    mounts: [{ type: 'tmpfs', target: '/scratch' }],
    ports: [],
    networks: {},
    networkMode: 'none',
    stopTimeoutSeconds: 1,
  }));
  await rt.startContainer(id);
  for (let i = 0; i < 100; i++) {
    const r = await rt.exec(id, { cmd: ['test', '-e', '/ready'] });
    if (r.exitCode === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the container did not get ready');
}, 120_000);

afterAll(async () => {
  try {
    for (const c of [id, statsId])
      if (c) await rt?.removeContainer(c, { force: true }).catch(() => undefined);
  } finally {
    rmSync(join('/bin', probe), { force: true });
    if (root) await unmountAll(root).catch(() => undefined);
    for (const d of [root, runRoot, outside]) if (d) rmSync(d, { recursive: true, force: true });
    for (const c of readdirSync('/sys/fs/cgroup')) {
      try {
        rmdirSync(join('/sys/fs/cgroup', c, 'berth'));
      } catch {
        // in use or not there
      }
    }
  }
}, 60_000);

describe('cp on a running container (tar inside its namespaces)', () => {
  it('stats files, directories and symlinks like the Engine API', async () => {
    const file = await statPathIn(rt.containers, id, '/srv/data/a.txt');
    expect(file).toMatchObject({ name: 'a.txt', size: 5, mode: 0o640, type: 'file' });
    expect(Date.parse(file!.mtime!)).toBeGreaterThan(0);
    expect(await statPathIn(rt.containers, id, '/srv/data/')).toMatchObject({
      name: 'data',
      type: 'directory',
    });
    // A relative link, and an absolute one followed inside the container (never to the host's /srv).
    expect(await statPathIn(rt.containers, id, '/srv/data/link')).toMatchObject({
      name: 'link',
      type: 'symlink',
      linkTarget: '/srv/data/a.txt',
    });
    expect(await statPathIn(rt.containers, id, '/srv/abs/a.txt')).toMatchObject({
      name: 'a.txt',
      type: 'file',
    });
    expect(await statPathIn(rt.containers, id, '/srv/abs')).toMatchObject({
      type: 'symlink',
      linkTarget: '/srv/data',
    });
    expect(await statPathIn(rt.containers, id, '/srv/nope')).toBeUndefined();
    expect(await statPathIn(rt.containers, id, '/srv/data/a.txt/.')).toBeUndefined();
    expect(await statPathIn(rt.containers, id, '/')).toMatchObject({ name: '/', type: 'directory' });
    expect(await statPathIn(rt.containers, id, '/.')).toMatchObject({ name: '.', type: 'directory' });
    expect(await statPathIn(rt.containers, id, '/srv/data/a.txt/x')).toBeUndefined();
    // The tmpfs is the running container's, not the rootfs below it.
    await sh('echo t > /scratch/t');
    expect(await statPathIn(rt.containers, id, '/scratch/t')).toMatchObject({ type: 'file', size: 2 });
  });

  it('refuses a missing path with RUNTIME_NOT_FOUND as docker words it', async () => {
    const err = await getArchiveFrom(rt.containers, id, '/srv/nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('RUNTIME_NOT_FOUND');
    expect((err as RuntimeError).message).toBe(
      `Could not find the file /srv/nope in container berth-test-${suffix}-cp`,
    );
    const err2 = await putArchiveInto(rt.containers, id, '/srv/nope', makeTar([{ name: 'x' }])).catch(
      (e: unknown) => e,
    );
    expect((err2 as RuntimeError).code).toBe('RUNTIME_NOT_FOUND');
    const err3 = await putArchiveInto(rt.containers, id, '/srv/data/a.txt', makeTar([{ name: 'x' }])).catch(
      (e: unknown) => e,
    );
    expect((err3 as RuntimeError).message).toMatch(/extraction point is not a directory/);
  });

  it('copies a file out: one entry named after it, content, mode, owner', async () => {
    const { stat, content } = await getArchiveFrom(rt.containers, id, '/srv/data/a.txt');
    expect(stat).toMatchObject({ name: 'a.txt', type: 'file' });
    const entries = await readTar(content);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      name: 'a.txt',
      type: 'file',
      mode: 0o640,
      uid: 65534,
      gid: 65534,
      content: 'hello',
    });
  });

  it('copies a directory out recursively, symlinks kept, `dir/.` as `./`', async () => {
    const { stat, content } = await getArchiveFrom(rt.containers, id, '/srv/data');
    expect(stat.type).toBe('directory');
    const entries = await readTar(content);
    const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ''), e]));
    expect([...byName.keys()].sort()).toEqual(['data', 'data/a.txt', 'data/link', 'data/sub', 'data/sub/b']);
    expect(byName.get('data')?.type).toBe('directory');
    expect(byName.get('data/link')).toMatchObject({ type: 'symlink', linkname: 'a.txt' });
    expect(byName.get('data/sub/b')?.content).toBe('deep\n');
    // Through an absolute symlink in the path: resolved inside the container, named as asked.
    const viaLink = await readTar((await getArchiveFrom(rt.containers, id, '/srv/abs/sub')).content);
    expect(viaLink.map((e) => e.name.replace(/\/$/, '')).sort()).toEqual(['sub', 'sub/b']);
    const dotted = await getArchiveFrom(rt.containers, id, '/srv/data/sub/.');
    expect(dotted.stat).toMatchObject({ name: '.', type: 'directory' });
    const names = (await readTar(dotted.content)).map((e) => e.name);
    expect(names).toContain('./b');
    // The final symlink itself is archived, not what it points at.
    const link = await readTar((await getArchiveFrom(rt.containers, id, '/srv/abs')).content);
    expect(link).toEqual([expect.objectContaining({ name: 'abs', type: 'symlink', linkname: '/srv/data' })]);
  });

  it('copies a directory in: content, modes, owners, mtimes and a symlink', async () => {
    const mtime = new Date('2020-01-02T03:04:05Z');
    await putArchiveInto(
      rt.containers,
      id,
      '/tmp',
      makeTar([
        { name: 'in/', type: 'directory', mode: 0o750, uid: 1234, gid: 4321, mtime },
        { name: 'in/f.txt', mode: 0o600, uid: 1234, gid: 4321, content: 'payload', mtime },
        { name: 'in/l', type: 'symlink', linkname: 'f.txt', mode: 0o777 },
        { name: 'in/hard', type: 'link', linkname: 'in/f.txt' },
      ]),
    );
    expect(await sh('cat /tmp/in/f.txt')).toBe('payload');
    expect(await sh('stat -c "%a %u %g %Y" /tmp/in/f.txt')).toBe(`600 1234 4321 ${mtime.getTime() / 1000}`);
    expect(await sh('stat -c "%a %u %g" /tmp/in')).toBe('750 1234 4321');
    expect(await sh('readlink /tmp/in/l')).toBe('f.txt');
    expect(await sh('stat -c %h /tmp/in/f.txt')).toBe('2');
    // Round trip through getArchive.
    const back = await readTar((await getArchiveFrom(rt.containers, id, '/tmp/in/f.txt')).content);
    expect(back[0]).toMatchObject({ name: 'f.txt', mode: 0o600, uid: 1234, content: 'payload' });
    // Into the root directory itself.
    await putArchiveInto(rt.containers, id, '/', makeTar([{ name: 'at-root', content: 'r' }]));
    expect(await sh('cat /at-root')).toBe('r');
    // Into a tmpfs mount of the running container.
    await putArchiveInto(rt.containers, id, '/scratch', makeTar([{ name: 'one', content: '1' }]));
    expect(await sh('cat /scratch/one')).toBe('1');
  });

  it('fails a copy whose source fails or that is aborted, and a truncated archive', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const err = await putArchiveInto(rt.containers, id, '/tmp', failing).catch((e: unknown) => e);
    expect((err as RuntimeError).code).toBe('RUNTIME_ERROR');
    expect((err as RuntimeError).message).toMatch(/disk on fire/);
    const ac = new AbortController();
    ac.abort();
    const ab = await getArchiveFrom(rt.containers, id, '/srv/data', ac.signal).catch((e: unknown) => e);
    expect((ab as RuntimeError).code).toBe('ABORTED');
    const full: Buffer[] = [];
    for await (const c of makeTar([{ name: 'trunc', content: 'z'.repeat(4096) }])) full.push(c as Buffer);
    const cut = Readable.from([Buffer.concat(full).subarray(0, 1024)]);
    const tr = await putArchiveInto(rt.containers, id, '/tmp', cut).catch((e: unknown) => e);
    expect(tr).toBeInstanceOf(RuntimeError);
    expect((tr as RuntimeError).message).toMatch(/invalid archive: Unexpected end of data/);
    // Aborted while streaming, both ways: rejected / the stream fails, nothing left hanging.
    const ac2 = new AbortController();
    const open = new PassThrough();
    const partial = tarPack();
    partial.entry({ name: 'partial' }, 'x');
    partial.pipe(open); // never finalized: the copy waits for more until aborted
    setTimeout(() => ac2.abort(), 200);
    const midPut = await putArchiveInto(rt.containers, id, '/tmp', open, { signal: ac2.signal }).catch(
      (e: unknown) => e,
    );
    expect((midPut as RuntimeError).code).toBe('ABORTED');
    const ac3 = new AbortController();
    const { content: big } = await getArchiveFrom(rt.containers, id, '/bin', ac3.signal);
    const midGet = await (async () => {
      for await (const _ of big as AsyncIterable<Buffer>) ac3.abort();
    })().catch((e: unknown) => e);
    expect((midGet as RuntimeError).code).toBe('ABORTED');
    // A reader that stops early does not leave tar blocked.
    const { content } = await getArchiveFrom(rt.containers, id, '/bin');
    for await (const _ of content as AsyncIterable<Buffer>) break;
    expect(await sh('echo alive')).toBe('alive');
    // No tar left in the container's PID namespace after all of that.
    const t = await archiveTarget(rt.containers, id);
    const pidNs = readlinkSync(`/proc/${t.pid}/ns/pid`);
    const tars = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return (
              readlinkSync(`/proc/${p}/ns/pid`) === pidNs &&
              readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('tar')
            );
          } catch {
            return false; // gone meanwhile
          }
        });
    for (let i = 0; i < 100 && tars().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(tars()).toEqual([]);
  });

  it('copyUIDGID gives the entries the container user’s ids', async () => {
    await putArchiveInto(
      rt.containers,
      id,
      '/tmp',
      makeTar([{ name: 'owned', uid: 777, gid: 777, content: 'x' }]),
      {
        copyUIDGID: true,
      },
    );
    expect(await sh('stat -c "%u %g" /tmp/owned')).toBe('0 0');
  });

  it('refuses replacing a directory with a file (noOverwriteDirNonDir, on by default)', async () => {
    await sh('mkdir -p /tmp/d/isdir');
    const err = await putArchiveInto(
      rt.containers,
      id,
      '/tmp/d',
      makeTar([{ name: 'isdir', content: 'x' }]),
    ).catch((e: unknown) => e);
    expect((err as RuntimeError).message).toMatch(
      /cannot overwrite directory "\/tmp\/d\/isdir" with non-directory/,
    );
    expect(await sh('test -d /tmp/d/isdir && echo dir')).toBe('dir');
    await sh('touch /tmp/d/isfile');
    const err2 = await putArchiveInto(
      rt.containers,
      id,
      '/tmp/d',
      makeTar([{ name: 'isfile/', type: 'directory', mode: 0o755 }]),
    ).catch((e: unknown) => e);
    expect((err2 as RuntimeError).message).toMatch(
      /cannot overwrite non-directory "\/tmp\/d\/isfile" with directory/,
    );
  });

  it('refuses malicious archives and never writes outside the container', async () => {
    const before = hostFilesUnder(outside);
    const attempts: Array<{ entries: Entry[]; message: RegExp }> = [
      {
        entries: [{ name: `../../../../../../../..${outside}/dotdot`, content: 'x' }],
        message: /is outside of/,
      },
      { entries: [{ name: '../up', content: 'x' }], message: /is outside of "\/tmp"/ },
      {
        entries: [
          { name: 'esc', type: 'symlink', linkname: outside },
          { name: 'esc/pwned', content: 'x' },
        ],
        message: /written through the symbolic link "esc"/,
      },
      {
        entries: [{ name: 'rel', type: 'symlink', linkname: '../../../../../../..' }],
        message: /invalid symlink "rel"/,
      },
      {
        entries: [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }],
        message: /invalid hardlink "hl"/,
      },
    ];
    for (const a of attempts) {
      const err = await putArchiveInto(rt.containers, id, '/tmp', makeTar(a.entries)).catch(
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(a.entries)).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).message).toMatch(a.message);
    }
    expect(await sh('test -e /tmp/esc/pwned || test -e /up || echo none')).toBe('none');

    // A symlink the container made to the host path: followed inside the container's root only.
    await sh(`mkdir -p ${outside} && ln -s ${outside} /tmp/hostlink`);
    await putArchiveInto(rt.containers, id, '/tmp', makeTar([{ name: 'hostlink/inside', content: 'c' }]));
    await putArchiveInto(rt.containers, id, '/tmp/hostlink', makeTar([{ name: 'dest', content: 'd' }]));
    expect(await sh(`cat ${outside}/inside ${outside}/dest`)).toBe('cd');
    // A container link to the directory fd the copy runs busybox from (the host's /bin) is no way
    // out either: the fd is closed before tar runs.
    await sh('ln -s /proc/self/fd/3 /tmp/fdlink');
    const fd = await putArchiveInto(
      rt.containers,
      id,
      '/tmp',
      makeTar([{ name: `fdlink/${probe}`, content: 'x' }]),
    ).catch((e: unknown) => e);
    expect(fd).toBeInstanceOf(RuntimeError);
    expect((fd as RuntimeError).message).toMatch(/fdlink/);
    expect(existsSync(join('/bin', probe))).toBe(false);
    expect(hostFilesUnder(outside)).toEqual(before);
    expect(readFileSync('/bin/busybox').subarray(0, 4).toString('hex')).toBe('7f454c46');
  });
});

describe('cp on a stopped container (its merged rootfs)', () => {
  it('copies out and in without the container running, and leaves no mount behind', async () => {
    await rt.killContainer(id);
    await rt.waitContainer(id);
    const t = await archiveTarget(rt.containers, id);
    expect(t.pid).toBeUndefined();
    expect(t.root).toMatch(/merged$/);
    expect(await statPathIn(rt.containers, id, '/srv/data/a.txt')).toMatchObject({ type: 'file', size: 5 });
    // The tmpfs was the running container's: it is gone with it.
    expect(await statPathIn(rt.containers, id, '/scratch/one')).toBeUndefined();
    const out = await readTar((await getArchiveFrom(rt.containers, id, '/srv/data/sub')).content);
    expect(out.find((e) => e.name === 'sub/b')?.content).toBe('deep\n');
    await putArchiveInto(
      rt.containers,
      id,
      '/srv',
      makeTar([{ name: 'stopped.txt', mode: 0o604, content: 'while stopped' }]),
    );
    const back = await readTar((await getArchiveFrom(rt.containers, id, '/srv/stopped.txt')).content);
    expect(back[0]).toMatchObject({ name: 'stopped.txt', mode: 0o604, content: 'while stopped' });
    const err = await putArchiveInto(
      rt.containers,
      id,
      '/srv',
      makeTar([
        { name: 'esc', type: 'symlink', linkname: outside },
        { name: 'esc/pwned', content: 'x' },
      ]),
    ).catch((e: unknown) => e);
    expect((err as RuntimeError).message).toMatch(/symbolic link "esc"/);
    expect(existsSync(join(outside, 'pwned'))).toBe(false);
    const mounts = readFileSync('/proc/mounts', 'utf8');
    expect(mounts).not.toContain(`${t.root}/proc`);
  });
});

describe('cp on a created, read-only container', () => {
  it('copies out of a never-started container and refuses writes to its read-only rootfs', async () => {
    const { id: ro } = await rt.createContainer({
      name: `berth-test-${suffix}-ro`,
      image: await ensureBusyboxInStore(rt.store),
      command: ['true'],
      env: {},
      labels: { 'berth.test': suffix },
      mounts: [],
      ports: [],
      networks: {},
      networkMode: 'none',
      readOnly: true,
    });
    try {
      const entries = await readTar((await getArchiveFrom(rt.containers, ro, '/etc/passwd')).content);
      expect(entries[0]).toMatchObject({ name: 'passwd', type: 'file' });
      expect(entries[0]!.content).toMatch(/^root:x:0:0:/);
      const err = await putArchiveInto(
        rt.containers,
        ro,
        '/tmp',
        makeTar([{ name: 'w', content: 'x' }]),
      ).catch((e: unknown) => e);
      expect((err as RuntimeError).message).toMatch(/container rootfs is marked read-only/);
      expect(await statPathIn(rt.containers, ro, '/tmp/w')).toBeUndefined();
    } finally {
      await rt.removeContainer(ro, { force: true });
    }
    const gone = await statPathIn(rt.containers, ro, '/etc/passwd').catch((e: unknown) => e);
    expect((gone as RuntimeError).code).toBe('RUNTIME_NOT_FOUND');
  });
});

describe('archive entry checks', () => {
  const check = (entries: Array<{ name: string; type?: string; linkname?: string }>) => {
    const links = new Set<string>();
    return entries.map((e) =>
      checkEntry({ type: 'file', ...e } as Parameters<typeof checkEntry>[0], '/dst', links),
    );
  };
  it('normalizes names inside the destination, absolute names included', () => {
    expect(check([{ name: './a/b/../c' }, { name: '/abs/x' }, { name: './', type: 'directory' }])).toEqual([
      'a/c',
      'abs/x',
      '.',
    ]);
    expect(entryPath('a/../../b')).toBeUndefined();
  });
  it('keeps absolute symlinks and in-tree relative ones; a later file replacing a link is fine', () => {
    expect(
      check([
        { name: 'l', type: 'symlink', linkname: '/etc' },
        { name: 'd/r', type: 'symlink', linkname: '../x' },
        { name: 'l' },
        { name: 'l/now-a-file-parent' },
      ]),
    ).toHaveLength(4);
  });
  it('refuses writes through a link of the archive, even a directory entry over it', () => {
    expect(() =>
      check([
        { name: 'l', type: 'symlink', linkname: 'real' },
        { name: 'l', type: 'directory' },
        { name: 'l/x' },
      ]),
    ).toThrow(/through the symbolic link "l"/);
    expect(() => check([{ name: 'd/l', type: 'symlink', linkname: '/' }, { name: 'd/l/e/f' }])).toThrow(
      /"d\/l"/,
    );
    expect(() => check([{ name: 'h', type: 'link', linkname: '/../x' }])).toThrow(/invalid hardlink/);
  });
});

describe('stats of a running container (cgroup counters)', () => {
  it('reports plausible memory, pids, cpu and increasing cpu counters', async () => {
    ({ id: statsId } = await rt.createContainer({
      name: `berth-test-${suffix}-stats`,
      image: await ensureBusyboxInStore(rt.store),
      command: ['sleep', '600'],
      env: {},
      labels: { 'berth.test': suffix },
      mounts: [],
      ports: [],
      networks: {},
      networkMode: 'none',
    }));
    const sid = statsId;
    await rt.startContainer(sid);
    await rt.exec(sid, {
      cmd: ['sh', '-c', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'],
      detach: true,
    });
    const a: ContainerStats = await rt.containers.stats(sid);
    expect(a.id).toBe(sid);
    expect(a.name).toBe(`berth-test-${suffix}-stats`);
    expect(a.memory.usage).toBeGreaterThan(0);
    expect(a.memory.stats?.cache ?? a.memory.stats?.file).toBeGreaterThanOrEqual(0);
    expect(a.pids).toBeGreaterThanOrEqual(1);
    expect(a.cpu.totalUsage).toBeGreaterThan(0);
    expect(a.precpu.totalUsage).toBeGreaterThan(0);
    expect(a.cpu.totalUsage).toBeGreaterThanOrEqual(a.precpu.totalUsage);
    expect(a.cpu.systemUsage).toBeGreaterThan(a.precpu.systemUsage ?? 0);
    expect(a.cpu.onlineCpus).toBeGreaterThanOrEqual(1);
    expect(a.networks).toEqual({}); // networkMode none: only lo, which docker leaves out
    await rt.exec(sid, { cmd: ['sh', '-c', 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done'] });
    const b = await rt.containers.stats(sid);
    expect(b.cpu.totalUsage).toBeGreaterThan(a.cpu.totalUsage);
    const ac = new AbortController();
    const samples: ContainerStats[] = [];
    for await (const s of rt.containers.streamStats(sid, { signal: ac.signal })) {
      samples.push(s);
      if (samples.length === 2) ac.abort();
    }
    expect(samples).toHaveLength(2);
    expect(samples[1]!.precpu.totalUsage).toBe(samples[0]!.cpu.totalUsage);
  }, 60_000);
});
