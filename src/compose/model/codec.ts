/**
 * Field codecs: how compose-go's mapstructure decoding into `types.*` and its JSON encoding turn one
 * model value into what `docker compose config --format json` prints. Each codec mirrors one Go type:
 * its `DecodeMapstructure` (or mapstructure's default conversion plus compose-go's `cast` hook) and its
 * JSON form, `omitempty` included. A codec returns {@link OMIT} where Go's JSON leaves the key out.
 */
import { ComposeError, formatYamlPath } from '../../api/errors.js';
import { goSprint, listToMapping, MappingListError, setOwn } from '../canonical/mappings.js';
import type { Dict } from '../yaml.js';
import { ShellWordsError, splitShellWords } from './shellwords.js';
import {
  formatBytes,
  formatFileMode,
  formatGoDuration,
  parseBytes,
  parseDurationNs,
  UnitError,
} from './units.js';

/** Marks a value Go's JSON encoding omits. */
export const OMIT: unique symbol = Symbol('omit');
export type Out = unknown;

/** The YAML path of the value being decoded; a shared stack, copied only into errors. */
export type Path = Array<string | number>;

export interface Codec {
  /** Converts a present (non-undefined) value. */
  decode(value: unknown, path: Path): Out;
  /** What Go prints when the key is absent (a zero value without `omitempty`); undefined: nothing. */
  absent?: () => Out;
}

export function fail(path: Path, message: string, hint?: string): never {
  const at = [...path];
  throw new ComposeError('COMPOSE_INVALID', `${formatYamlPath(at)}: ${message}`, {
    location: { path: at },
    hint,
  });
}

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

// ---- scalars ---------------------------------------------------------------------------------------

/** A string; numbers and booleans are spelled as Go's fmt.Sprint would (compose-go's cast hook). */
function toStr(v: unknown, path: Path): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return goSprint(v);
  return fail(path, `expected a string, got ${kind(v)}`);
}

/** `string` with `omitempty`. */
export const str: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    const s = toStr(v, p);
    return s === '' ? OMIT : s;
  },
};

/** `string` without `omitempty`: always printed. */
export const strKeep: Codec = { decode: (v, p) => (v === null ? '' : toStr(v, p)), absent: () => '' };

const INT = /^[+-]?[0-9]+$/;

function toInt(v: unknown, path: Path, unsigned = false): number {
  let n: number;
  if (typeof v === 'number')
    n = Math.trunc(v); // mapstructure truncates floats into int fields
  else if (typeof v === 'string' && INT.test(v)) n = Number(v);
  else return fail(path, `invalid integer ${typeof v === 'string' ? JSON.stringify(v) : `(${kind(v)})`}`);
  if (unsigned && n < 0) fail(path, `${n} overflows an unsigned integer`);
  return n;
}

/** `int`/`int64` with `omitempty`. */
export const int: Codec = { decode: (v, p) => (v === null ? OMIT : toInt(v, p) || OMIT) };
/** `uint` with `omitempty`. */
export const uint: Codec = { decode: (v, p) => (v === null ? OMIT : toInt(v, p, true) || OMIT) };
/** `*int` / `*uint64`: printed when set, even 0. */
export const intPtr: Codec = { decode: (v, p) => (v === null ? OMIT : toInt(v, p)) };
export const uintPtr: Codec = { decode: (v, p) => (v === null ? OMIT : toInt(v, p, true)) };
/** `int` without `omitempty`. */
export const intKeep: Codec = { decode: (v, p) => (v === null ? 0 : toInt(v, p)), absent: () => 0 };

const FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function toFloat(v: unknown, path: Path): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && FLOAT.test(v)) return Number(v);
  return fail(path, `invalid number ${typeof v === 'string' ? JSON.stringify(v) : `(${kind(v)})`}`);
}

