/**
 * Phase 1 — parse. YAML 1.2 (core schema) into plain JS values, the way compose-go's go-yaml v4 decoding
 * plus its ResetProcessor see a file (spec 13-merge.md, `!reset` / `!override`):
 * - anchors, aliases and `<<` merge keys resolve within one document; explicit keys beat merged ones,
 *   and earlier merge sources beat later ones;
 * - a duplicate key (`<<` included) is an error: `mapping key "x" already defined at line N`;
 * - `!reset` drops the value and records its path; `!override` keeps it and records its path; the
 *   merge phase deletes recorded paths from the earlier model before merging this one in;
 * - alias bombs fail fast with go-yaml's "excessive aliasing", self-referencing anchors with a cycle error.
 * Every key's position is available from a {@link SourceMap} so later phases can point at file:line:col.
 *
 * Two parsers, one behaviour. {@link parseYamlExact} (the `yaml` library's Document API) is the
 * reference: it defines every value, message and position. {@link parseYamlFast} (js-yaml, ~10x
 * faster) handles ordinary files and steps aside — the exact parser then runs — whenever it cannot
 * prove the result identical. Positions are only computed (by the exact parser) when first asked for.
 */

import { createRequire } from 'node:module';
import { Schema as JsYamlSchema, Type as JsYamlType, loadAll as jsYamlLoadAll } from 'js-yaml';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { ComposeError, type YamlPath } from '../api/errors.js';

/**
 * The `yaml` library (exact parsing and positions) loads only when the fast path steps aside or an
 * error needs a position: most loads never need it, and it costs ~40 ms of start-up.
 */
let yamlModule: typeof import('yaml') | undefined;
function yamlLib(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}

export type Dict = Record<string, any>;

/** One key's or item's position in a file. 1-based. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Positions of every path in one parsed document. A map made by the fast path is lazy: it keeps the
 * file text and builds its index with the exact parser the first time a position is asked for, so
 * the happy path (no error to locate) never pays for positions.
 */
export class SourceMap {
  readonly file: string;
  private readonly positions = new Map<string, Position>();
  private build: (() => void) | undefined;

  constructor(file: string, build?: () => void) {
    this.file = file;
    this.build = build;
  }

  static key(path: YamlPath): string {
    return path.join('\u001f');
  }

  set(path: YamlPath, pos: Position): void {
    this.ensure();
    const k = SourceMap.key(path);
    if (!this.positions.has(k)) this.positions.set(k, pos);
  }

  get(path: YamlPath): Position | undefined {
    this.ensure();
    return this.positions.get(SourceMap.key(path));
  }

  /** Takes every position of `other` not set here yet (used to fill a lazy map). */
  adopt(other: SourceMap): void {
    for (const [k, pos] of other.positions) if (!this.positions.has(k)) this.positions.set(k, pos);
  }

  private ensure(): void {
    const build = this.build;
    if (build === undefined) return;
    this.build = undefined;
    build();
  }
}

/** A parsed document: its value, the `!reset`/`!override` paths, and positions. */
export interface ParsedDocument {
  value: unknown;
  /** Dotted paths (compose-go's tree.Path form) tagged `!reset` or `!override`. */
  resetPaths: string[];
  sourceMap: SourceMap;
}

export interface ParseOptions {
  /** Upper bound on nodes visited while expanding aliases (compose-go: 100 000). */
  maxNodeVisits?: number;
}

const RESET = '!reset';
const OVERRIDE = '!override';

/**
 * Parses every document of a YAML stream. `file` is used for messages and positions only.
 *
 * Two parsers, one behaviour: a fast path on js-yaml handles the common case, and anything it cannot
 * decide exactly (errors of any kind, non-string keys, odd merge keys, repeated anchors, tags other
 * than `!reset`/`!override`, explicit `?` keys, directives, near-bomb aliasing…) is re-parsed by
 * {@link parseYamlExact}, which produces today's values, messages and positions.
 */
export function parseYaml(text: string, file: string, options: ParseOptions = {}): ParsedDocument[] {
  return parseYamlFast(text, file, options) ?? parseYamlExact(text, file, options);
}

/**
 * The exact parser: the `yaml` library's Document API, with positions for every key. Slow-ish, but it
 * is the reference; {@link parseYaml} takes a faster path when it can prove the result is the same.
 */
