/**
 * `list_or_dict` attributes (spec 05-services.md#environment, #labels, …) in their mapping form, as
 * compose-go's typed decoding reads a `KEY=VALUE` list (types/mapping.go, types/labels.go):
 * - `environment`, `build.args` and hook environments keep a bare `KEY` as `null` ("take it from the
 *   project environment"), and reject a key ending in whitespace;
 * - labels, annotations, sysctls and the like map a bare `KEY` to `""`.
 * Values of the mapping form are left as written; the typed model stringifies them.
 */

/** How a bare `KEY` (no `=`) reads. */
export type BareKey = 'null' | 'empty';

/** A `KEY=VALUE` list that cannot be read as a mapping; the message is compose-go's. */
export class MappingListError extends Error {}

/** Defines `key` as an own enumerable property, even `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * A `KEY=VALUE` list as a mapping; later duplicates win. A mapping (or anything else) is returned as is.
 * `checkTrailingSpace` is compose-go's MappingWithEquals rule.
 */
export function listToMapping(value: unknown, bare: BareKey, checkTrailingSpace: boolean): unknown {
  if (!Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const item of value) {
    const s = typeof item === 'string' ? item : goSprint(item);
    const eq = s.indexOf('=');
    const key = eq < 0 ? s : s.slice(0, eq);
    if (checkTrailingSpace && key !== '' && /\s$/u.test(key)) {
      throw new MappingListError(`environment variable ${key} is declared with a trailing space`);
    }
    setOwn(out, key, eq < 0 ? (bare === 'null' ? null : '') : s.slice(eq + 1));
  }
  return out;
}

/**
 * Go's `fmt.Sprint` of a decoded YAML scalar (what compose-go's typed decoding does to non-string
 * values): integers as digits, floats in `%v` form (`1e-05`, `1.5e+06`), booleans as words.
 */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goSprint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `map[${keys.map((k) => `${k}:${goSprint(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/**
 * `%v` of a number. YAML integers decode to Go ints, printed as digits; other values follow
 * strconv's shortest `%g`, which switches to an exponent below 1e-4 or from 1e6 on.
 */
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  // toExponential() gives the shortest round-trip digits, like strconv's shortest formatting.
  const [mantissa, e] = n.toExponential().split('e') as [string, string];
  const exponent = Number(e);
  if (exponent < -4 || exponent >= 6) {
    const abs = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  return String(n);
}
