/**
 * Phase 2 — interpolation of one parsed file (Compose spec 12-interpolation.md; compose-go
 * `interpolation/interpolation.go` with the loader's `interpolateTypeCastMapping`, loader/interpolate.go).
 * Every string VALUE is substituted (keys never are), then strings at the paths where the schema wants
 * a number or a boolean are cast, so `replicas: ${N}` validates as an integer. The cast applies to any
 * string there, quoted literals included (`privileged: "true"` becomes `true`), as in compose-go.
 */
import { ComposeError, formatYamlPath } from '../api/errors.js';
import {
  goQuote,
  InvalidTemplateError,
  type Lookup,
  MissingRequiredError,
  substitute,
  type WarningSink,
} from './template.js';
import type { Dict } from './yaml.js';

export interface InterpolateOptions {
  /** The interpolation environment (OS env, then `.env` / `--env-file`). */
  lookup: Lookup;
  /** Unset-variable and YAML 1.1 boolean warnings. */
  onWarning?: WarningSink;
}

type Caster = (value: string, warn: WarningSink | undefined) => unknown;

/** A cast failed; the message is Go's (`strconv.Atoi: parsing "x": invalid syntax`). */
class CastError extends Error {}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const DECIMAL_INT = /^[+-]?[0-9]+$/;

/** Go `strconv.Atoi` / `ParseInt(s, 10, 64)`: optional sign and decimal digits, 64-bit range. */
function parseGoInt(fn: string, value: string): number {
  if (!DECIMAL_INT.test(value)) throw new CastError(`${fn}: parsing ${goQuote(value)}: invalid syntax`);
  const big = BigInt(value);
  if (big > INT64_MAX || big < INT64_MIN) {
    throw new CastError(`${fn}: parsing ${goQuote(value)}: value out of range`);
  }
  return Number(big);
}