export function parseYamlExact(text: string, file: string, options: ParseOptions = {}): ParsedDocument[] {
  const lineCounter = new (yamlLib().LineCounter)();
  const docs = yamlLib().parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: false, // checked below, with go-yaml's message
    merge: false, // `<<` handled below, with `!reset` awareness
    prettyErrors: false,
    strict: false,
  });
  const out: ParsedDocument[] = [];
  for (const doc of docs) {
    const firstError = doc.errors[0];
    if (firstError) {
      const pos = lineCounter.linePos(firstError.pos[0]);
      const tab = firstError.code === 'TAB_AS_INDENT';
      // go-yaml's wording where users (and compose-go's tests) know it.
      const message = tab
        ? 'found a tab character that violates indentation'
        : cleanYamlMessage(firstError.message);
      throw new ComposeError('COMPOSE_YAML', `failed to parse ${file}: ${message}`, {
        location: { file, line: pos.line, column: pos.col },
        hint: tab ? 'indent with spaces, not tabs' : 'check the indentation and quoting around this line',
      });
    }
    if (doc.contents === null) continue; // `---` with nothing after it
    const walker = new Walker(doc, file, lineCounter, options.maxNodeVisits ?? 100_000);
    const value = walker.convert(doc.contents as YamlNode, []);
    if (value === null || value === undefined) continue; // an empty document
    out.push({ value, resetPaths: walker.resetPaths, sourceMap: walker.sourceMap });
  }
  return out;
}

function cleanYamlMessage(msg: string): string {
  // The yaml library appends a code frame after a newline; the first line is the message.
  return msg.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** go-yaml's alias ratio rule: many alias-expanded nodes compared to real ones means a bomb. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - (0.89 * (decodeCount - 400_000)) / 3_600_000;
}

class Walker {
  readonly resetPaths: string[] = [];
  readonly sourceMap: SourceMap;
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  /** Alias targets being expanded right now, with the path of the alias that started it. Like
   * compose-go, a self-reference is caught when the alias is met again inside its own expansion. */
  private readonly active = new Map<YamlNode, YamlPath>();

  constructor(
    private readonly doc: Document,
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly maxVisits: number,
  ) {
    this.sourceMap = new SourceMap(file);
  }

  private pos(node: { range?: [number, number, number] | null } | null | undefined): Position | undefined {
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  private fail(message: string, node: YamlNode | null | undefined, path: YamlPath): never {
    const p = this.pos(node as any);
    throw new ComposeError('COMPOSE_YAML', message, {
      location: { file: this.file, line: p?.line, column: p?.column, path },
    });
  }

  private count(node: YamlNode, path: YamlPath): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.decodeCount > this.maxVisits * 100) {
      this.fail(`compose file exceeds maximum node visit limit (${this.maxVisits})`, node, path);
    }
    if (
      this.aliasCount > 100 &&
      this.decodeCount > 1000 &&
      this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)
    ) {
      this.fail('yaml: document contains excessive aliasing', node, path);
    }
  }

  /** Converts a node; returns `undefined` for a node tagged `!reset` (the caller drops it). */
  convert(node: YamlNode, path: YamlPath): unknown {
    this.count(node, path);
    const tag = (node as { tag?: string }).tag;
    if (tag === RESET) {
      this.resetPaths.push(dotted(path));
      return undefined;
    }
    if (tag === OVERRIDE) this.resetPaths.push(dotted(path));

    if (yamlLib().isAlias(node)) {
      const target = node.resolve(this.doc) as YamlNode | undefined;
      if (!target) this.fail(`unknown anchor '${node.source}' referenced`, node, path);
      const startedAt = this.active.get(target);
      if (startedAt) {
        this.fail(
          `cycle detected: node at path ${dotted(path)} references node at path ${dotted(startedAt)}`,
          node,
          path,
        );
      }
      const ttag = (target as { tag?: string }).tag;
      if (ttag === RESET) {
        this.resetPaths.push(dotted(path));
        return undefined;
      }
      if (ttag === OVERRIDE) this.resetPaths.push(dotted(path));
      this.aliasDepth++;
      this.active.set(target, path);
      try {
        return this.convertContent(target, path);
      } finally {
        this.aliasDepth--;
        this.active.delete(target);
      }
    }
    return this.convertContent(node, path);
  }

  private convertContent(node: YamlNode, path: YamlPath): unknown {
    if (yamlLib().isScalar(node)) {
      const tag = (node as { tag?: string }).tag;
      if ((tag === OVERRIDE || tag === RESET) && typeof node.value === 'string' && node.type === 'PLAIN') {
        // A custom tag leaves the scalar unresolved: resolve it as the core schema would.
        return resolvePlainScalar(node.value);
      }
      if (node.type === 'PLAIN' && typeof node.source === 'string') {
        const goInt = parseGoInt(node.source);
        if (goInt !== undefined) return goInt;
      }
      return node.value;
    }
    if (yamlLib().isSeq(node)) {
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        const childPath = [...path, out.length];
        const p = this.pos(item as any);
        if (p) this.sourceMap.set(childPath, p);
        const v = this.convert(item as YamlNode, [...path, i]);
        if (v !== undefined) out.push(v);
      });
      return out;
    }
    if (yamlLib().isMap(node)) return this.convertMap(node, path);
    if (node === null || node === undefined) return null;
    this.fail('unsupported YAML node', node, path);
  }

  private convertMap(node: YamlNode & { items: unknown[] }, path: YamlPath): Dict {
    const out: Dict = {};
    const seen = new Map<string, number>();
    const merges: YamlNode[] = [];
    for (const pair of node.items) {
      if (!yamlLib().isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const key = this.keyString(keyNode, path);
      const kp = this.pos(keyNode as any);
      const prev = seen.get(key);
      if (prev !== undefined) {
        this.fail(`line ${kp?.line ?? '?'}: mapping key "${key}" already defined at line ${prev}`, keyNode, [
          ...path,
          key,
        ]);
      }
      seen.set(key, kp?.line ?? 0);
      if (key === '<<' && !(yamlLib().isScalar(keyNode) && keyNode.type !== 'PLAIN')) {
        merges.push(pair.value as YamlNode);
        continue;
      }
      const childPath = [...path, key];
      if (kp) this.sourceMap.set(childPath, kp);
      const valueNode = pair.value as YamlNode | null;
      const v = valueNode === null ? null : this.convert(valueNode, childPath);
      if (v !== undefined) out[key] = v;
    }
    if (merges.length > 0) {
      for (const m of merges) this.applyMerge(out, m, path, seen);
    }
    return out;
  }

  /** `<<: *a` or `<<: [*a, *b]`: fill keys not set explicitly; earlier sources win. */
  private applyMerge(out: Dict, value: YamlNode, path: YamlPath, explicit: Map<string, number>): void {
    const sources: YamlNode[] = [];
    const target = yamlLib().isAlias(value) ? (value.resolve(this.doc) as YamlNode) : value;
    if (yamlLib().isSeq(target)) {
      for (const item of target.items) sources.push(item as YamlNode);
    } else {
      sources.push(value);
    }
    for (const src of sources) {
      const resolved = yamlLib().isAlias(src) ? (src.resolve(this.doc) as YamlNode) : src;
      if (!yamlLib().isMap(resolved)) {
        this.fail('map merge requires map or sequence of maps as the value', src, path);
      }
      const v = this.convert(src, path) as Dict | undefined;
      if (v === undefined) continue;
      for (const [k, val] of Object.entries(v)) {
        // Explicit keys win over merged ones, and an earlier merge source wins over a later one.
        if (explicit.has(k) || Object.hasOwn(out, k)) continue;
        out[k] = val;
      }
    }
  }

  private keyString(keyNode: YamlNode | null, path: YamlPath): string {
    let key: unknown = null;
    if (yamlLib().isScalar(keyNode)) key = keyNode.value;
    else if (yamlLib().isAlias(keyNode)) {
      const t = keyNode.resolve(this.doc);
      if (yamlLib().isScalar(t)) key = t.value;
    } else if (keyNode !== null) {
      this.fail(`non-string key ${where(path)}`, keyNode, path);
    }
    // compose-go requires string keys: `123:` or `true:` is an error, not a silent conversion.
    if (typeof key !== 'string') this.fail(`non-string key ${where(path)}: ${String(key)}`, keyNode, path);
    return key;
  }
}

