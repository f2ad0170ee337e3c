/**
 * Variable substitution in one string, as compose-go `template/template.go` and `template/variables.go`
 * do it (Compose spec 12-interpolation.md):
 * - `$VAR`, `${VAR}`, `${VAR:-d}` / `${VAR-d}`, `${VAR:?msg}` / `${VAR?msg}`, `${VAR:+alt}` / `${VAR+alt}`;
 *   `$$` is a literal `$`; a `$` that starts nothing (`$1`, `$ `, `$}`) is kept as it is.
 * - Defaults, alternatives and error messages are themselves templates, evaluated only when used.
 * - compose-go finds a braced template with a regex whose `(.*)` runs greedily to the LAST `}` of the
 *   line, then cuts it at the first balanced `}` (`getFirstBraceClosingIndex`) and substitutes the text
 *   in between separately. We reproduce that with a hand-written linear scanner (no regex per call):
 *   the observable results — including quirks such as `{}` inside a default skipping a brace, or an
 *   unclosed `${` in a default only failing when the default is used — are the same.
 * - Go's `(?i)[a-z]` also folds the Kelvin sign (U+212A) and long s (U+017F), so they are name letters.
 */
import { ComposeError } from '../api/errors.js';

/** Looks a variable up; `undefined` means unset (an empty string is set but empty). */
export type Lookup = (name: string) => string | undefined;

/** Receives warnings such as compose's `The "X" variable is not set. Defaulting to a blank string.` */
export type WarningSink = (message: string) => void;

/** The six operators of a braced template. */
export type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

/** A syntax error: `${`, `${}`, `${ foo}`, `${foo!}`… (compose-go `InvalidTemplateError`). */
export class InvalidTemplateError extends ComposeError {
  override readonly name: string = 'InvalidTemplateError';
  /** The template being substituted when the error was found (a default's text for nested ones). */
  readonly template: string;

  constructor(template: string) {
    super('COMPOSE_INTERPOLATION', `Invalid template: ${goQuote(template)}`, {
      hint: 'write a literal $ as $$',
    });
    this.template = template;
  }
}

/** `${VAR:?reason}` / `${VAR?reason}` on a missing variable (compose-go `MissingRequiredError`). */
export class MissingRequiredError extends ComposeError {
  override readonly name: string = 'MissingRequiredError';
  readonly variable: string;
  readonly reason: string;

  constructor(variable: string, reason: string) {
    super(
      'COMPOSE_INTERPOLATION',
      reason === ''
        ? `required variable ${variable} is missing a value`
        : `required variable ${variable} is missing a value: ${reason}`,
      { hint: `set ${variable} in the environment or in the .env file` },
    );
    this.variable = variable;
    this.reason = reason;
  }
}

/** A variable a model refers to, as `docker compose config --variables` lists it. */
export interface TemplateVariable {
  name: string;
  defaultValue: string;
  presenceValue: string;
  required: boolean;
}

const DOLLAR = 0x24;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COLON = 0x3a;

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x017f || c === 0x212a;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

function isOperatorChar(c: number): boolean {
  return c === 0x2d /* - */ || c === 0x2b /* + */ || c === 0x3f /* ? */;
}

enum Kind {
  Escaped,
  Named,
  Braced,
  Invalid,
}

/** One match of compose-go's pattern in a template. */
interface Match {
  kind: Kind;
  start: number;
  end: number;
  /** End of the variable name (Named/Braced). */
  nameEnd: number;
  /** Length of the operator right after the name (0, 1 or 2). Braced only. */
  opLength: number;
}

/**
 * Remembers, for the line being scanned, where its last `}` is: every braced match with an operator
 * extends to it, so caching keeps the scan linear on long lines with many templates.
 */
class LineCache {
  private lineStart = -1;
  private lineEnd = -1;
  private lastBrace = -1;

  constructor(private readonly text: string) {}

  /** Index of the last `}` in [from, end of from's line), or -1. */
  lastBraceFrom(from: number): number {
    if (from < this.lineStart || from >= this.lineEnd || this.lineStart < 0) {
      const nl = this.text.indexOf('\n', from);
      this.lineStart = from;
      this.lineEnd = nl < 0 ? this.text.length : nl;
      this.lastBrace = this.text.lastIndexOf('}', this.lineEnd - 1);
      if (this.lastBrace < from) this.lastBrace = -1;
    }
    return this.lastBrace >= from ? this.lastBrace : -1;
  }
}

/**
 * The match starting at `start` (where `text[start]` is `$`), or undefined when compose-go's pattern
 * does not match there (the `$` is then literal).
 */
