/**
 * Phase 1 — parse. YAML 1.2 (core schema) into plain JS values, the way compose-go's go-yaml v4 decoding
 * plus its ResetProcessor see a file (spec 13-merge.md, `!reset` / `!override`):
 * - anchors, aliases and `<<` merge keys resolve within one document; explicit keys beat merged ones,
 *   and earlier merge sources beat later ones;
 * - a duplicate key (`<<` included) is an error: `mapping key "x" already defined at line N`;
 * - `!reset` drops the value and records its path; `!override` keeps it and records its path; the
 *   merge phase deletes recorded paths from the earlier model before merging this one in;
 * - alias bombs fail fast with go-yaml's "excessive aliasing", self-referencing anchors with a cycle error.
 * Every key's position is kept in a {@link SourceMap} so later phases can point at file:line:col.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Node as YamlNode,
} from 'yaml';
import { ComposeError, type YamlPath } from '../api/errors.js';

export type Dict = Record<string, any>;

/** One key's or item's position in a file. 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** Positions of every path in one parsed document. */
export class SourceMap {
  readonly file: string;
  private readonly positions = new Map<string, Position>();

  constructor(file: string) {
    this.file = file;
  }

  static key(path: YamlPath): string {
    return path.join('\u001f');
  }

  set(path: YamlPath, pos: Position): void {
    const k = SourceMap.key(path);
    if (!this.positions.has(k)) this.positions.set(k, pos);
  }

  get(path: YamlPath): Position | undefined {
    return this.positions.get(SourceMap.key(path));
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

/** Parses every document of a YAML stream. `file` is used for messages and positions only. */
export function parseYaml(text: string, file: string, options: ParseOptions = {}): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
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

    if (isAlias(node)) {
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
    if (isScalar(node)) {
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
    if (isSeq(node)) {
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
    if (isMap(node)) return this.convertMap(node, path);
    if (node === null || node === undefined) return null;
    this.fail('unsupported YAML node', node, path);
  }

  private convertMap(node: YamlNode & { items: unknown[] }, path: YamlPath): Dict {
    const out: Dict = {};
    const seen = new Map<string, number>();
    const merges: YamlNode[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
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
      if (key === '<<' && !(isScalar(keyNode) && keyNode.type !== 'PLAIN')) {
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
    const target = isAlias(value) ? (value.resolve(this.doc) as YamlNode) : value;
    if (isSeq(target)) {
      for (const item of target.items) sources.push(item as YamlNode);
    } else {
      sources.push(value);
    }
    for (const src of sources) {
      const resolved = isAlias(src) ? (src.resolve(this.doc) as YamlNode) : src;
      if (!isMap(resolved)) {
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
    if (isScalar(keyNode)) key = keyNode.value;
    else if (isAlias(keyNode)) {
      const t = keyNode.resolve(this.doc);
      if (isScalar(t)) key = t.value;
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
