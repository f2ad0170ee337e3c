/**
 * The layer gate (LayerTarFilter): entries that would escape the layer root are refused before
 * anything is passed on; whiteouts come out in overlayfs form; everything else passes byte for byte.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/api/errors.js';
import {
  LayerTarFilter,
  normalizeMemberPath,
  scanLayerTar,
} from '../../../../src/engine/store/tar-filter.js';
import { makeTar, patchHeader, type TarEntry } from '../../../support/layers.js';

const LAYER = 'sha256:feedface';

async function filter(tar: Buffer): Promise<{ out: Buffer; filter: LayerTarFilter }> {
  const f = new LayerTarFilter(LAYER);
  const chunks: Buffer[] = [];
  // Feed in odd-sized chunks to exercise the header/data boundaries.
  const pieces: Buffer[] = [];
  for (let i = 0; i < tar.length; i += 333) pieces.push(tar.subarray(i, i + 333));
  await pipeline(
    Readable.from(pieces),
    f,
    new Writable({
      write(c, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return { out: Buffer.concat(chunks), filter: f };
}

interface Listed {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  linkname: string | null;
  devmajor: number;
  devminor: number;
  pax: Record<string, string> | null;
  body: string;
}

async function list(tar: Buffer): Promise<Listed[]> {
  const out: Listed[] = [];
  const ex = tarStream.extract();
  const done = pipeline(Readable.from([tar]), ex);
  for await (const entry of ex) {
    const h = entry.header;
    let body = '';
    for await (const c of entry as unknown as AsyncIterable<Buffer>) body += c.toString();
    out.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      linkname: h.linkname,
      devmajor: h.devmajor,
      devminor: h.devminor,
      pax: (h.pax as Record<string, string> | null) ?? null,
      body,
    });
  }
  await done;
  return out;
}

async function refused(entries: TarEntry[]): Promise<RuntimeError> {
  try {
    await filter(makeTar(entries));
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    return err as RuntimeError;
  }
  throw new Error('expected the layer to be refused');
}

describe('normalizeMemberPath', () => {
  it.each([
    ['./a//b/', 'a/b'],
    ['a/./b', 'a/b'],
    ['./', ''],
    ['.', ''],
    ['..foo/x', '..foo/x'],
  ])('%s → %s', (input, path) => {
    expect(normalizeMemberPath(input)).toEqual({ path });
  });

  it.each([['/etc/passwd'], ['../x'], ['a/../../x'], ['a/..'], ['a\0b']])('refuses %j', (input) => {
    expect(normalizeMemberPath(input)).toHaveProperty('error');
  });
});

describe('LayerTarFilter: pass-through', () => {
  it('forwards ordinary entries byte for byte', async () => {
    const tar = makeTar([
      { name: './', type: 'dir' },
      { name: 'bin/', type: 'dir', mode: 0o755 },
      { name: 'bin/busybox', content: 'x'.repeat(1500), mode: 0o4755, uid: 1000, gid: 2000 },
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      { name: 'bin/ls', type: 'hardlink', linkname: 'bin/busybox' },
      { name: 'etc/up', type: 'symlink', linkname: '../../../../etc' },
      { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'fifo', type: 'fifo' },
      {
        name: 'cap',
        content: 'c',
        xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0xff, 0x80, 0, 0]) },
      },
      { name: `deep/${'n'.repeat(150)}`, content: 'long' },
      { name: `gnu/${'g'.repeat(120)}`, content: 'gnu', gnuLongName: true },
    ]);
    const { out, filter: f } = await filter(tar);
    expect(out.equals(tar)).toBe(true);
    expect(f.stats).toEqual({ entries: 11, whiteouts: 0, opaqueDirs: 0 });
  });

  it('stops at the end-of-archive marker and ends with two zero blocks', async () => {
    const tar = Buffer.concat([makeTar([{ name: 'a', content: 'a' }]), Buffer.from('trailing garbage')]);
    const { out } = await filter(tar);
    expect(out.equals(makeTar([{ name: 'a', content: 'a' }]))).toBe(true);
  });
});

describe('LayerTarFilter: whiteouts', () => {
  it('turns .wh.<name> into a 0/0 character device with the whiteout owner', async () => {
    const { out, filter: f } = await filter(
      makeTar([{ name: 'a/', type: 'dir' }, { name: 'a/.wh.gone', uid: 5, gid: 6 }, { name: '.wh.top' }]),
    );
    const entries = await list(out);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['a/', 'directory'],
      ['a/gone', 'character-device'],
      ['top', 'character-device'],
    ]);
    expect(entries[1]).toMatchObject({ devmajor: 0, devminor: 0, uid: 5, gid: 6, mode: 0 });
    expect(f.stats.whiteouts).toBe(2);
  });

  it('keeps long whiteout names through a pax path', async () => {
    const long = `${'d'.repeat(90)}/${'f'.repeat(60)}`;
    const { out } = await filter(makeTar([{ name: `${'d'.repeat(90)}/.wh.${'f'.repeat(60)}` }]));
    const [e] = await list(out);
    expect(e).toMatchObject({ name: long, type: 'character-device' });
  });

  it('turns .wh..wh..opq into the opaque xattr on its directory, keeping the directory metadata', async () => {
    const { out, filter: f } = await filter(
      makeTar([
        { name: 'd/', type: 'dir', mode: 0o750, uid: 7, gid: 8 },
        { name: 'd/.wh..wh..opq' },
        { name: 'd/new', content: 'new' },
        { name: 'e/.wh..wh..opq' },
      ]),
    );
    const entries = await list(out);
    expect(entries.map((e) => e.name)).toEqual(['d/', 'd/', 'd/new', 'e/']);
    expect(entries[1]).toMatchObject({ type: 'directory', mode: 0o750, uid: 7, gid: 8 });
    expect(entries[1]!.pax).toMatchObject({ 'SCHILY.xattr.trusted.overlay.opaque': 'y' });
    expect(entries[3]).toMatchObject({ type: 'directory', mode: 0o755, uid: 0, gid: 0 });
    expect(entries[3]!.pax).toMatchObject({ 'SCHILY.xattr.trusted.overlay.opaque': 'y' });
    expect(f.stats.opaqueDirs).toBe(2);
  });

  it('drops other .wh..wh. metadata (AUFS hard-link dirs)', async () => {
    const { out } = await filter(
      makeTar([{ name: '.wh..wh.plnk/', type: 'dir' }, { name: '.wh..wh.plnk/123.456' }, { name: 'keep' }]),
    );
    expect((await list(out)).map((e) => e.name)).toEqual(['keep']);
  });

  it('refuses a whiteout of ".."', async () => {
    const err = await refused([{ name: 'a/.wh...' }]);
    expect(err.code).toBe('IMAGE_LAYER_UNSAFE');
  });
});

describe('LayerTarFilter: refusals', () => {
  it.each<[string, TarEntry[], string, RegExp]>([
    ['a ".." path', [{ name: '../evil', content: 'x' }], '../evil', /"\.\." path component/],
    ['a nested ".." path', [{ name: 'a/../../evil', content: 'x' }], 'a/../../evil', /"\.\."/],
    ['an absolute path', [{ name: '/etc/evil', content: 'x' }], '/etc/evil', /absolute path/],
    [
      'a write through a symlink',
      [
        { name: 'a', type: 'symlink', linkname: '/etc' },
        { name: 'a/passwd', content: 'root::0:0::/:/bin/sh' },
      ],
      'a/passwd',
      /writes through the symlink "a"/,
    ],
    [
      'a write through a relative symlink',
      [
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'lib/x/y', content: 'x' },
      ],
      'lib/x/y',
      /writes through the symlink "lib"/,
    ],
    [
      'a directory over a symlink',
      [
        { name: 'a', type: 'symlink', linkname: '/etc' },
        { name: 'a/', type: 'dir' },
      ],
      'a/',
      /directory over a symlink/,
    ],
    ['a hard link out of the root', [{ name: 'h', type: 'hardlink', linkname: '../x' }], 'h', /"\.\."/],
    [
      'an absolute hard link',
      [{ name: 'h', type: 'hardlink', linkname: '/etc/shadow' }],
      'h',
      /absolute path/,
    ],
    [
      'a hard link below a symlink',
      [
        { name: 's', type: 'symlink', linkname: '/etc' },
        { name: 'h', type: 'hardlink', linkname: 's/passwd' },
      ],
      'h',
      /hard link below the symlink "s"/,
    ],
    [
      'a hard link to a file not in the layer',
      [{ name: 'h', type: 'hardlink', linkname: 'etc/passwd' }],
      'h',
      /not an earlier file of this layer/,
    ],
    [
      'a write through a hard link to a symlink',
      [
        { name: 's', type: 'symlink', linkname: '/tmp' },
        { name: 'h', type: 'hardlink', linkname: 's' },
        { name: 'h/evil', content: 'x' },
      ],
      'h/evil',
      /writes through the symlink "h"/,
    ],
    [
      'a pax path that escapes behind a harmless ustar name',
      [{ name: 'harmless', content: 'x', pax: { path: '../../evil' } }],
      '../../evil',
      /"\.\."/,
    ],
    [
      'a GNU long name that escapes',
      [{ name: `../${'x'.repeat(120)}`, content: 'x', gnuLongName: true }],
      '../',
      /"\.\."/,
    ],
    [
      'a pax linkpath that escapes',
      [
        { name: 'f', content: 'x' },
        { name: 'h', type: 'hardlink', linkname: 'f', pax: { linkpath: '../../f' } },
      ],
      'h',
      /"\.\."/,
    ],
    ['a symlink as the root', [{ name: '.', type: 'symlink', linkname: '/' }], '.', /non-directory/],
    [
      'an opaque marker in a symlinked directory',
      [{ name: 'a', type: 'symlink', linkname: '/etc' }, { name: 'a/.wh..wh..opq' }],
      'a/.wh..wh..opq',
      /writes through the symlink "a"/,
    ],
  ])('refuses %s', async (_what, entries, path, reason) => {
    const err = await refused(entries);
    expect(err.code).toBe('IMAGE_LAYER_UNSAFE');
    expect(err.message).toContain(LAYER);
    expect(err.message).toContain(`"${path}`);
    expect(err.message).toMatch(reason);
  });

  it('passes nothing of a refused entry on', async () => {
    const f = new LayerTarFilter(LAYER);
    const chunks: Buffer[] = [];
    const tar = makeTar([
      { name: 'ok', content: 'fine' },
      { name: 'a', type: 'symlink', linkname: '/etc' },
      { name: 'a/passwd', content: 'EVIL' },
    ]);
    await expect(
      pipeline(
        Readable.from([tar]),
        f,
        new Writable({
          write(c, _e, cb) {
            chunks.push(c);
            cb();
          },
        }),
      ),
    ).rejects.toThrow(/refused/);
    expect(Buffer.concat(chunks).includes('EVIL')).toBe(false);
  });

  it('scanLayerTar reports the same refusals', async () => {
    await expect(scanLayerTar(Readable.from([makeTar([{ name: '/x' }])]), LAYER)).rejects.toMatchObject({
      code: 'IMAGE_LAYER_UNSAFE',
    });
    await expect(scanLayerTar(Readable.from([makeTar([{ name: 'x' }])]), LAYER)).resolves.toMatchObject({
      entries: 1,
    });
  });
});

describe('LayerTarFilter: where GNU tar could read the bytes differently', () => {
  // GNU tar reads no data after a directory or hard-link header: "data" there would be parsed by
  // GNU tar as the next header, hidden from the checks. Such entries are refused.
  const hidden = makeTar([{ name: '../evil', content: 'E' }]).subarray(0, 1024);

  it.each([
    ['a directory', '5'],
    ['a hard link', '1'],
    ['a symlink', '2'],
    ['a character device', '3'],
    ['a fifo', '6'],
  ])('refuses %s with a size', async (_what, type) => {
    const head = makeTar([{ name: 'd', type: 'file', linkname: type === '1' ? 'd' : undefined }]).subarray(
      0,
      512,
    );
    const smuggler = patchHeader(head, 0, [
      [124, '00000002000\0'],
      [156, type],
    ]);
    const tar = Buffer.concat([smuggler, hidden, Buffer.alloc(1024)]);
    await expect(filter(tar)).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /has a size \(1024\)/,
    });
  });

  it('refuses a regular entry with a directory name and data (GNU tar reads it as a directory)', async () => {
    const smuggler = makeTar([{ name: 'd/', content: hidden }]);
    await expect(filter(smuggler)).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /directory name/,
    });
    const viaPax = makeTar([{ name: 'x', content: hidden, pax: { path: 'd/' } }]);
    await expect(filter(viaPax)).rejects.toMatchObject({ code: 'IMAGE_CORRUPT', message: /directory name/ });
    // Empty, it is an old-style directory entry.
    const { out } = await filter(
      makeTar([
        { name: 'd/', type: 'file' },
        { name: 'd/f', content: 'f' },
      ]),
    );
    expect((await list(out)).map((e) => e.name)).toEqual(['d/', 'd/f']);
  });

  it('refuses two extended headers for one entry', async () => {
    const one = makeTar([{ name: 'a', content: 'a', pax: { comment: 'x' } }]);
    const paxHeader = one.subarray(0, 1024);
    const tar = Buffer.concat([paxHeader, one]);
    await expect(filter(tar)).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /two extended headers/,
    });
  });

  it('refuses an empty pax path', async () => {
    await expect(filter(makeTar([{ name: 'a', content: 'a', pax: { path: '' } }]))).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /empty pax path/,
    });
  });

  it('refuses sparse entries as unsupported', async () => {
    const tar = patchHeader(makeTar([{ name: 'a', content: 'a' }]), 0, [[156, 'S']]);
    await expect(filter(tar)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: /sparse file "a"/ });
    await expect(
      filter(makeTar([{ name: 'b', content: 'b', pax: { 'GNU.sparse.name': 'b' } }])),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

describe('LayerTarFilter: corrupt archives', () => {
  it('refuses a bad header checksum', async () => {
    const tar = makeTar([{ name: 'a', content: 'a' }]);
    tar[0] = 'b'.charCodeAt(0);
    await expect(filter(tar)).rejects.toMatchObject({ code: 'IMAGE_CORRUPT', message: /checksum/ });
  });

  it('refuses a truncated archive', async () => {
    const tar = makeTar([{ name: 'a', content: 'x'.repeat(2000) }]);
    await expect(filter(tar.subarray(0, 1000))).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /truncated/,
    });
  });

  it('refuses unknown entry types', async () => {
    const tar = makeTar([{ name: 'a', content: 'a' }]);
    tar.write('V', 156, 'latin1');
    tar.fill(' ', 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i]!;
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await expect(filter(tar)).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /unsupported type "V"/,
    });
  });

  it('refuses global pax headers that rename entries', async () => {
    const tar = makeTar([{ name: 'a', content: 'a' }]);
    const rec = Buffer.from('16 path=../evil\n');
    const hdr = Buffer.alloc(512);
    hdr.write('pax_global_header', 0, 'latin1');
    hdr.write('0000644\0', 100, 'latin1');
    hdr.write(`${rec.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    hdr.write('00000000000\0', 136, 'latin1');
    hdr.write('g', 156, 'latin1');
    hdr.write('ustar\0', 257, 'latin1');
    hdr.write('00', 263, 'latin1');
    hdr.fill(' ', 148, 156);
    let sum = 0;
    for (const b of hdr) sum += b;
    hdr.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const withGlobal = Buffer.concat([hdr, rec, Buffer.alloc(512 - rec.length), tar]);
    await expect(filter(withGlobal)).rejects.toMatchObject({ code: 'IMAGE_CORRUPT', message: /global pax/ });
  });
});
