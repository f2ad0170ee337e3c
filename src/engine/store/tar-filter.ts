/**
 * The gate between a layer tarball and GNU tar: a streaming tar parser that checks every entry
 * before GNU tar sees it and rewrites OCI whiteouts into overlayfs form on the way.
 *
 * It reads the raw 512-byte headers itself (ustar, GNU and pax; long names; base-256 numbers) and
 * forwards every accepted entry byte for byte, so nothing is lost in translation: binary xattrs such
 * as `security.capability` and sub-second times reach GNU tar unchanged. (tar-stream decodes pax
 * values as UTF-8 and cannot be used to re-encode them.) GNU tar only ever sees what this filter
 * passed, so the two parsers must split the bytes into the same entries: anything where they could
 * differ is refused (IMAGE_CORRUPT) rather than guessed: a non-regular entry with a size (GNU tar
 * reads no data after a directory or hard link header, so such "data" could hide headers), two
 * extended headers for one entry, empty pax path/linkpath/size values, global path/size records.
 * Sparse entries (GNU 'S', pax GNU.sparse.*) are refused as UNSUPPORTED: container image builders
 * do not write them.
 *
 * Refused (IMAGE_LAYER_UNSAFE, naming the layer and the entry), before any byte of the entry is
 * passed on:
 * - absolute member names and names with a `..` component (of the entry or of a hard link target);
 * - an entry below a symlink of the same layer (`a -> /etc`, then `a/passwd`): extraction would
 *   write through the link; a directory entry over such a symlink; a non-directory root entry;
 * - a hard link whose target is not an earlier non-directory entry of the layer, or lies below a
 *   symlink (a hard link to a symlink becomes a symlink itself).
 * Symlinks themselves may point anywhere: their targets resolve inside the container, not here.
 * Each layer is extracted into its own empty directory, so only this layer's links matter.
 *
 * Whiteouts (OCI image spec, layer.md): `.wh.<name>` becomes a character device 0/0 `<name>`,
 * `.wh..wh..opq` becomes the xattr `trusted.overlay.opaque=y` on its directory (a second directory
 * entry carrying the xattr as `SCHILY.xattr.*`, with the directory's own mode, owner and mtime when
 * the layer has them; GNU tar keeps the xattrs of the first entry), and other `.wh..wh.*` entries
 * (AUFS metadata, with the contents of such directories at the root) are dropped.
 *
 * Names are handled as latin1 strings: one char per byte, so arbitrary (non-UTF-8) names survive.
 */
import { Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RuntimeError } from '../../api/errors.js';

const BLOCK = 512;
const MAX_META_SIZE = 4 * 1024 * 1024;
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const ZERO_BLOCKS = Buffer.alloc(2 * BLOCK);

export interface LayerFilterStats {
  entries: number;
  whiteouts: number;
  opaqueDirs: number;
}

type Kind = 'dir' | 'file' | 'symlink';

interface DirMeta {
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch as a decimal string (may have a fraction, from pax). */
  mtime: string;
}

interface Entry {
  type: string;
  name: string;
  linkname: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
}

/** Thrown for a layer that tries to escape its root. */
function unsafe(layer: string, path: string, reason: string): RuntimeError {
  return new RuntimeError(
    'IMAGE_LAYER_UNSAFE',
    `layer ${layer} is refused: entry "${display(path)}" ${reason}`,
    {
      hint: 'the image is malformed or malicious; nothing of it was extracted',
    },
  );
}

function sparse(layer: string, name?: string): RuntimeError {
  const which = name === undefined ? 'a sparse file' : `the sparse file "${display(name)}"`;
  return new RuntimeError(
    'UNSUPPORTED',
    `layer ${layer} has ${which}; berth does not unpack sparse tar entries`,
  );
}

function corrupt(layer: string, reason: string): RuntimeError {
  return new RuntimeError('IMAGE_CORRUPT', `layer ${layer} is not a valid tar archive: ${reason}`);
}

