/**
 * The unit-bearing scalars of the Compose model, read and written the way compose-go does:
 * - durations (`stop_grace_period`, healthcheck timings, deploy delays…): parsed by
 *   xhit/go-str2duration v2 (Go's `time.ParseDuration` plus `d` and `w` units), printed by Go's
 *   `time.Duration.String()` (`"1m30s"`, `"1h0m0s"`, `"1.5s"`, `"500ms"`);
 * - byte sizes (`mem_limit`, `shm_size`, `tmpfs.size`, blkio rates…): a plain integer, or docker/go-units
 *   `RAMInBytes` (`512m`, `1.5GiB`, `640kb`: binary multiples, case-insensitive, optional `b`/`ib`);
 * - file modes: octal strings (`"0440"`).
 */

/** A malformed duration or size; the message is the Go library's, without its package prefix. */
export class UnitError extends Error {}

const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const SECOND = 1000n * MS;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
const UNITS: Record<string, bigint> = {
  ns: NS,
  us: US,
  µs: US, // U+00B5 micro sign
  μs: US, // U+03BC Greek mu
  ms: MS,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: 24n * HOUR,
  w: 168n * HOUR,
};
const MAX_INT64 = (1n << 63n) - 1n;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Parses a Go duration (`1h30m`, `1.5h`, `90s`, `2d`, `-1m`, `0`) into nanoseconds, exactly.
 * A bare number other than `0` is an error ("missing unit"), as in compose-go.
 */
export function parseDurationNs(input: string): bigint {
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalidDuration(input);
  let total = 0n;
  let i = 0;
  while (i < s.length) {
    if (!(s[i] === '.' || isDigit(s[i]))) throw invalidDuration(input);
    // Integer part.
    const intStart = i;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > 1n << 63n) throw invalidDuration(input);
      i++;
    }
    const pre = i > intStart;
    // Fraction part: digits beyond int64 precision are consumed but ignored, as Go does.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      let overflow = false;
      while (isDigit(s[i])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
          if (f > MAX_INT64 / 10n || y > 1n << 63n) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        i++;
      }
      post = i > fracStart;
    }
    if (!pre && !post) throw invalidDuration(input);
    // Unit: everything up to the next digit or dot.
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    if (i === unitStart) throw new UnitError(`missing unit in duration ${quote(input)}`);
    const u = s.slice(unitStart, i);
    const unit = UNITS[u];
    if (unit === undefined) throw new UnitError(`unknown unit ${quote(u)} in duration ${quote(input)}`);
    if (v > MAX_INT64 / unit) throw invalidDuration(input);
    v *= unit;
    if (f > 0n) {
      // Go computes the fractional part in float64 (nanosecond-accurate up to hours).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_INT64) throw invalidDuration(input);
    }
    total += v;
    if (total > MAX_INT64) throw invalidDuration(input);
  }
  return neg ? -total : total;
}

function invalidDuration(input: string): UnitError {
  return new UnitError(`invalid duration ${quote(input)}`);
}

/** {@link parseDurationNs} as a number of nanoseconds (exact below 2^53 ns, about 104 days). */
export function parseDuration(input: string): number {
  return Number(parseDurationNs(input));
}

/** Go's `time.Duration.String()`: `0s`, `1.5µs`, `500ms`, `1m30s`, `1h0m0s`, `-2s`. */
export function formatGoDuration(ns: bigint | number): string {
  let u = typeof ns === 'bigint' ? ns : BigInt(Math.trunc(ns));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (u < US) {
      unit = 'ns';
      prec = 0;
    } else if (u < MS) {
      unit = 'µs';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const [frac, whole] = fraction(u, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, seconds] = fraction(u, 9);
    out = `${seconds % 60n}${frac}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      out = `${minutes % 60n}m${out}`;
      const hours = minutes / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's fmtFrac: the `prec` low decimal digits of `v` as `.ddd` without trailing zeros, and the rest. */
function fraction(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    print = print || d !== 0n;
    if (print) digits = `${d}${digits}`;
    v /= 10n;
  }
  return [print ? `.${digits}` : '', v];
}

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const INT = /^[+-]?[0-9]+$/;
const FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * compose-go UnitBytes: a signed integer (`-1`, `1024`), else go-units `RAMInBytes` (`512m`, `1g`,
 * `64MiB`, `1.5 GB`: binary multiples; fractional results are truncated; negative sizes rejected).
 */
export function parseBytes(input: string): number {
  if (INT.test(input)) return Number(input);
  let sep = -1;
  for (let i = input.length - 1; i >= 0; i--) {
    const c = input[i]!;
    if (isDigit(c) || c === '.' || c === ' ') {
      sep = i;
      break;
    }
  }
  if (sep < 0) throw new UnitError(`invalid size: '${input}'`);
  const num = input[sep] === ' ' ? input.slice(0, sep) : input.slice(0, sep + 1);
  let sfx = input.slice(sep + 1);
  if (!FLOAT.test(num)) throw new UnitError(`invalid size: '${input}'`);
  let size = Number(num);
  if (size < 0) throw new UnitError(`invalid size: '${input}'`);
  if (sfx.length === 0) return Math.trunc(size);
  if (sfx.length > 3) throw invalidSuffix(sfx);
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw invalidSuffix(sfx);
    return Math.trunc(size);
  }
  const mul = BINARY[sfx[0]!];
  if (mul === undefined) throw invalidSuffix(sfx);
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib'))
    throw invalidSuffix(sfx);
  return Math.trunc(size);
}

function invalidSuffix(sfx: string): UnitError {
  return new UnitError(`invalid suffix: '${sfx}'`);
}

/** A byte count in compose-go's JSON form: a decimal string. */
export function formatBytes(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
}

/** compose-go FileMode.String(): `0` followed by the octal digits (`0440`). */
export function formatFileMode(mode: number): string {
  return mode < 0 ? `0-${(-mode).toString(8)}` : `0${mode.toString(8)}`;
}

/** Go's `%q` for the plain strings that appear in these messages. */
function quote(s: string): string {
  return JSON.stringify(s);
}