/** compose-go's wording for a key's container: `at top level` or `in services.web`. */
function where(path: YamlPath): string {
  if (path.length === 0) return 'at top level';
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return `in ${out}`;
}

const GO_INT = /^[-+]?(?:0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/;

/**
 * go-yaml resolves plain integers like Go's strconv.ParseInt(s, 0, 64) after dropping `_`: `0440` is
 * octal (file modes rely on it), `0b101` binary, `1_000` a thousand. YAML 1.2's core schema would read
 * `0440` as 440, so integers are re-resolved the Go way.
 */
function parseGoInt(text: string): number | undefined {
  if (!GO_INT.test(text)) return undefined;
  const negative = text.startsWith('-');
  let digits = text.replace(/^[-+]/, '').replaceAll('_', '');
  let radix = 10;
  if (/^0[bB]/.test(digits)) {
    radix = 2;
    digits = digits.slice(2);
  } else if (/^0[xX]/.test(digits)) {
    radix = 16;
    digits = digits.slice(2);
  } else if (/^0[oO]/.test(digits)) {
    radix = 8;
    digits = digits.slice(2);
  } else if (digits.length > 1 && digits.startsWith('0')) {
    radix = 8;
    digits = digits.slice(1);
  }
  if (digits === '') return undefined;
  const n = Number.parseInt(digits, radix);
  if (!Number.isSafeInteger(n)) return undefined;
  return negative ? -n : n;
}

/** Resolves a plain scalar text with the YAML 1.2 core schema. */
function resolvePlainScalar(text: string): unknown {
  if (/^(?:~|null|Null|NULL)?$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text))
    return Number.parseFloat(text);
  return text;
}

/** compose-go's tree.Path string form: segments joined with dots. */
export function dotted(path: YamlPath): string {
  return path.map(String).join('.');
}

