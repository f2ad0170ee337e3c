/**
 * Short volume syntax → long syntax: compose-go `format.ParseVolume` + `transform/volume.go`
 * (spec 05-services.md#volumes): `[SOURCE:]TARGET[:MODE]`.
 * - a source starting with `.`, `/`, `~`, `\\` or a Windows drive (`C:`) is a bind mount (with
 *   `bind.create_host_path: true`, docker-compose v1's behaviour); anything else names a volume;
 * - no source (`/data`) is an anonymous volume; a spec of one or two characters is a bare target;
 * - MODE is a comma list: `ro`/`rw`, `nocopy`, SELinux `z`/`Z`, bind propagation (`rshared`, …);
 *   unknown options are ignored, as compose-go does;
 * - `:` inside `${…}` (uninterpolated models) and after a drive letter does not split;
 * - the target is cleaned like Go `path.Clean`.
 */
import { cleanPath } from '../paths.js';

/** A long-syntax volume entry as the canonical transform produces it (zero fields omitted). */
export interface VolumeEntry {
  type: 'bind' | 'volume';
  source?: string;
  target?: string;
  read_only?: true;
  bind?: { selinux?: string; propagation?: string; create_host_path?: true };
  volume?: { nocopy?: true };
}

/** A malformed volume spec. */
export class VolumeSpecError extends Error {}

const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);
const SELINUX = new Set(['z', 'Z']);
const LETTER = /^\p{L}$/u;

interface Parsed {
  source: string;
  target: string;
  readOnly: boolean;
  selinux?: string;
  propagation?: string;
  nocopy: boolean;
}

/** Parses a short-syntax volume spec. Throws {@link VolumeSpecError}. */
export function parseVolumeSpec(spec: string): VolumeEntry {
  if (spec.length === 0) throw new VolumeSpecError('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', target: cleanPath(spec) };

  const v: Parsed = { source: '', target: '', readOnly: false, nocopy: false };
  let buffer = '';
  let inVar = 0; // nesting depth of ${…}
  const n = spec.length;
  for (let i = 0; i <= n; i++) {
    const end = i === n;
    const c = end ? '' : spec[i]!;
    if (c === '$' && spec[i + 1] === '{') {
      inVar++;
      buffer += c;
      continue;
    }
    if (c === '}' && inVar > 0) {
      inVar--;
      buffer += c;
      continue;
    }
    if (c === ':' && buffer.length === 1 && LETTER.test(buffer)) {
      buffer += c; // Windows drive letter, `C:\…`
    } else if ((c === ':' || end) && inVar === 0) {
      const err = populateField(v, buffer, end);
      if (err) throw new VolumeSpecError(`invalid spec: ${spec}: ${err}`);
      buffer = '';
    } else {
      buffer += c;
    }
  }
  return toEntry(v);
}

/** Fills the next field (source, target, then mode options); returns an error text. */
function populateField(v: Parsed, buffer: string, end: boolean): string | undefined {
  if (buffer.length === 0) return 'empty section between colons';
  if (v.source === '' && end) {
    v.target = buffer; // anonymous volume
    return undefined;
  }
  if (v.source === '') {
    v.source = buffer;
    return undefined;
  }
  if (v.target === '') {
    v.target = buffer;
    return undefined;
  }
  if (!end) return 'too many colons';
  for (const option of buffer.split(',')) {
    if (option === 'ro') v.readOnly = true;
    else if (option === 'rw') v.readOnly = false;
    else if (option === 'nocopy') v.nocopy = true;
    else if (PROPAGATIONS.has(option)) v.propagation = option;
    else if (SELINUX.has(option)) v.selinux = option;
  }
  return undefined;
}

function toEntry(v: Parsed): VolumeEntry {
  const isBind = isFilePath(v.source);
  const entry: VolumeEntry = { type: isBind ? 'bind' : 'volume' };
  if (v.source !== '') entry.source = v.source;
  if (v.target !== '') entry.target = cleanPath(v.target);
  if (v.readOnly) entry.read_only = true;
  if (isBind || v.selinux !== undefined || v.propagation !== undefined) {
    const bind: NonNullable<VolumeEntry['bind']> = {};
    if (v.selinux !== undefined) bind.selinux = v.selinux;
    if (v.propagation !== undefined) bind.propagation = v.propagation;
    if (isBind) bind.create_host_path = true;
    entry.bind = bind;
  }
  if (v.nocopy) entry.volume = { nocopy: true };
  else if (!isBind) entry.volume = {};
  return entry;
}

/** compose-go isFilePath: what makes a short-syntax source a host path rather than a volume name. */
function isFilePath(source: string): boolean {
  if (source === '') return false;
  const c = source[0];
  if (c === '.' || c === '/' || c === '~') return true;
  if (source.startsWith('\\\\')) return true;
  const first = String.fromCodePoint(source.codePointAt(0)!);
  return source.length > first.length && source[first.length] === ':' && LETTER.test(first);
}