/** The shortest decimal that reads back as the same float32, as Go prints a float32. */
function float32Of(n: number): number {
  const f = Math.fround(n);
  if (f === n) return n;
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

/** `float64` with `omitempty`. */
export const float64: Codec = { decode: (v, p) => (v === null ? OMIT : toFloat(v, p) || OMIT) };
/** `float32` (and NanoCPUs) with `omitempty`. */
export const float32: Codec = { decode: (v, p) => (v === null ? OMIT : float32Of(toFloat(v, p)) || OMIT) };

/** compose-go's toBoolean: YAML 1.1 spellings are still accepted in strings. */
function toBool(v: unknown, path: Path): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    switch (v.toLowerCase()) {
      case 'true':
      case 'y':
      case 'yes':
      case 'on':
        return true;
      case 'false':
      case 'n':
      case 'no':
      case 'off':
        return false;
    }
  }
  return fail(path, `invalid boolean: ${typeof v === 'string' ? v : kind(v)}`, 'use true or false');
}

/** `bool` with `omitempty`. */
export const bool: Codec = { decode: (v, p) => (v === null ? OMIT : toBool(v, p) || OMIT) };
/** `*bool`: printed when set, even false. */
export const boolPtr: Codec = { decode: (v, p) => (v === null ? OMIT : toBool(v, p)) };
/** `bool` without `omitempty`. */
export const boolKeep: Codec = { decode: (v, p) => (v === null ? false : toBool(v, p)), absent: () => false };
/**
 * OptOut (`env_file.required`, `bind.create_host_path`): a boolean defaulting to true. compose-go's
 * JSON prints it only when false; the model keeps both values (the config printer drops `true`).
 */
export const optOut: Codec = { decode: (v, p) => (v === null ? false : toBool(v, p)), absent: () => false };

// ---- units -----------------------------------------------------------------------------------------

/** UnitBytes: integers as is, strings through RAMInBytes; printed as a decimal string. */
function bytesOf(v: unknown, path: Path): number {
  if (typeof v === 'number') return Number.isInteger(v) ? v : 0; // compose-go ignores floats here
  if (typeof v === 'string') {
    try {
      return parseBytes(v);
    } catch (err) {
      if (err instanceof UnitError) {
        fail(
          path,
          `invalid size ${JSON.stringify(v)}: ${err.message}`,
          'use a byte count or a size like "512m", "1g", "64MiB"',
        );
      }
      throw err;
    }
  }
  return 0;
}

/** UnitBytes with `omitempty`. */
export const bytes: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    const n = bytesOf(v, p);
    return n === 0 ? OMIT : formatBytes(n);
  },
};
/** UnitBytes without `omitempty` (blkio `rate`). */
export const bytesKeep: Codec = {
  decode: (v, p) => formatBytes(v === null ? 0 : bytesOf(v, p)),
  absent: () => '0',
};

function durationOf(v: unknown, path: Path): bigint {
  const s = goSprint(v);
  try {
    return parseDurationNs(s);
  } catch (err) {
    if (err instanceof UnitError) {
      fail(
        path,
        `invalid duration ${JSON.stringify(s)}: ${err.message}`,
        'use a duration such as "10s", "1m30s" or "1h"',
      );
    }
    throw err;
  }
}

/** `*Duration`: printed when set, even `0s`. */
export const durationPtr: Codec = {
  decode: (v, p) => (v === null ? OMIT : formatGoDuration(durationOf(v, p))),
};
/** `Duration` with `omitempty` (an int64: zero is left out). */
export const duration: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    const ns = durationOf(v, p);
    return ns === 0n ? OMIT : formatGoDuration(ns);
  },
};

/** `*FileMode`: an octal string (`"0440"`) from an octal string or an integer. */
export const fileMode: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (typeof v === 'number' && Number.isInteger(v)) return formatFileMode(v);
    if (typeof v === 'string' && /^[+-]?[0-7]+$/.test(v)) return formatFileMode(Number.parseInt(v, 8));
    return fail(p, `invalid file mode ${JSON.stringify(v)}`, 'use an octal mode such as "0440"');
  },
};