// ---------------------------------------------------------------------------------------------------
// The fast path: js-yaml with a schema that resolves plain scalars exactly like the exact parser,
// marker objects for `!reset`/`!override`, a parse listener that spots what js-yaml would silently
// accept differently, and a post-walk that copies every alias use and applies the same alias rules.
// ---------------------------------------------------------------------------------------------------

/** Thrown inside the fast path when only the exact parser can decide. Never escapes. */
const FALLBACK: unique symbol = Symbol('fallback to the exact parser');

/** A node tagged `!reset` or `!override`, as js-yaml constructs it. */
class Tagged {
  /** For a scalar: whether it was written plain (the exact parser then resolves it with the core schema). */
  plain = false;
  constructor(
    readonly tag: string,
    readonly kind: 'scalar' | 'sequence' | 'mapping',
    readonly data: unknown,
  ) {}
  get [Symbol.toStringTag](): string {
    return 'BerthTagged';
  }
}

/** One use of an alias (js-yaml hands out the anchored object itself; the listener wraps it). */
class AliasRef {
  constructor(readonly target: object) {}
  get [Symbol.toStringTag](): string {
    return 'BerthAlias';
  }
}

/** The value js-yaml's implicit resolver computed in `resolve`, handed to `construct`. */
let resolvedPlain: unknown;

/** Every plain scalar, resolved as the exact parser does: go-yaml integers first, then YAML 1.2 core. */
const plainScalarType = new JsYamlType('tag:berth.dev,2026:plain', {
  kind: 'scalar',
  resolve: (data: unknown) => {
    if (typeof data !== 'string') return false;
    const v = resolvePlainUntagged(data);
    if (v === data) return false; // stays a string
    resolvedPlain = v;
    return true;
  },
  construct: () => resolvedPlain,
});

const taggedTypes = [RESET, OVERRIDE].flatMap((tag) =>
  (['scalar', 'sequence', 'mapping'] as const).map(
    (kind) =>
      new JsYamlType(tag, {
        kind,
        resolve: () => true,
        // An empty tagged node (`key: !override`) reaches the last type of its tag with `null`.
        construct: (data: unknown) => new Tagged(tag, data === null ? 'scalar' : kind, data),
      }),
  ),
);

/** No FAILSAFE types on purpose: any explicit standard tag (`!!str`, `!!int`…) is unknown and falls back. */
const FAST_SCHEMA = new JsYamlSchema({ implicit: [plainScalarType], explicit: taggedTypes });

/** Can only start a null, a boolean or a number: `~ n N t T f F + - .` and digits. */
function maybeNonString(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 45 ||
    c === 46 ||
    c === 126 ||
    c === 110 ||
    c === 78 ||
    c === 116 ||
    c === 84 ||
    c === 102 ||
    c === 70
  );
}

/** An untagged plain scalar, the exact parser's way: parseGoInt, else the `yaml` library's core schema. */
function resolvePlainUntagged(text: string): unknown {
  if (text.length > 0 && !maybeNonString(text.charCodeAt(0))) return text;
  const goInt = parseGoInt(text);
  if (goInt !== undefined) return goInt;
  return resolveCoreSchema(text);
}

/** The `yaml` library's YAML 1.2 core schema tags, in its order (null, bool, int oct/dec/hex, float). */
function resolveCoreSchema(text: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text[0] === 't' || text[0] === 'T';
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) return Number.parseFloat(text);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return Number.parseFloat(text);
  return text;
}

/**
 * Syntax the fast path leaves to the exact parser outright: directives (`%YAML 1.1` changes the schema,
 * `%TAG` remaps handles), explicit `? key` entries (a key without a value is invisible to the listener)
 * tabs at the start of a line (the two parsers draw the tab-as-indentation line differently), a lone
 * CR line break (the layout checks below count lines by LF), content on a `---` line (js-yaml even
 * reads a block mapping there) and a `#` right after a flow indicator (js-yaml takes it for a comment,
 * the `yaml` library rejects it).
 */
const FAST_UNSAFE_TEXT = /^%|^ *\t|^---[ \t]+[^\s#]|\r(?!\n)|[[{,]#|(?:^|[\s[\]{},])\?(?:[ \t\r\n]|$)/m;

/** The part of js-yaml's loader state the listener reads (see js-yaml's lib/loader.js). */
interface JsYamlState {
  position: number;
  result: unknown;
  kind: string | null;
  tag: string | null;
  anchor: string | null;
}

const CH_COLON = 0x3a;
const CH_COMMA = 0x2c;
const CH_LBRACE = 0x7b;
const CH_RBRACE = 0x7d;
const CH_LBRACKET = 0x5b;

/** Skips spaces, tabs, line breaks, a BOM and comments. */
function skipBlank(text: string, pos: number): number {
  const n = text.length;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) pos++;
    else if (c === 0x23) {
      while (pos < n && text.charCodeAt(pos) !== 0x0a && text.charCodeAt(pos) !== 0x0d) pos++;
    } else break;
  }
  return pos;
}