/** latin1 (byte) string → readable UTF-8 for messages. */
function display(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** A NUL-terminated string field, as latin1. */
function field(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('latin1', offset, end === -1 || end > offset + length ? offset + length : end);
}

/** An octal or base-256 numeric field; NaN when malformed. */
function numeric(block: Buffer, offset: number, length: number): number {
  const first = block[offset]!;
  if (first & 0x80) {
    const negative = first === 0xff;
    let v = BigInt(first & 0x7f);
    if (negative) v = BigInt(0xff - first);
    for (let i = 1; i < length; i++) {
      const b = block[offset + i]!;
      v = (v << 8n) | BigInt(negative ? 0xff - b : b);
    }
    const n = Number(v);
    return negative ? -(n + 1) : n;
  }
  const text = field(block, offset, length)
    .replace(/[\s\0]+$/, '')
    .replace(/^\s+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return Number.NaN;
  return Number.parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = numeric(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Parses pax records (`<len> <key>=<value>\n`), binary-safe. */
function parsePax(data: Buffer, layer: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // padding
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw corrupt(layer, 'malformed pax header');
    const len = Number.parseInt(data.toString('latin1', pos, space), 10);
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > data.length) {
      throw corrupt(layer, 'malformed pax header');
    }
    const record = data.subarray(space + 1, pos + len);
    if (record[record.length - 1] !== 0x0a) throw corrupt(layer, 'malformed pax record');
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw corrupt(layer, 'malformed pax record');
    out.set(record.toString('latin1', 0, eq), record.subarray(eq + 1, record.length - 1));
    pos += len;
  }
  return out;
}

/**
 * The normalized relative path of a member name (`''` for the root), or an error message.
 * `./a//b/` → `a/b`.
 */
export function normalizeMemberPath(name: string): { path: string } | { error: string } {
  if (name.includes('\0')) return { error: 'has a NUL byte in its name' };
  if (name.startsWith('/')) return { error: 'has an absolute path' };
  const parts: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') return { error: 'has a ".." path component' };
    parts.push(c);
  }
  return { path: parts.join('/') };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function octalField(block: Buffer, offset: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'latin1');
  block[offset + length - 1] = 0;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

function headerBlock(
  name: Buffer,
  type: string,
  size: number,
  meta: { mode: number; uid: number; gid: number; mtime: number },
  dev: { major: number; minor: number } = { major: 0, minor: 0 },
): Buffer {
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0, 0, Math.min(100, name.length));
  octalField(block, 100, 8, meta.mode & 0o7777);
  octalField(block, 108, 8, meta.uid);
  octalField(block, 116, 8, meta.gid);
  octalField(block, 124, 12, size);
  octalField(block, 136, 12, meta.mtime);
  block.write(type, 156, 1, 'latin1');
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  octalField(block, 329, 8, dev.major);
  octalField(block, 337, 8, dev.minor);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

/** A complete synthetic entry (optional pax header + header), no data. */
function synthesize(
  name: string,
  type: '3' | '5',
  meta: { mode: number; uid: number; gid: number; mtime: string },
  xattrs: Array<[string, Buffer]> = [],
): Buffer {
  const nameBuf = Buffer.from(name, 'latin1');
  const records: Buffer[] = [];
  if (nameBuf.length > 100) records.push(paxRecord('path', nameBuf));
  const MAX7 = 0o7777777;
  const uid = meta.uid >= 0 && meta.uid <= MAX7 ? meta.uid : 0;
  if (uid !== meta.uid) records.push(paxRecord('uid', Buffer.from(String(meta.uid))));
  const gid = meta.gid >= 0 && meta.gid <= MAX7 ? meta.gid : 0;
  if (gid !== meta.gid) records.push(paxRecord('gid', Buffer.from(String(meta.gid))));
  let mtime = Number(meta.mtime);
  if (!/^\d+$/.test(meta.mtime) || mtime > 0o77777777777) {
    records.push(paxRecord('mtime', Buffer.from(meta.mtime, 'latin1')));
    mtime = 0;
  }
  for (const [k, v] of xattrs) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const parts: Buffer[] = [];
  if (records.length > 0) {
    const data = Buffer.concat(records);
    parts.push(
      headerBlock(Buffer.from('././@PaxHeader', 'latin1'), 'x', data.length, {
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime,
      }),
    );
    parts.push(data, Buffer.alloc(roundUp(data.length) - data.length));
  }
  parts.push(headerBlock(nameBuf, type, 0, { mode: meta.mode, uid, gid, mtime }));
  return Buffer.concat(parts);
}

type State = 'header' | 'meta' | 'data' | 'end';

/**
 * A Transform from a layer's uncompressed tar to the tar GNU tar extracts (see the file comment).
 * Errors out (IMAGE_LAYER_UNSAFE / IMAGE_CORRUPT) at the first bad entry.
 */
export class LayerTarFilter extends Transform {
  readonly stats: LayerFilterStats = { entries: 0, whiteouts: 0, opaqueDirs: 0 };
  private state: State = 'header';
  private acc: Buffer[] = [];
  private accLen = 0;
  private need = BLOCK;
  private dataRemaining = 0;
  private passData = true;
  private metaType = '';
  private metaSize = 0;
  private metaHeader: Buffer | undefined;
  private prelude: Buffer[] = [];
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private seenMeta = new Set<string>();
  private readonly tree = new Map<string, Kind>();
  private readonly everSymlink = new Set<string>();
  private readonly dirs = new Map<string, DirMeta>();

  constructor(private readonly layer: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.consume(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    if (this.state === 'data' || this.state === 'meta' || this.accLen > 0) {
      cb(corrupt(this.layer, 'unexpected end of archive (truncated)'));
      return;
    }
    if (this.prelude.length > 0) {
      cb(corrupt(this.layer, 'extended header without an entry at the end of the archive'));
      return;
    }
    this.push(ZERO_BLOCKS);
    cb();
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.state === 'end') return;
      if (this.state === 'data') {
        const n = Math.min(this.dataRemaining, chunk.length - off);
        if (this.passData) this.push(chunk.subarray(off, off + n));
        off += n;
        this.dataRemaining -= n;
        if (this.dataRemaining === 0) this.expectHeader();
        continue;
      }
      const n = Math.min(this.need - this.accLen, chunk.length - off);
      this.acc.push(chunk.subarray(off, off + n));
      this.accLen += n;
      off += n;
      if (this.accLen < this.need) continue;
      const block = this.acc.length === 1 ? this.acc[0]! : Buffer.concat(this.acc, this.accLen);
      this.acc = [];
      this.accLen = 0;
      if (this.state === 'header') this.onHeader(block);
      else this.onMeta(block);
    }
  }

  private expectHeader(): void {
    this.state = 'header';
    this.need = BLOCK;
  }

  private startData(size: number, pass: boolean): void {
    this.dataRemaining = roundUp(size);
    this.passData = pass;
    if (this.dataRemaining === 0) this.expectHeader();
    else this.state = 'data';
  }

  private onHeader(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      if (this.prelude.length > 0) throw corrupt(this.layer, 'extended header without an entry');
      this.state = 'end';
      return;
    }
    if (!checksumOk(block)) throw corrupt(this.layer, 'header checksum mismatch');
    const type = block[156] === 0 ? '0' : String.fromCharCode(block[156]!);
    const size = numeric(block, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw corrupt(this.layer, 'invalid size field');
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_META_SIZE) throw corrupt(this.layer, `extended header of ${size} bytes`);
      this.metaType = type;
      this.metaSize = size;
      this.metaHeader = Buffer.from(block);
      if (size === 0) {
        this.onMeta(Buffer.alloc(0));
        return;
      }
      this.state = 'meta';
      this.need = roundUp(size);
      return;
    }
    this.onEntry(block, type, size);
  }

  private onMeta(data: Buffer): void {
    const raw = Buffer.concat([this.metaHeader!, data]);
    const body = data.subarray(0, this.metaSize);
    this.expectHeader();
    if (this.metaType !== 'g' && this.seenMeta.has(this.metaType)) {
      throw corrupt(this.layer, `two extended headers of type "${this.metaType}" for one entry`);
    }
    if (this.metaType === 'g' && this.prelude.length > 0) {
      throw corrupt(this.layer, 'a global pax header between an extended header and its entry');
    }
    this.seenMeta.add(this.metaType);
    switch (this.metaType) {
      case 'x':
        for (const [k, v] of parsePax(body, this.layer)) {
          if (k.startsWith('GNU.sparse.')) throw sparse(this.layer);
          if ((k === 'path' || k === 'linkpath' || k === 'size') && v.length === 0) {
            throw corrupt(this.layer, `empty pax ${k} record`);
          }
          this.pax.set(k, v);
        }
        this.prelude.push(raw);
        return;
      case 'g': {
        const records = parsePax(body, this.layer);
        for (const key of records.keys()) {
          if (key === 'path' || key === 'linkpath' || key === 'size' || key.startsWith('GNU.sparse.')) {
            throw corrupt(this.layer, `unsupported global pax header keyword "${key}"`);
          }
        }
        for (const [k, v] of records) this.globalPax.set(k, v);
        this.push(raw);
        return;
      }
      default: {
        const end = body.indexOf(0);
        const value = body.toString('latin1', 0, end === -1 ? body.length : end);
        if (value === '')
          throw corrupt(this.layer, `empty GNU long ${this.metaType === 'L' ? 'name' : 'link'}`);
        if (this.metaType === 'L') this.longName = value;
        else this.longLink = value;
        this.prelude.push(raw);
      }
    }
  }

  private paxValue(key: string): Buffer | undefined {
    return this.pax.get(key) ?? this.globalPax.get(key);
  }

  private paxString(key: string): string | undefined {
    const v = this.paxValue(key);
    if (v === undefined) return undefined;
    if (v.includes(0)) throw corrupt(this.layer, `pax ${key} contains a NUL byte`);
    return v.toString('latin1');
  }

  private paxNumber(key: string, fallback: number): number {
    const v = this.paxString(key);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) throw corrupt(this.layer, `invalid pax ${key} "${v}"`);
    return Number(v);
  }

  private onEntry(block: Buffer, type: string, headerSize: number): void {
    const magic = block.toString('latin1', 257, 263);
    let name = field(block, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = field(block, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    if (this.longName !== undefined) name = this.longName;
    name = this.paxString('path') ?? name;
    if (type === 'S') throw sparse(this.layer, name);
    let linkname = field(block, 157, 100);
    if (this.longLink !== undefined) linkname = this.longLink;
    linkname = this.paxString('linkpath') ?? linkname;
    const size = this.paxNumber('size', headerSize);
    if (size !== 0 && type !== '0' && type !== '7') {
      throw corrupt(this.layer, `entry "${display(name)}" of type "${type}" has a size (${size})`);
    }
    // GNU tar (like old v7 tars) takes a regular entry whose name ends in '/' for a directory, and
    // then reads no data after it: only the empty form is unambiguous.
    if (name.endsWith('/') && type !== '5') {
      if (type !== '0' || size !== 0) {
        throw corrupt(this.layer, `entry "${display(name)}" of type "${type}" has a directory name`);
      }
      type = '5';
    }
    const paxMtime = this.paxString('mtime');
    if (paxMtime !== undefined && !/^-?\d+(\.\d+)?$/.test(paxMtime)) {
      throw corrupt(this.layer, `invalid pax mtime "${paxMtime}"`);
    }
    const entry: Entry = {
      type,
      name,
      linkname,
      size,
      mode: numeric(block, 100, 8),
      uid: this.paxNumber('uid', numeric(block, 108, 8)),
      gid: this.paxNumber('gid', numeric(block, 116, 8)),
      mtime: paxMtime ?? String(numeric(block, 136, 12)),
    };
    if ([entry.mode, entry.uid, entry.gid].some((n) => !Number.isSafeInteger(n))) {
      throw corrupt(this.layer, `invalid numeric field in the header of "${display(name)}"`);
    }
    const prelude = this.prelude;
    this.prelude = [];
    this.pax = new Map();
    this.longName = undefined;
    this.longLink = undefined;
    this.seenMeta.clear();
    this.stats.entries++;

    const out = this.decide(entry);
    const pass = out === 'pass';
    if (pass) {
      for (const b of prelude) this.push(b);
      this.push(block);
    } else if (out !== 'drop') {
      this.push(out);
    }
    this.startData(size, pass);
  }

  /** Validates one entry; 'pass' forwards it, 'drop' swallows it, a Buffer replaces it. */
  private decide(e: Entry): 'pass' | 'drop' | Buffer {
    const norm = normalizeMemberPath(e.name);
    if ('error' in norm) throw unsafe(this.layer, e.name, norm.error);
    const path = norm.path;
    const kind = this.kindOf(e);
    if (path === '') {
      if (kind !== 'dir') throw unsafe(this.layer, e.name, 'replaces the layer root with a non-directory');
      this.dirs.set('', this.dirMeta(e));
      return 'pass';
    }
    const base = baseOf(path);
    const parent = parentOf(path);
    // AUFS metadata directories at the root (.wh..wh.plnk, .wh..wh.aufs) and all they hold.
    if (path.startsWith(WHITEOUT_META_PREFIX) && path.split('/')[0] !== OPAQUE_MARKER) return 'drop';
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.checkParents(e.name, path);
      if (base === OPAQUE_MARKER) {
        if (parent !== '' && this.everSymlink.has(parent)) {
          throw unsafe(this.layer, e.name, `marks the symlink "${display(parent)}" opaque`);
        }
        this.stats.opaqueDirs++;
        this.tree.set(parent, 'dir');
        const meta = this.dirs.get(parent) ?? { mode: 0o755, uid: 0, gid: 0, mtime: e.mtime };
        return synthesize(parent === '' ? './' : `${parent}/`, '5', meta, [
          ['trusted.overlay.opaque', Buffer.from('y')],
        ]);
      }
      if (base.startsWith(WHITEOUT_META_PREFIX)) return 'drop';
      const target = base.slice(WHITEOUT_PREFIX.length);
      if (target === '' || target === '.' || target === '..') {
        throw unsafe(this.layer, e.name, 'is a whiteout of no valid name');
      }
      const hidden = parent === '' ? target : `${parent}/${target}`;
      this.stats.whiteouts++;
      this.tree.set(hidden, 'file');
      return synthesize(hidden, '3', { mode: 0, uid: e.uid, gid: e.gid, mtime: e.mtime });
    }
    this.checkParents(e.name, path);
    switch (kind) {
      case 'dir':
        if (this.everSymlink.has(path)) {
          throw unsafe(this.layer, e.name, 'is a directory over a symlink of the same layer');
        }
        this.tree.set(path, 'dir');
        this.dirs.set(path, this.dirMeta(e));
        return 'pass';
      case 'symlink':
        this.tree.set(path, 'symlink');
        this.everSymlink.add(path);
        return 'pass';
      case 'hardlink': {
        const t = normalizeMemberPath(e.linkname);
        if ('error' in t)
          throw unsafe(this.layer, e.name, `is a hard link to "${display(e.linkname)}", which ${t.error}`);
        if (t.path === '') throw unsafe(this.layer, e.name, 'is a hard link to the layer root');
        this.checkParents(e.name, t.path, `is a hard link below the symlink`);
        const targetKind = this.tree.get(t.path);
        if (targetKind === undefined || targetKind === 'dir') {
          throw unsafe(
            this.layer,
            e.name,
            `is a hard link to "${display(e.linkname)}", which is not an earlier file of this layer`,
          );
        }
        if (targetKind === 'symlink') {
          this.tree.set(path, 'symlink');
          this.everSymlink.add(path);
        } else this.tree.set(path, 'file');
        return 'pass';
      }
      default:
        this.tree.set(path, 'file');
        return 'pass';
    }
  }

  private kindOf(e: Entry): 'dir' | 'symlink' | 'hardlink' | 'file' {
    switch (e.type) {
      case '5':
        return 'dir';
      case '2':
        return 'symlink';
      case '1':
        return 'hardlink';
      case '0':
      case '7':
      case '3':
      case '4':
      case '6':
        return 'file';
      default:
        throw corrupt(this.layer, `entry "${display(e.name)}" has the unsupported type "${e.type}"`);
    }
  }

  private dirMeta(e: Entry): DirMeta {
    return { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime };
  }

  /** Refuses `path` when one of its proper ancestors is (or was) a symlink of this layer. */
  private checkParents(name: string, path: string, what = 'writes through the symlink'): void {
    let i = path.indexOf('/');
    while (i !== -1) {
      const prefix = path.slice(0, i);
      if (this.everSymlink.has(prefix)) throw unsafe(this.layer, name, `${what} "${display(prefix)}"`);
      i = path.indexOf('/', i + 1);
    }
  }
}

/** Runs a layer's uncompressed tar through the checks only (nothing is written). */
export async function scanLayerTar(
  source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  layer: string,
): Promise<LayerFilterStats> {
  const filter = new LayerTarFilter(layer);
  const sink = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  await pipeline(source, filter, sink);
  return filter.stats;
}