const GO_DECIMAL_FLOAT = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const GO_HEX_FLOAT = /^([+-]?)0[xX]((?:[0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)$/;
const GO_SPECIAL_FLOAT = /^(?:[+-]?(?:inf|infinity)|nan)$/i;

/** Go's `underscoreOK`: `_` only between digits (or after a base prefix). */
function underscoresOk(s: string): boolean {
  let body = s.replace(/^[+-]/, '');
  let saw = '^';
  let hex = false;
  if (/^0[xX]/.test(body)) {
    body = body.slice(2);
    saw = '0';
    hex = true;
  }
  for (const ch of body) {
    if ((ch >= '0' && ch <= '9') || (hex && /[a-fA-F]/.test(ch))) saw = '0';
    else if (ch === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/** Go `strconv.ParseFloat(s, 64|32)`: decimal, hex (`0x1p-2`), `inf`/`infinity`/`nan`. */
function parseGoFloat(value: string, bits: 32 | 64): number {
  const syntax = () => new CastError(`strconv.ParseFloat: parsing ${goQuote(value)}: invalid syntax`);
  let result: number;
  if (GO_SPECIAL_FLOAT.test(value)) {
    const lower = value.toLowerCase();
    result = lower === 'nan' ? Number.NaN : lower.startsWith('-') ? -Infinity : Infinity;
    return result;
  }
  if (value.includes('_') && !underscoresOk(value)) throw syntax();
  const clean = value.includes('_') ? value.replaceAll('_', '') : value;
  if (GO_DECIMAL_FLOAT.test(value)) {
    if (!/[0-9]/.test(clean)) throw syntax();
    result = Number(clean);
  } else {
    const hex = GO_HEX_FLOAT.exec(clean);
    if (!hex || !/[0-9a-fA-F]/.test(hex[2]!)) throw syntax();
    const [intPart = '', fracPart = ''] = hex[2]!.split('.');
    const mantissa = Number.parseInt(`${intPart}${fracPart}` || '0', 16);
    result = mantissa * 2 ** (Number(hex[3]) - 4 * fracPart.length) * (hex[1] === '-' ? -1 : 1);
  }
  if (bits === 32) {
    const f32 = Math.fround(result);
    if (!Number.isFinite(f32)) {
      throw new CastError(`strconv.ParseFloat: parsing ${goQuote(value)}: value out of range`);
    }
    return shortestFloat32(f32);
  }
  if (!Number.isFinite(result)) {
    throw new CastError(`strconv.ParseFloat: parsing ${goQuote(value)}: value out of range`);
  }
  return result;
}

/**
 * Go keeps `cpus` as a float32 and prints it with the fewest digits that round-trip in 32 bits
 * (`0.1`, not `0.10000000149011612`); the JS number closest to that text is what we keep.
 */
function shortestFloat32(f32: number): number {
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f32.toPrecision(p));
    if (Math.fround(candidate) === f32) return candidate;
  }
  return f32;
}

const toInt: Caster = (v) => parseGoInt('strconv.Atoi', v);
const toInt64: Caster = (v) => parseGoInt('strconv.ParseInt', v);
const toFloat: Caster = (v) => parseGoFloat(v, 64);
const toFloat32: Caster = (v) => parseGoFloat(v, 32);

/** YAML 1.1 booleans are still accepted, with compose-go's warning. */
const toBoolean: Caster = (v, warn) => {
  switch (v.toLowerCase()) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'y':
    case 'yes':
    case 'on':
      warn?.(`${goQuote(v)} for boolean is not supported by YAML 1.2, please use \`true\``);
      return true;
    case 'n':
    case 'no':
    case 'off':
      warn?.(`${goQuote(v)} for boolean is not supported by YAML 1.2, please use \`false\``);
      return false;
    default:
      throw new CastError(`invalid boolean: ${v}`);
  }
};

/**
 * compose-go's cast table. `*` matches any key or list item, `[]` any list item.
 * Paths are relative to the top of the file.
 */
const CAST_TABLE: ReadonlyArray<readonly [string, Caster]> = [
  ['services.*.cpu_count', toInt64],
  ['services.*.cpu_percent', toFloat],
  ['services.*.cpu_period', toInt64],
  ['services.*.cpu_quota', toInt64],
  ['services.*.cpu_rt_period', toInt64],
  ['services.*.cpu_rt_runtime', toInt64],
  ['services.*.cpus', toFloat32],
  ['services.*.cpu_shares', toInt64],
  ['services.*.init', toBoolean],
  ['services.*.depends_on.*.required', toBoolean],
  ['services.*.depends_on.*.restart', toBoolean],
  ['services.*.deploy.replicas', toInt],
  ['services.*.deploy.update_config.parallelism', toInt],
  ['services.*.deploy.update_config.max_failure_ratio', toFloat],
  ['services.*.deploy.rollback_config.parallelism', toInt],
  ['services.*.deploy.rollback_config.max_failure_ratio', toFloat],
  ['services.*.deploy.restart_policy.max_attempts', toInt],
  ['services.*.deploy.placement.max_replicas_per_node', toInt],
  ['services.*.healthcheck.retries', toInt],
  ['services.*.healthcheck.disable', toBoolean],
  ['services.*.oom_kill_disable', toBoolean],
  ['services.*.oom_score_adj', toInt64],
  ['services.*.pids_limit', toInt64],
  ['services.*.ports.[].target', toInt],
  ['services.*.privileged', toBoolean],
  ['services.*.read_only', toBoolean],
  ['services.*.scale', toInt],
  ['services.*.stdin_open', toBoolean],
  ['services.*.tty', toBoolean],
  ['services.*.ulimits.*', toInt],
  ['services.*.ulimits.*.hard', toInt],
  ['services.*.ulimits.*.soft', toInt],
  ['services.*.volumes.[].read_only', toBoolean],
  ['services.*.volumes.[].volume.nocopy', toBoolean],
  ['networks.*.external', toBoolean],
  ['networks.*.internal', toBoolean],
  ['networks.*.attachable', toBoolean],
  ['networks.*.enable_ipv4', toBoolean],
  ['networks.*.enable_ipv6', toBoolean],
  ['volumes.*.external', toBoolean],
  ['secrets.*.external', toBoolean],
  ['configs.*.external', toBoolean],
];

/** The cast table as a trie, so the walk knows at each level whether any cast can still apply. */
interface CastNode {
  children: Map<string, CastNode>;
  cast?: Caster;
}

const CAST_ROOT: CastNode = buildCastTrie();

function buildCastTrie(): CastNode {
  const root: CastNode = { children: new Map() };
  for (const [pattern, cast] of CAST_TABLE) {
    let node = root;
    for (const part of pattern.split('.')) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.cast = cast;
  }
  return root;
}

const NO_NODES: readonly CastNode[] = [];

/** Trie nodes reached from `nodes` through `segment` (a key, or `[]` for a list item). */
function step(nodes: readonly CastNode[], segment: string): readonly CastNode[] {
  if (nodes.length === 0) return NO_NODES;
  let out: CastNode[] | undefined;
  for (const node of nodes) {
    const exact = node.children.get(segment);
    const any = node.children.get('*');
    if (exact) (out ??= []).push(exact);
    if (any && any !== exact) (out ??= []).push(any);
  }
  return out ?? NO_NODES;
}

function casterOf(nodes: readonly CastNode[]): Caster | undefined {
  for (const node of nodes) if (node.cast) return node.cast;
  return undefined;
}

/** Sets `key` even when it is `__proto__`, which a plain assignment would swallow. */
function setOwn(target: Dict, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

class Interpolator {
  private readonly path: (string | number)[] = [];

  constructor(private readonly options: InterpolateOptions) {}

  walk(value: unknown, nodes: readonly CastNode[]): unknown {
    if (typeof value === 'string') return this.scalar(value, nodes);
    if (Array.isArray(value)) {
      const childNodes = step(nodes, '[]');
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        this.path.push(i);
        out[i] = this.walk(value[i], childNodes);
        this.path.pop();
      }
      return out;
    }
    if (value !== null && typeof value === 'object') return this.mapping(value as Dict, nodes);
    return value;
  }

  mapping(value: Dict, nodes: readonly CastNode[]): Dict {
    const out: Dict = {};
    for (const key of Object.keys(value)) {
      this.path.push(key);
      setOwn(out, key, this.walk(value[key], step(nodes, key)));
      this.path.pop();
    }
    return out;
  }

  private scalar(value: string, nodes: readonly CastNode[]): unknown {
    let text = value;
    if (value.includes('$')) {
      try {
        text = substitute(value, this.options.lookup, this.options.onWarning);
      } catch (err) {
        throw this.wrap(err);
      }
    }
    const cast = nodes.length === 0 ? undefined : casterOf(nodes);
    if (!cast) return text;
    try {
      return cast(text, this.options.onWarning);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** compose-go's `newPathError` wording, with the exact list index instead of `[]`. */
  private wrap(err: unknown): unknown {
    const path = [...this.path];
    const where = formatYamlPath(path);
    if (err instanceof InvalidTemplateError) {
      return new ComposeError(
        'COMPOSE_INTERPOLATION',
        `invalid interpolation format for ${where}.\nYou may need to escape any $ with another $.\n${err.template}`,
        { location: { path }, hint: 'write a literal $ as $$', cause: err },
      );
    }
    if (err instanceof MissingRequiredError) {
      return new ComposeError('COMPOSE_INTERPOLATION', `error while interpolating ${where}: ${err.message}`, {
        location: { path },
        hint: err.hint,
        cause: err,
      });
    }
    if (err instanceof CastError) {
      return new ComposeError(
        'COMPOSE_INTERPOLATION',
        `error while interpolating ${where}: failed to cast to expected type: ${err.message}`,
        { location: { path }, cause: err },
      );
    }
    return err;
  }
}

/**
 * Interpolates a whole parsed file and casts typed paths. Returns a new dict; the input is not
 * modified. Throws ComposeError `COMPOSE_INTERPOLATION` with `location.path` set to the failing value.
 */
export function interpolateModel(dict: Dict, options: InterpolateOptions): Dict {
  return new Interpolator(options).mapping(dict, [CAST_ROOT]);
}