/** Skips blanks and node properties (`!tag`, `&anchor`): where a node's content starts. */
function contentStart(text: string, pos: number): number {
  for (;;) {
    pos = skipBlank(text, pos);
    const c = text.charCodeAt(pos);
    if (c !== 0x21 && c !== 0x26) return pos;
    while (pos < text.length) {
      const d = text.charCodeAt(pos);
      if (d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d || d === CH_COMMA) break;
      if (d === CH_LBRACKET || d === 0x5d || d === CH_LBRACE || d === CH_RBRACE) break;
      pos++;
    }
  }
}

/** Marks a node outside any flow collection (see {@link FastListener}). */
const NOT_IN_FLOW = -2;

/**
 * The column a node's continuation lines must go beyond: that of the block node its first line belongs
 * to (the key, or what follows `- `).
 */
function blockBase(text: string, at: number): number {
  let lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (text.charCodeAt(lineStart) === 0xfeff) lineStart++; // a BOM is not indentation
  let p = lineStart;
  while (text.charCodeAt(p) === 0x20) p++;
  for (;;) {
    const c = text.charCodeAt(p);
    const d = text.charCodeAt(p + 1);
    if ((c === 0x2d || c === 0x3f || c === CH_COLON) && (d === 0x20 || d === 0x09)) {
      p++;
      while (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0x09) p++;
    } else break;
  }
  return p - lineStart;
}

/**
 * Whether every continuation line of a node spanning `[start, end)` is indented more than `base`.
 * Blank lines are fine; a tab fails, and so does a comment line in a flow collection. A flow
 * collection's own closing bracket may sit at `base`.
 */
function continuationIndented(
  text: string,
  start: number,
  end: number,
  base: number,
  flow: boolean,
): boolean {
  let nl = text.indexOf('\n', start);
  while (nl !== -1 && nl < end) {
    let q = nl + 1;
    while (text.charCodeAt(q) === 0x20) q++;
    const c = text.charCodeAt(q);
    if (c === 0x09) return false;
    if (flow && c === 0x23) return false; // a comment line inside a flow collection
    if (q < end && c !== 0x0a && c !== 0x0d) {
      const indent = q - (nl + 1);
      const closing = flow && q === end - 1 && (c === 0x5d || c === CH_RBRACE);
      if (closing ? indent < base : indent <= base) return false;
    }
    nl = text.indexOf('\n', nl + 1);
  }
  return true;
}

/**
 * Layout the two parsers may read differently (js-yaml is lenient where the `yaml` library reports an
 * error, or reads indentation its own way). A node of `kind` spans `[start, end)`; `flowBase` is the
 * column continuation lines inside a flow collection must go beyond (-1 for a top-level one), or
 * NOT_IN_FLOW. `false` means "leave it to the exact parser". All of it is unusual in a Compose file.
 */
function layoutOk(text: string, start: number, end: number, kind: string, flowBase: number): boolean {
  const at = contentStart(text, start);
  const c = text.charCodeAt(at);
  if (kind === 'scalar') {
    if (c === 0x7c || c === 0x3e) return blockScalarOk(text, at, end); // | >
    // Quoted and plain scalars: continuation lines indented more than the block they belong to.
    if (text.indexOf('\n', at) >= end) return true;
    return continuationIndented(
      text,
      at,
      end,
      flowBase === NOT_IN_FLOW ? blockBase(text, at) : flowBase,
      false,
    );
  }
  if (c === CH_LBRACKET || c === CH_LBRACE) {
    if (text.indexOf('\n', at) >= end) return true;
    return continuationIndented(
      text,
      at,
      end,
      flowBase === NOT_IN_FLOW ? blockBase(text, at) : flowBase,
      true,
    );
  }
  // A block sequence: no line inside it (comments aside) may be less indented than its first one
  // (js-yaml keeps reading a block sequence after an empty `- ` item even on a dedented line). A block
  // mapping needs no such check: js-yaml rejects or ends it on any dedented line, like the exact parser.
  if (kind !== 'sequence') return true;
  let lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (text.charCodeAt(lineStart) === 0xfeff) lineStart++; // a BOM is not indentation
  const col = at - lineStart;
  let nl = text.indexOf('\n', at);
  while (nl !== -1 && nl < end) {
    let q = nl + 1;
    while (text.charCodeAt(q) === 0x20) q++;
    const d = text.charCodeAt(q);
    if (q < end && d !== 0x0a && d !== 0x0d && d !== 0x23 && q - (nl + 1) < col) return false;
    nl = text.indexOf('\n', nl + 1);
  }
  return true;
}

/**
 * A block scalar both parsers read alike: no indentation indicator, no keep chomping, no leading blank line longer than the first content line's indentation, no tab in a blank
 * line or in the indentation.
 */