/** DeviceCount: a number, or `all` (-1). */
export const deviceCount: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    let n: number;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string') {
      if (v.toLowerCase() === 'all') n = -1;
      else if (INT.test(v)) n = Number(v);
      else return fail(p, `invalid value ${JSON.stringify(v)}, the only value allowed is 'all' or a number`);
    } else return fail(p, `invalid type ${kind(v)} for device count`);
    return n === 0 ? OMIT : n;
  },
};

// ---- lists -----------------------------------------------------------------------------------------

function stringsOf(v: unknown[], path: Path, strict: boolean): string[] {
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (typeof e === 'string') out[i] = e;
    else if (!strict && (typeof e === 'number' || typeof e === 'boolean')) out[i] = goSprint(e);
    else if (e === null && !strict) out[i] = '';
    else {
      path.push(i);
      fail(path, `expected a string, got ${kind(e)}`);
    }
  }
  return out;
}

/** `[]string` with `omitempty`; numbers are spelled out (`group_add: [0]`). */
export const strings: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (!Array.isArray(v)) return fail(p, `expected a list, got ${kind(v)}`);
    return v.length === 0 ? OMIT : stringsOf(v, p, false);
  },
};

/** StringList / StringOrNumberList: a string or a list, with `omitempty`. */
export const stringOrList: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v)) return fail(p, `expected a string or a list, got ${kind(v)}`);
    return v.length === 0 ? OMIT : stringsOf(v, p, false);
  },
};

/**
 * ShellCommand (`command`, `entrypoint`, hooks): a string is split like a shell would (go-shellwords);
 * `[]` and `""` stay an explicit empty command. compose-go prints an unset command as `null`; the model
 * leaves it out.
 */
export const shellCommand: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (typeof v === 'string') {
      try {
        return splitShellWords(v);
      } catch (err) {
        if (err instanceof ShellWordsError)
          fail(p, `${err.message}: ${v}`, 'quote the parentheses, or use the list form');
        throw err;
      }
    }
    if (Array.isArray(v)) return stringsOf(v, p, false);
    return fail(p, `expected a string or a list, got ${kind(v)}`);
  },
};

/** HealthCheckTest: a string means `["CMD-SHELL", string]`. */
export const healthTest: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (typeof v === 'string') return ['CMD-SHELL', v];
    if (!Array.isArray(v)) return fail(p, `unexpected type ${kind(v)} for healthcheck.test`);
    return v.length === 0 ? OMIT : stringsOf(v, p, false);
  },
};

// ---- mappings --------------------------------------------------------------------------------------

/** Keys in code-unit order, as Go's JSON encoder sorts map keys (byte order, the same for BMP text). */
function sortedKeys(o: Dict): string[] {
  const keys = Object.keys(o);
  if (keys.length > 1) keys.sort();
  return keys;
}

function stringMap(v: unknown, path: Path, value: (e: unknown) => string | null, what: string): Out {
  if (v === null) return OMIT;
  if (!isDict(v)) return fail(path, `expected a mapping for ${what}, got ${kind(v)}`);
  const keys = sortedKeys(v);
  if (keys.length === 0) return OMIT;
  const out: Dict = {};
  for (const k of keys) setOwn(out, k, value(v[k]));
  return out;
}

const nullable = (e: unknown): string | null => (e === null || e === undefined ? null : goSprint(e));
const emptyIfNull = (e: unknown): string => (e === null || e === undefined ? '' : goSprint(e));

function listAsMapping(v: unknown, path: Path, bare: 'null' | 'empty', checkSpaces: boolean): unknown {
  if (!Array.isArray(v)) return v;
  try {
    return listToMapping(v, bare, checkSpaces);
  } catch (err) {
    if (err instanceof MappingListError) fail(path, err.message, 'remove the space before `=`');
    throw err;
  }
}

/** MappingWithEquals (`environment`, `build.args`): `KEY` without a value is `null`. */
export const mappingWithEquals: Codec = {
  decode: (v, p) => stringMap(listAsMapping(v, p, 'null', true), p, nullable, 'environment'),
};
/** Labels, Mapping (`labels`, `annotations`, `sysctls`…): a missing value is `""`. */
export const labels: Codec = {
  decode: (v, p) => stringMap(listAsMapping(v, p, 'empty', false), p, emptyIfNull, 'labels'),
};
/** Options and `map[string]string` (`driver_opts`, `logging.options`…): mappings only. */
export const options: Codec = { decode: (v, p) => stringMap(v, p, emptyIfNull, 'options') };

