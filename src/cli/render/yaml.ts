/**
 * The YAML printer of `berth config`: what `docker compose config` prints, i.e. compose-go's
 * Project marshalled by go-yaml v4's legacy encoder (SetIndent(2), no line wrapping, sequences
 * indented under their key) followed by `$` → `$$` (cmd/compose/config.go: the printed model can be
 * loaded again without being interpolated twice).
 *
 * Key order and omissions come from ./shape.ts; this file decides how each scalar is written, the way
 * go-yaml does: a string that would read back as another type (number, bool incl. YAML 1.1 `yes`/`on`,
 * null, timestamp, base-60 number) is double-quoted, a multi-line string is a literal block, a string
 * that cannot be plain (indicator characters, leading/trailing spaces) is single-quoted, and one with
 * control characters is double-quoted. The `yaml` package does the writing.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Dict } from '../../compose/yaml.js';
import { marshalProject, marshalRaw, type Ordered } from './shape.js';

export interface YamlRenderOptions {
  /** Print the model as a raw map (every key sorted): `--no-interpolate`. */
  raw?: boolean;
  /** Re-escape `$` as `$$`: on unless the model was printed without interpolation. */
  escapeDollar?: boolean;
}

/** `docker compose config` (YAML) for a loaded project. */
export function renderYaml(project: Dict, options: YamlRenderOptions = {}): string {
  const ordered = options.raw ? marshalRaw(project, 'yaml') : marshalProject(project, 'yaml');
  const text = orderedToYaml(ordered);
  return options.escapeDollar === false ? text : text.replaceAll('$', () => '$$');
}

/** Writes an already-ordered value as YAML, go-yaml style. */
export function orderedToYaml(value: Ordered): string {
  const doc = new Document();
  doc.contents = toNode(value) as any;
  return doc.toString({
    indent: 2,
    indentSeq: true,
    lineWidth: 0,
    minContentWidth: 0,
    nullStr: 'null',
    trueStr: 'true',
    falseStr: 'false',
  });
}

function toNode(value: Ordered, isKey = false): unknown {
  if (value instanceof Map) {
    const m = new YAMLMap();
    for (const [k, v] of value) m.items.push(new Pair(toNode(k, true), toNode(v)));
    return m;
  }
  if (Array.isArray(value)) {
    const s = new YAMLSeq();
    for (const v of value) s.items.push(toNode(v));
    return s;
  }
  const scalar = new Scalar(value);
  if (typeof value === 'string') scalar.type = goStringStyle(value, isKey);
  return scalar;
}

type Style = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL';

/** The style go-yaml's encoder picks for a string, then libyaml's emitter downgrades if needed. */
export function goStringStyle(s: string, isKey = false): Style {
  const a = analyze(s);
  if (s.includes('\n')) {
    // A literal block, unless the emitter cannot write one (keys, trailing spaces, controls).
    return a.blockAllowed && !isKey ? 'BLOCK_LITERAL' : 'QUOTE_DOUBLE';
  }
  if (readsAsNonString(s)) return 'QUOTE_DOUBLE';
  if (a.plainAllowed) return 'PLAIN';
  return a.singleAllowed ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE';
}

const OLD_BOOLS = new Set(
  'y Y yes Yes YES n N no No NO on On ON off Off OFF true True TRUE false False FALSE'.split(' '),
);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS = /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_INT = /^[-+]?(0[bB][01]+|0[oO]?[0-7]+|0[xX][0-9a-fA-F]+|[1-9][0-9]*|0)$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?$/;

/** True when go-yaml's resolver would read the plain scalar back as something other than a string. */
function readsAsNonString(s: string): boolean {
  if (NULLS.has(s) || OLD_BOOLS.has(s) || SPECIAL_FLOATS.test(s)) return true;
  const first = s[0];
  if (!/[-+.0-9]/.test(first)) return false;
  const plain = s.replaceAll('_', ''); // Go's integer parsing accepts digit separators
  return GO_INT.test(plain) || YAML_FLOAT.test(plain) || BASE60.test(s) || TIMESTAMP.test(s);
}

const isBreak = (c: string | undefined): boolean =>
  c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlankOrEnd = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || isBreak(c);

function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** libyaml's scalar analysis (emitter.go yaml_emitter_analyze_scalar), block context. */
function analyze(s: string): { plainAllowed: boolean; singleAllowed: boolean; blockAllowed: boolean } {
  const chars = Array.from(s);
  if (chars.length === 0) return { plainAllowed: false, singleAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if ((s.startsWith('---') || s.startsWith('...')) && isBlankOrEnd(chars[3])) blockIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const followedByWhitespace = isBlankOrEnd(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) blockIndicators = true;
    } else if (c === ':' && followedByWhitespace) blockIndicators = true;
    else if (c === '#' && precededByWhitespace) blockIndicators = true;
    if (!isPrintable(c)) special = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(c);
  }
  let plainAllowed = true;
  let singleAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) plainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) plainAllowed = singleAllowed = false;
  if (spaceBreak || special) plainAllowed = singleAllowed = blockAllowed = false;
  if (lineBreaks || blockIndicators) plainAllowed = false;
  return { plainAllowed, singleAllowed, blockAllowed };
}