function blockScalarOk(text: string, at: number, end: number): boolean {
  // `|2`, and keep chomping (`|+`: the two differ on trailing blank lines at the end of the input).
  if (/^[|>](?:[-+]?[0-9]|[0-9]?\+)/.test(text.slice(at, at + 3))) return false;
  let indent = -1;
  let nl = text.indexOf('\n', at);
  let longestBlank = 0;
  while (nl !== -1 && nl < end) {
    let q = nl + 1;
    while (text.charCodeAt(q) === 0x20) q++;
    const spaces = q - (nl + 1);
    const d = text.charCodeAt(q);
    if (d === 0x0a || d === 0x0d || q >= text.length) {
      if (indent === -1 && spaces > longestBlank) longestBlank = spaces;
    } else if (d === 0x09) {
      if (indent === -1 || spaces < indent) return false;
      // a tab after the indentation is content; a line of only blanks with a tab is not safe
      let r = q;
      while (text.charCodeAt(r) === 0x09 || text.charCodeAt(r) === 0x20) r++;
      const e = text.charCodeAt(r);
      if (e === 0x0a || e === 0x0d || r >= text.length) return false;
    } else if (indent === -1) {
      indent = spaces;
      if (longestBlank > indent) return false;
    }
    nl = text.indexOf('\n', nl + 1);
  }
  return true;
}

/**
 * A node's properties (`!tag`, `&anchor`) all on one line, not on a line of their own above a block
 * scalar, not on an alias, not on the line a block collection starts on: js-yaml and the `yaml`
 * library differ otherwise. `block`: the node is a block collection.
 */
function propertiesOnOneLine(text: string, start: number, block: boolean): boolean {
  let pos = skipBlank(text, start);
  let props = 0;
  let newline = false;
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c !== 0x21 && c !== 0x26) {
      if (c === 0x2a) return false; // an alias with properties
      if (newline) return c !== 0x7c && c !== 0x3e; // | >
      // `key: &a k: v`: js-yaml reads a block mapping after properties on the same line.
      return !(props > 0 && block);
    }
    if (props > 0 && newline) return false;
    props++;
    while (pos < text.length) {
      const d = text.charCodeAt(pos);
      if (d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d || d === CH_COMMA) break;
      if (d === CH_LBRACKET || d === 0x5d || d === CH_LBRACE || d === CH_RBRACE) break;
      pos++;
    }
    const next = skipBlank(text, pos);
    const gap = text.slice(pos, next);
    if (gap.includes('\n') || gap.includes('\r')) newline = true;
    pos = next;
  }
}

function isBlockCollection(text: string, start: number, kind: string | null): boolean {
  if (kind !== 'mapping' && kind !== 'sequence') return false;
  const c = text.charCodeAt(contentStart(text, start));
  return c !== CH_LBRACKET && c !== CH_LBRACE;
}

/** Whether a comment comes between a node's start and its content. */
function commentBefore(text: string, start: number): boolean {
  const at = skipBlank(text, start);
  for (let i = start; i < at; i++) if (text.charCodeAt(i) === 0x23) return true;
  return false;
}

/** The last non-blank character before `pos` (comments are not skipped: a miss only means a fallback). */
function charBefore(text: string, pos: number): number {
  pos--;
  while (pos >= 0) {
    const c = text.charCodeAt(pos);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
    pos--;
  }
  return -1;
}

/**
 * Watches js-yaml's parse events. It wraps each alias use in an {@link AliasRef} (the post-walk must
 * know which objects are alias expansions), records how tagged scalars were written, and marks the
 * parse unsafe where js-yaml's result could differ from the exact parser's: a non-string key (js-yaml
 * stringifies it, the exact parser rejects it), a key without `:` in a flow mapping, a pair inside a
 * flow sequence, a `<<` that is not a plain merge key, a `!` tag, a repeated anchor name, and the
 * layouts where js-yaml is more lenient than the `yaml` library (see {@link layoutOk} and below).
 */
class FastListener {
  unsafe = false;
  private readonly opens: number[] = [];
  /** Per open node: the column its lines must go beyond if it is (inside) a flow collection. */
  private readonly flowBases: number[] = [];
  private anchors: Map<string, number> | undefined;

  constructor(private readonly text: string) {}