/** MultiOptions (`provider.options`): every value a list of strings. */
export const multiOptions: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (!isDict(v)) return fail(p, `expected a mapping for options, got ${kind(v)}`);
    const keys = sortedKeys(v);
    if (keys.length === 0) return OMIT;
    const out: Dict = {};
    for (const k of keys) {
      const e = v[k];
      setOwn(out, k, Array.isArray(e) ? e.map(goSprint) : [goSprint(e)]);
    }
    return out;
  },
};

/**
 * HostsList (`extra_hosts`): `host=ip`/`host:ip` strings, `ip1,ip2` lists, or a host → ip(s) mapping;
 * printed as a sorted `host=ip` list, IPv6 brackets removed.
 */
export const hostsList: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    const entries: Array<[string, string]> = [];
    if (isDict(v)) {
      for (const host of Object.keys(v)) {
        const e = v[host];
        if (e === null || typeof e === 'string') entries.push([host, e ?? '']);
        else if (Array.isArray(e)) for (const ip of e) entries.push([host, goSprint(ip)]);
        else fail(p, `unexpected value type ${kind(e)} for extra_hosts entry`);
      }
    } else if (Array.isArray(v)) {
      for (const item of v) {
        const s = goSprint(item);
        let cut = s.indexOf('=');
        if (cut < 0) cut = s.indexOf(':');
        if (cut < 0)
          fail(p, `invalid additional host, missing IP: ${s}`, 'use HOST=IP, e.g. "somehost=162.242.195.82"');
        const host = s.slice(0, cut);
        for (const ip of s.slice(cut + 1).split(',')) entries.push([host, ip]);
      }
    } else {
      return fail(p, `unexpected value type ${kind(v)} for extra_hosts`);
    }
    const out: string[] = [];
    for (const [host, ip] of entries) {
      if (host === '' || host.includes(':') || host.includes('=')) fail(p, `bad host name '${host}'`);
      const bare = ip.length > 2 && ip[0] === '[' && ip[ip.length - 1] === ']' ? ip.slice(1, -1) : ip;
      out.push(`${host}=${bare}`);
    }
    if (out.length === 0) return OMIT;
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  },
};

/**
 * SSHConfig (`build.ssh`): `{id: path|null}` (or the list form) → entries `id` or `id=path`.
 * (compose-go's own JSON writes `"id": path` there, which is not valid JSON; berth uses the CLI form.)
 */
export const sshConfig: Codec = {
  decode: (v, p) => {
    if (v === null) return OMIT;
    if (Array.isArray(v)) return v.length === 0 ? OMIT : stringsOf(v, p, false);
    if (!isDict(v)) return fail(p, `invalid ssh config type ${kind(v)}`);
    const keys = Object.keys(v);
    if (keys.length === 0) return OMIT;
    return keys.map((id) => (v[id] === null || v[id] === undefined ? id : `${id}=${goSprint(v[id])}`));
  },
};

/** UlimitsConfig: a single value prints as a number, soft/hard as `{soft, hard}` (zeros omitted). */
export const ulimit: Codec = {
  decode: (v, p) => {
    if (v === null) return null;
    if (typeof v === 'number' || typeof v === 'string') {
      const n = toInt(v, p);
      return n === 0 ? {} : n;
    }
    if (!isDict(v)) return fail(p, `unexpected value type ${kind(v)} for ulimit`);
    const out: Dict = {};
    if (v.soft != null) {
      p.push('soft');
      const soft = toInt(v.soft, p);
      p.pop();
      if (soft !== 0) out.soft = soft;
    }
    if (v.hard != null) {
      p.push('hard');
      const hard = toInt(v.hard, p);
      p.pop();
      if (hard !== 0) out.hard = hard;
    }
    copyExtensions(v, out);
    return out;
  },
};