function matchAt(text: string, start: number, lines: LineCache): Match | undefined {
  const next = text.charCodeAt(start + 1);
  if (next === DOLLAR) return { kind: Kind.Escaped, start, end: start + 2, nameEnd: start + 2, opLength: 0 };
  if (isNameStart(next)) {
    let j = start + 2;
    while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
    return { kind: Kind.Named, start, end: j, nameEnd: j, opLength: 0 };
  }
  if (next !== LBRACE) return undefined;
  const invalid: Match = { kind: Kind.Invalid, start, end: start + 2, nameEnd: start + 2, opLength: 0 };
  if (!isNameStart(text.charCodeAt(start + 2))) return invalid;
  let k = start + 3;
  while (k < text.length && isNameChar(text.charCodeAt(k))) k++;
  const c = text.charCodeAt(k);
  if (c === RBRACE) return { kind: Kind.Braced, start, end: k + 1, nameEnd: k, opLength: 0 };
  let opLength = 0;
  if (c === COLON && isOperatorChar(text.charCodeAt(k + 1))) opLength = 2;
  else if (isOperatorChar(c)) opLength = 1;
  else return invalid;
  // `(.*)}`: greedy up to the last `}` before a newline; without one the whole braced form fails.
  const close = lines.lastBraceFrom(k + opLength);
  if (close < 0) return invalid;
  return { kind: Kind.Braced, start, end: close + 1, nameEnd: k, opLength };
}

/**
 * compose-go's `getFirstBraceClosingIndex`, relative to `from`: the index of the `}` that balances the
 * first `{`. Quirk kept on purpose: the character right after every `{` is skipped, so `{}` inside a
 * default does not count as a closing brace.
 */
function firstBalancedClose(text: string, from: number, to: number): number {
  let open = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === RBRACE) {
      open--;
      if (open === 0) return i;
    }
    if (c === LBRACE) {
      open++;
      i++;
    }
  }
  return -1;
}

function unsetWarning(name: string): string {
  return `The "${name}" variable is not set. Defaulting to a blank string.`;
}

/**
 * Substitutes every variable in `template`. Throws {@link InvalidTemplateError} or
 * {@link MissingRequiredError} (both ComposeError `COMPOSE_INTERPOLATION`). Unset variables used
 * without a default become `""` and are reported to `onWarning`.
 *
 * Unlike compose-go, which keeps scanning after the first error and returns it at the end, this stops
 * at the first error: the result and the error are the same, only warnings for variables after the
 * failing one are not emitted.
 */
export function substitute(template: string, lookup: Lookup, onWarning?: WarningSink): string {
  let i = template.indexOf('$');
  if (i < 0) return template;
  const lines = new LineCache(template);
  let out = '';
  let last = 0;
  // compose-go substitutes the text between a template's balanced `}` and the last `}` of its match as
  // a separate template; an invalid `${` found there reports that text, not the whole string.
  let segmentStart = 0;
  let segmentEnd = template.length;
  while (i >= 0) {
    if (i >= segmentEnd) {
      segmentStart = 0;
      segmentEnd = template.length;
    }
    const m = matchAt(template, i, lines);
    if (m === undefined) {
      i = template.indexOf('$', i + 1);
      continue;
    }
    out += template.slice(last, i);
    switch (m.kind) {
      case Kind.Escaped:
        out += '$';
        last = m.end;
        break;
      case Kind.Named:
        out += plainValue(template.slice(i + 1, m.end), lookup, onWarning);
        last = m.end;
        break;
      case Kind.Invalid:
        throw new InvalidTemplateError(
          segmentStart === 0 && segmentEnd === template.length
            ? template
            : template.slice(segmentStart, segmentEnd),
        );
      case Kind.Braced: {
        const name = template.slice(i + 2, m.nameEnd);
        if (m.opLength === 0) {
          out += plainValue(name, lookup, onWarning);
          last = m.end;
          break;
        }
        const close = firstBalancedClose(template, i, m.end);
        const argEnd = close < 0 ? m.end - 1 : close;
        const op = template.slice(m.nameEnd, m.nameEnd + m.opLength) as Operator;
        const arg = template.slice(m.nameEnd + m.opLength, argEnd);
        out += applyOperator(name, op, arg, lookup, onWarning);
        if (close < 0 || close + 1 >= m.end) {
          last = m.end;
        } else {
          last = close + 1;
          segmentStart = last;
          segmentEnd = m.end;
        }
        break;
      }
    }
    i = template.indexOf('$', last);
  }
  return out + template.slice(last);
}