  readonly on = (event: string, state: JsYamlState): void => {
    if (event === 'open') {
      let flowBase = this.flowBases[this.flowBases.length - 1] ?? NOT_IN_FLOW;
      if (flowBase === NOT_IN_FLOW) {
        const at = contentStart(this.text, state.position);
        const c = this.text.charCodeAt(at);
        // A flow collection: its lines (and its children's) must go beyond its block parent's column.
        if (c === CH_LBRACKET || c === CH_LBRACE)
          flowBase = this.opens.length === 0 ? -1 : blockBase(this.text, at);
      }
      this.opens.push(state.position);
      this.flowBases.push(flowBase);
      return;
    }
    const start = this.opens.pop() ?? 0;
    const flowBase = this.flowBases.pop() ?? NOT_IN_FLOW;
    if (this.unsafe) return;
    const text = this.text;
    if (state.anchor !== null) this.anchor(state.anchor, start);
    if (state.tag === '!') {
      this.unsafe = true;
      return;
    }
    const r = state.result;
    if (typeof r === 'string') {
      // A quoted or aliased `<<` is a plain key to the exact parser (or a merge key when aliased).
      if (r === '<<' && state.tag !== '?') this.unsafe = true;
    } else if (r !== null && typeof r === 'object') {
      if (r instanceof Tagged) {
        if (r.kind === 'scalar') {
          const c = text.charCodeAt(contentStart(text, start));
          r.plain = c !== 0x22 && c !== 0x27 && c !== 0x7c && c !== 0x3e; // " ' | >
        }
      } else if (state.tag === null && state.kind === null && !(r instanceof AliasRef)) {
        // Only an alias leaves a non-null result with neither kind nor tag.
        state.result = new AliasRef(r);
      }
    }
    // A comment glued to the node (`"x"#c`, `[a]#c`): js-yaml accepts it, the `yaml` library does not.
    const after = state.position;
    if (
      text.charCodeAt(after) === 0x23 &&
      text.charCodeAt(after - 1) !== 0x20 &&
      text.charCodeAt(after - 1) !== 0x09
    ) {
      this.unsafe = true;
      return;
    }
    if (state.kind !== null && !layoutOk(text, start, state.position, state.kind, flowBase)) {
      this.unsafe = true;
      return;
    }
    const block = isBlockCollection(text, start, state.kind);
    if (!block && (state.kind !== null || r !== null) && commentBefore(text, start)) {
      // `key:` / `- `, a comment line, then the value below it: the `yaml` library reads a plain
      // scalar there across the following lines (even `rest\n  - 1` as `rest - 1`), js-yaml does not.
      this.unsafe = true;
      return;
    }
    const first = text.charCodeAt(skipBlank(text, start));
    if ((first === 0x21 || first === 0x26) && !propertiesOnOneLine(text, start, block)) {
      this.unsafe = true;
      return;
    }
    const next = text.charCodeAt(skipBlank(text, state.position));
    if (next === CH_COLON) {
      // This node is a key. The exact parser wants strings, and no pairs inside flow sequences.
      if (typeof r !== 'string' || this.parentStartsWith(CH_LBRACKET)) this.unsafe = true;
    } else if (next === CH_COMMA || next === CH_RBRACE) {
      // In a flow mapping, a node not preceded by `:` is a key; one not followed by `:` lacks a value.
      if (this.parentStartsWith(CH_LBRACE) && charBefore(text, start) !== CH_COLON) this.unsafe = true;
    }
  };

  private parentStartsWith(c: number): boolean {
    const parent = this.opens[this.opens.length - 1];
    if (parent === undefined) return false;
    // Outside any flow collection, the parent is not one: no need to look at the text.
    if (this.flowBases[this.flowBases.length - 1] === NOT_IN_FLOW) return false;
    return this.text.charCodeAt(contentStart(this.text, parent)) === c;
  }

  /** js-yaml may read a node twice (a rolled-back attempt), so an anchor is keyed by where it is written. */
  private anchor(name: string, start: number): void {
    this.anchors ??= new Map();
    const at = skipBlank(this.text, start);
    const prev = this.anchors.get(name);
    if (prev !== undefined && prev !== at) this.unsafe = true;
    else this.anchors.set(name, at);
  }
}

/**
 * The fast path. Returns `undefined` whenever it cannot vouch that the exact parser would produce the
 * same documents (or would throw); the caller then runs the exact parser.
 */