// ---- composites ------------------------------------------------------------------------------------

/** Extensions (`x-*`) are kept where they appear (compose-go keeps them in `#extensions`). */
function copyExtensions(from: Dict, to: Dict): void {
  for (const k in from) {
    if (k.startsWith('x-') && Object.hasOwn(from, k)) setOwn(to, k, from[k]);
  }
}

export interface StructOptions {
  /** A pointer field: omitted when unset (a plain struct prints even when empty). */
  ptr?: boolean;
  /** Strings pass through unchanged (short syntax left as is when interpolation was skipped). */
  passStrings?: boolean;
}

/** A Go struct: fields in declaration order, unknown keys dropped, `x-*` kept after the fields. */
export function struct(fields: Record<string, Codec>, opts: StructOptions = {}): Codec {
  const names = Object.keys(fields);
  const codecs = names.map((n) => fields[n]!);
  const n = names.length;
  const absent = codecs.map((c) => c.absent);
  const index: Record<string, number> = Object.create(null);
  names.forEach((name, i) => {
    index[name] = i;
  });
  // One pass over the keys present slots them by field position; a second pass over the slots emits
  // them in declaration order, with the zero values Go prints even when unset; `x-*` come last.
  const decodeDict = (v: Dict, path: Path): Dict => {
    const slots = new Array<unknown>(n);
    let ext: string[] | undefined;
    for (const k in v) {
      const i = index[k];
      if (i !== undefined) slots[i] = v[k];
      else if (k.startsWith('x-')) (ext ??= []).push(k);
    }
    const out: Dict = {};
    for (let i = 0; i < n; i++) {
      const value = slots[i];
      let r: Out;
      if (value === undefined) {
        const zero = absent[i];
        if (zero === undefined) continue;
        r = zero();
      } else {
        path.push(names[i]!);
        r = codecs[i]!.decode(value, path);
        path.pop();
      }
      if (r !== OMIT) out[names[i]!] = r;
    }
    if (ext) for (const k of ext) setOwn(out, k, v[k]);
    return out;
  };
  const codec: Codec = {
    decode: (v, p) => {
      if (v === null) return opts.ptr ? OMIT : decodeDict({}, p);
      if (typeof v === 'string' && opts.passStrings) return v;
      if (!isDict(v)) return fail(p, `expected a mapping, got ${kind(v)}`);
      return decodeDict(v, p);
    },
  };
  if (!opts.ptr) codec.absent = () => decodeDict({}, []);
  return codec;
}

/** `[]T` with `omitempty`. */
export function listOf(item: Codec): Codec {
  return {
    decode: (v, p) => {
      if (v === null) return OMIT;
      if (!Array.isArray(v)) return fail(p, `expected a list, got ${kind(v)}`);
      if (v.length === 0) return OMIT;
      const out = new Array<Out>(v.length);
      for (let i = 0; i < v.length; i++) {
        p.push(i);
        const r = item.decode(v[i] ?? null, p);
        p.pop();
        out[i] = r === OMIT ? null : r;
      }
      return out;
    },
  };
}

export interface MapOptions {
  /** Always printed, `{}` when empty (Project.services). */
  keep?: boolean;
}

/** `map[string]T` / `map[string]*T`, keys sorted like Go's JSON encoder. */
export function mapOf(value: Codec, opts: MapOptions = {}): Codec {
  const codec: Codec = {
    decode: (v, p) => {
      if (v === null) return opts.keep ? {} : OMIT;
      if (!isDict(v)) return fail(p, `expected a mapping, got ${kind(v)}`);
      const keys = sortedKeys(v);
      if (keys.length === 0 && !opts.keep) return OMIT;
      const out: Dict = {};
      for (const k of keys) {
        p.push(k);
        const r = value.decode(v[k] ?? null, p);
        p.pop();
        setOwn(out, k, r === OMIT ? null : r);
      }
      return out;
    },
  };
  if (opts.keep) codec.absent = () => ({});
  return codec;
}