function plainValue(name: string, lookup: Lookup, onWarning: WarningSink | undefined): string {
  const value = lookup(name);
  if (value === undefined) {
    onWarning?.(unsetWarning(name));
    return '';
  }
  return value;
}

function applyOperator(
  name: string,
  op: Operator,
  arg: string,
  lookup: Lookup,
  onWarning: WarningSink | undefined,
): string {
  const value = lookup(name);
  switch (op) {
    case ':-':
      return value === undefined || value === '' ? substitute(arg, lookup, onWarning) : value;
    case '-':
      return value === undefined ? substitute(arg, lookup, onWarning) : value;
    case ':?':
      if (value === undefined || value === '') {
        throw new MissingRequiredError(name, substitute(arg, lookup, onWarning));
      }
      return value;
    case '?':
      if (value === undefined) throw new MissingRequiredError(name, substitute(arg, lookup, onWarning));
      return value;
    case ':+':
      return value !== undefined && value !== '' ? substitute(arg, lookup, onWarning) : (value ?? '');
    case '+':
      return value !== undefined ? substitute(arg, lookup, onWarning) : '';
  }
}

const OPERATORS: readonly Operator[] = [':?', '?', ':-', '-', ':+', '+'];

/**
 * The operator compose-go picks for the text inside `${…}` (`getSubstitutionFunctionForTemplate`): the
 * one occurring first. In a valid template that is the one right after the name.
 */
export function operatorOf(inner: string): Operator | undefined {
  let best: Operator | undefined;
  let bestIndex = Number.POSITIVE_INFINITY;
  for (const op of OPERATORS) {
    const idx = inner.indexOf(op);
    if (idx >= 0 && idx < bestIndex) {
      best = op;
      bestIndex = idx;
    }
  }
  return best;
}

/**
 * Every variable a model refers to, keyed by name (compose-go `ExtractVariables`). When a name occurs
 * several times the last occurrence wins, in compose-go's own visiting order.
 */
export function extractVariables(tree: unknown): Map<string, TemplateVariable> {
  const out = new Map<string, TemplateVariable>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.includes('$')) for (const v of variablesIn(value)) out.set(v.name, v);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === 'object') {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(tree);
  return out;
}

function isAsciiNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

/** compose-go `extractVariable` on one string. */
function variablesIn(text: string): TemplateVariable[] {
  const values: TemplateVariable[] = [];
  const lines = new LineCache(text);
  let i = text.indexOf('$');
  while (i >= 0) {
    const m = matchAt(text, i, lines);
    if (m === undefined) {
      i = text.indexOf('$', i + 1);
      continue;
    }
    i = text.indexOf('$', m.end);
    if (m.kind === Kind.Escaped) continue;
    let val: string;
    if (m.kind === Kind.Named) {
      val = text.slice(m.start + 1, m.end);
    } else {
      // Braced, or `${` alone (Invalid): compose-go then reports a variable with an empty name.
      val = m.kind === Kind.Braced ? text.slice(m.start + 2, m.end - 1) : '';
      const close = firstBalancedClose(text, m.start, m.end);
      if (close > m.start) {
        val = text.slice(m.start + 2, close);
        if (close + 1 < m.end) values.push(...variablesIn(text.slice(close + 1, m.end)));
      }
    }
    let name = val;
    let defaultValue = '';
    let presenceValue = '';
    let required = false;
    let cut = 0;
    while (cut < val.length && isAsciiNameChar(val.charCodeAt(cut))) cut++;
    if (cut > 0 && cut < val.length) {
      name = val.slice(0, cut);
      const rest = val.slice(cut);
      if (rest.startsWith(':?') || rest.startsWith('?')) required = true;
      else if (rest.startsWith(':-')) defaultValue = rest.slice(2);
      else if (rest.startsWith('-')) defaultValue = rest.slice(1);
      else if (rest.startsWith(':+')) presenceValue = rest.slice(2);
      else if (rest.startsWith('+')) presenceValue = rest.slice(1);
    }
    values.push({ name, defaultValue, presenceValue, required });
    if (defaultValue !== '') values.push(...variablesIn(defaultValue));
    if (presenceValue !== '') values.push(...variablesIn(presenceValue));
  }
  return values;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote` (`%q`, `%#v` of a string): used where compose-go's messages quote a value. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (cp) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x07:
        out += '\\a';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x0b:
        out += '\\v';
        continue;
    }
    if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}
