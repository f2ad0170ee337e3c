/**
 * The JSON printer of `berth config --format json`: compose-go's Project.MarshalJSON, i.e. Go's
 * json.MarshalIndent(…, "", "  ") — two-space indent, `{}`/`[]` for empty collections, no newline
 * at the end (docker compose prints the bytes as they are), and Go's HTML-safe string escaping
 * (`<`, `>`, `&`, U+2028, U+2029 as \u escapes) — followed by `$` → `$$` like the YAML form.
 * Key order and omissions come from ./shape.ts.
 */
import type { Dict } from '../../compose/yaml.js';
import { marshalProject, marshalRaw, type Ordered } from './shape.js';

export interface JsonRenderOptions {
  /** Print the model as a raw map (every key sorted): `--no-interpolate`. */
  raw?: boolean;
  /** Re-escape `$` as `$$`: on unless the model was printed without interpolation. */
  escapeDollar?: boolean;
}

/** `docker compose config --format json` for a loaded project. */
export function renderJson(project: Dict, options: JsonRenderOptions = {}): string {
  const ordered = options.raw ? marshalRaw(project, 'json') : marshalProject(project, 'json');
  const text = orderedToJson(ordered);
  return options.escapeDollar === false ? text : text.replaceAll('$', () => '$$');
}

/** Writes an already-ordered value as Go's json.MarshalIndent would. */
export function orderedToJson(value: Ordered, indent = '  '): string {
  const out: string[] = [];
  write(value, '', indent, out);
  return out.join('');
}

function write(value: Ordered, prefix: string, indent: string, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'string') {
    out.push(goJsonString(value));
  } else if (typeof value === 'number') {
    out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    const inner = prefix + indent;
    out.push('[\n');
    value.forEach((v, i) => {
      out.push(inner);
      write(v, inner, indent, out);
      out.push(i < value.length - 1 ? ',\n' : '\n');
    });
    out.push(`${prefix}]`);
  } else {
    if (value.size === 0) {
      out.push('{}');
      return;
    }
    const inner = prefix + indent;
    out.push('{\n');
    let i = 0;
    for (const [k, v] of value) {
      out.push(`${inner}${goJsonString(k)}: `);
      write(v, inner, indent, out);
      out.push(++i < value.size ? ',\n' : '\n');
    }
    out.push(`${prefix}}`);
  }
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/** A JSON string as Go's encoder writes it (HTML-safe escaping on). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