export function parseYamlFast(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParsedDocument[] | undefined {
  if (FAST_UNSAFE_TEXT.test(text)) return undefined;
  const listener = new FastListener(text);
  let raws: unknown[];
  try {
    raws = jsYamlLoadAll(text, null, { schema: FAST_SCHEMA, listener: listener.on as never });
  } catch {
    return undefined; // syntax errors, tabs, duplicate keys, unknown tags or aliases: exact messages
  }
  if (listener.unsafe) return undefined;

  const maxVisits = options.maxNodeVisits ?? 100_000;
  const out: ParsedDocument[] = [];
  const maps: SourceMap[] = [];
  let built = false;
  const buildPositions = (): void => {
    if (built) return;
    built = true;
    let exact: ParsedDocument[];
    try {
      exact = parseYamlExact(text, file, options);
    } catch {
      return;
    }
    exact.forEach((d, i) => {
      maps[i]?.adopt(d.sourceMap);
    });
  };
  try {
    for (const raw of raws) {
      // A Compose document is a mapping; anything else at the top (where the two parsers' readings of
      // indentation differ most) is left to the exact parser.
      if (raw !== null && (typeof raw !== 'object' || Object.getPrototypeOf(raw) !== Object.prototype)) {
        throw FALLBACK;
      }
      const walker = new FastWalker(maxVisits);
      const value = walker.convert(raw, []);
      if (value === null || value === undefined) continue;
      const sourceMap = new SourceMap(file, buildPositions);
      maps.push(sourceMap);
      out.push({ value, resetPaths: walker.resetPaths, sourceMap });
    }
  } catch {
    // FALLBACK, or anything unforeseen (a merge cycle overflowing the stack…): the exact parser decides.
    return undefined;
  }
  return out;
}

/** A path the fast walker pushes to and pops from. */
type PathStack = Array<string | number>;

function isArrayIndexKey(key: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4_294_967_295;
}

/**
 * Turns js-yaml's output into fresh plain values, mirroring {@link Walker}: same visit order (explicit
 * keys, then merge sources), same node and alias counts, same `resetPaths`. Anything it cannot mirror
 * throws {@link FALLBACK}.
 */
class FastWalker {
  readonly resetPaths: string[] = [];
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private readonly active = new Set<object>();

  constructor(private readonly maxVisits: number) {}

  /** Like Walker.count, but anything near a limit is left to the exact parser (its counts decide). */
  private count(): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.decodeCount > this.maxVisits * 90) throw FALLBACK;
    if (
      this.aliasCount > 90 &&
      this.decodeCount > 900 &&
      this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount * 1.1) - 0.05
    ) {
      throw FALLBACK;
    }
  }

  /** `path` is a stack the walker pushes to and pops from; it is copied only for `resetPaths`. */
  convert(v: unknown, path: PathStack): unknown {
    this.count();
    if (typeof v !== 'object' || v === null) return v;
    if (v instanceof Tagged) {
      this.resetPaths.push(dotted(path));
      if (v.tag === RESET) return undefined;
      return this.content(v, path);
    }
    if (v instanceof AliasRef) {
      const target = v.target;
      if (this.active.has(target)) throw FALLBACK; // a cycle: the exact parser words it
      if (target instanceof Tagged) {
        this.resetPaths.push(dotted(path));
        if (target.tag === RESET) return undefined;
      }
      this.aliasDepth++;
      this.active.add(target);
      try {
        return this.content(target, path);
      } finally {
        this.aliasDepth--;
        this.active.delete(target);
      }
    }
    return this.content(v, path);
  }

  private content(v: object, path: PathStack): unknown {
    let node: unknown = v;
    if (v instanceof Tagged) {
      if (v.kind === 'scalar') {
        const d = v.data;
        if (v.plain) {
          if (d === null) return resolvePlainScalar('');
          if (typeof d === 'string') return resolvePlainScalar(d);
          throw FALLBACK;
        }
        if (typeof d !== 'string') throw FALLBACK;
        return d;
      }
      node = v.data;
    }
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        const x = this.convert(node[i], path);
        path.pop();
        if (x !== undefined) out.push(x);
      }
      return out;
    }
    if (node !== null && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
      return this.convertMap(node as Dict, path);
    }
    throw FALLBACK;
  }

  private convertMap(node: Dict, path: PathStack): Dict {
    const out: Dict = {};
    let merge = false;
    for (const key of Object.keys(node)) {
      const c = key.charCodeAt(0);
      // Array-index keys come first in any object, so the source order (which fixes the visit order
      // and `resetPaths`) is lost; `__proto__` is assigned differently. Both are rare: fall back.
      if (c >= 48 && c <= 57 && isArrayIndexKey(key)) throw FALLBACK;
      if (c === 95 && key === '__proto__') throw FALLBACK;
      if (key === '<<') {
        merge = true;
        continue;
      }
      path.push(key);
      const v = this.convert(node[key], path);
      path.pop();
      if (v !== undefined) out[key] = v;
    }
    if (merge) this.applyMerge(out, node['<<'], path, node);
    return out;
  }

  /** Walker.applyMerge: explicit keys win, earlier merge sources win; tags near a merge fall back. */
  private applyMerge(out: Dict, value: unknown, path: PathStack, explicit: Dict): void {
    if (value instanceof Tagged) throw FALLBACK;
    const target = value instanceof AliasRef ? value.target : value;
    if (target instanceof Tagged) throw FALLBACK;
    const sources = Array.isArray(target) ? target : [value];
    for (const src of sources) {
      const resolved = src instanceof AliasRef ? src.target : src;
      if (
        resolved === null ||
        typeof resolved !== 'object' ||
        Object.getPrototypeOf(resolved) !== Object.prototype
      ) {
        throw FALLBACK; // not a mapping (or tagged): the exact parser reports it
      }
      const v = this.convert(src, path) as Dict;
      for (const k of Object.keys(v)) {
        if (Object.hasOwn(explicit, k) || Object.hasOwn(out, k)) continue;
        out[k] = v[k];
      }
    }
  }
}
