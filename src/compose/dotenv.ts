/**
 * The `.env` dialect (Compose spec 05-services.md#env_file-format; compose-go `dotenv/parser.go`,
 * `godotenv.go`, `env.go`, `format.go`), used for the project `.env` / `--env-file` and for services'
 * `env_file`:
 * - `KEY=VAL` or `KEY: VAL`, optional `export `, `#` comment lines, ` #` inline comments after unquoted
 *   values; keys are letters, digits and `_ . - [ ]`;
 * - `'single'` values are literal (only `\'` is unescaped); `"double"` values expand `\n \t \\ \" \$`,
 *   octal `\0NNN`… and are then interpolated; unquoted values are interpolated; quoted values may span
 *   lines;
 * - interpolation looks a name up in the lookup (the OS / project environment) FIRST, then in the keys
 *   already parsed: the environment wins over earlier keys, as compose-go's `expandVariables` does;
 * - a bare `KEY` takes the lookup's value, and is left out when the lookup has none;
 * - a leading UTF-8 BOM is ignored.
 * `format: raw` (registered by docker compose, parsed by docker/cli's kvfile) takes `KEY=VAL` lines
 * literally: no quotes removed, no escapes, no interpolation.
 * Line numbers follow compose-go's parser, including its counting quirks.
 */
import { resolve as resolvePath } from 'node:path';
import { ComposeError } from '../api/errors.js';
import { fileKind, readText } from './inputs.js';
import { goQuote, type Lookup, substitute, type WarningSink } from './template.js';

export interface DotenvOptions {
  /** The environment consulted first for `${X}` and bare `KEY` lines (compose-go's lookupFn). */
  lookup?: Lookup;
  /** The file being parsed: named in error messages and in `location.file`. */
  file?: string;
  /**
   * Variables known before this file. Parsed values are written INTO this object, and interpolation
   * falls back to it after `lookup` (compose-go parses env_files into the service's environment map).
   */
  vars?: Record<string, string>;
  /** `''` / `'.env'` (default) for dotenv rules, `'raw'` for docker's literal `KEY=VAL` format. */
  format?: string;
  /** Unset-variable warnings from interpolation. */
  onWarning?: WarningSink;
}

/** Sets `key` even when it is `__proto__`, which a plain assignment would swallow. */
function setOwn(target: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function own(target: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

/** Go's `unicode.IsSpace`. */
function isUnicodeSpace(c: number): boolean {
  if (c <= 0xff) {
    return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0;
  }
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** The parser's own `isSpace`: blanks that are not line breaks. */
function isBlank(c: number): boolean {
  return c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d || c === 0x20 || c === 0x85 || c === 0xa0;
}

/** Go regexp `\s` (ASCII only, no `\v`), as in compose-go's `^export\s+`. */
function isRegexSpace(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;

function isKeyChar(cp: number): boolean {
  if (cp < 0x80) {
    return (
      (cp >= 0x61 && cp <= 0x7a) ||
      (cp >= 0x41 && cp <= 0x5a) ||
      (cp >= 0x30 && cp <= 0x39) ||
      cp === 0x5f || // _
      cp === 0x2e || // .
      cp === 0x2d || // -
      cp === 0x5b || // [
      cp === 0x5d // ]
    );
  }
  return LETTER_OR_NUMBER.test(String.fromCodePoint(cp));
}

function trimEndUnicodeSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isUnicodeSpace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A parse error before the file name is known; `line` is compose-go's line counter at that point. */
class DotenvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

const ESCAPE_SEQUENCE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g;

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/**
 * Shell-style escapes of a double-quoted value. `\$` becomes `$$` so that interpolation yields a
 * literal `$`. `\0NNN` is octal (three digits, at most 255); anything else Go cannot unquote is left
 * as text — with its `0` dropped, as compose-go does (`\01` → `\1`).
 */
function expandEscapes(value: string): string {
  if (!value.includes('\\')) return value;
  return value.replace(ESCAPE_SEQUENCE, (match) => {
    const c = match[1]!;
    if (c === '$') return '$$';
    if (c !== '0') return SIMPLE_ESCAPES[c] ?? match;
    const digits = match.slice(2);
    if (digits.length === 3 && /^[0-7]{3}$/.test(digits)) {
      const code = Number.parseInt(digits, 8);
      if (code <= 255) return String.fromCharCode(code);
    }
    return `\\${digits}`;
  });
}

/**
 * Interpolates one value the way the dotenv parser does: `lookup` first, then `vars` (the keys parsed
 * so far). Throws the template errors unchanged.
 */
export function expandDotenvValue(
  value: string,
  vars: Record<string, string>,
  lookup?: Lookup,
  onWarning?: WarningSink,
): string {
  if (!value.includes('$')) return value;
  return substitute(
    value,
    (name) => {
      const found = lookup?.(name);
      return found !== undefined ? found : own(vars, name);
    },
    onWarning,
  );
}

/** compose-go's dotenv parser over one text, writing into `out`. */
class Parser {
  private line = 1;
  private pos = 0;
  /** Line where the statement being parsed starts, for interpolation errors. */
  statementLine = 1;

  constructor(
    private readonly text: string,
    private readonly out: Record<string, string>,
    private readonly lookup: Lookup | undefined,
    private readonly onWarning: WarningSink | undefined,
  ) {}

  parse(): void {
    for (;;) {
      if (!this.toStatementStart()) return;
      this.statementLine = this.line;
      const { key, inherited } = this.readKey();
      if (key.includes(' '))
        throw new DotenvSyntaxError(`line ${this.line}: key cannot contain a space`, this.line);
      if (inherited) {
        const value = this.lookup?.(key);
        if (value !== undefined) setOwn(this.out, key, value);
        continue;
      }
      setOwn(this.out, key, this.readValue());
    }
  }

  /** Skips blanks, line breaks and comment lines; false at the end of the text. */
  private toStatementStart(): boolean {
    const { text } = this;
    for (;;) {
      while (this.pos < text.length) {
        const c = text.charCodeAt(this.pos);
        if (!isUnicodeSpace(c)) break;
        if (c === 0x0a) this.line++;
        this.pos++;
      }
      if (this.pos >= text.length) return false;
      if (text.charCodeAt(this.pos) !== 0x23 /* # */) return true;
      const nl = text.indexOf('\n', this.pos);
      if (nl < 0) {
        this.pos = text.length;
        return false;
      }
      this.pos = nl;
    }
  }

  private readKey(): { key: string; inherited: boolean } {
    const { text } = this;
    let pos = this.pos;
    if (text.startsWith('export', pos) && isRegexSpace(text.charCodeAt(pos + 6))) {
      pos += 6;
      while (pos < text.length && isBlank(text.charCodeAt(pos))) pos++;
    }
    const start = pos;
    let key = '';
    let inherited = false;
    let valueStart = start; // no `=`, `:` or line break: compose-go reads the text as a value of key ""
    for (let i = start; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      if (cp === 0x3d /* = */ || cp === 0x3a /* : */ || cp === 0x0a) {
        key = text.slice(start, i);
        valueStart = i + 1;
        inherited = cp === 0x0a;
        break;
      }
      if (!isBlank(cp) && !isKeyChar(cp)) {
        const nl = text.indexOf('\n', start);
        const firstLine = text.slice(start, nl < 0 ? text.length : nl);
        throw new DotenvSyntaxError(
          `line ${this.line}: unexpected character ${goQuote(String.fromCodePoint(cp))} in variable name ${goQuote(firstLine)}`,
          this.line,
        );
      }
      i += cp > 0xffff ? 2 : 1;
    }
    if (start >= text.length) throw new DotenvSyntaxError('zero length string', this.line);
    if (inherited && !key.includes(' ')) this.line++;
    while (valueStart < text.length && isBlank(text.charCodeAt(valueStart))) valueStart++;
    this.pos = valueStart;
    return { key: trimEndUnicodeSpace(key), inherited };
  }

  private readValue(): string {
    const { text } = this;
    const start = this.pos;
    const quote = text.charCodeAt(start);
    if (quote !== 0x22 && quote !== 0x27) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      this.pos = nl < 0 ? text.length : nl + 1;
      this.line++;
      let value = text.slice(start, end);
      const comment = value.indexOf(' #');
      if (comment >= 0) value = value.slice(0, comment);
      return this.expand(trimEndUnicodeSpace(value));
    }
    // Inside quotes a backslash protects the next character; only `\<quote>` loses its backslash here.
    let value = '';
    let runStart = start + 1;
    for (let i = start + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.line++;
      if (c === 0x5c /* \ */ && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next === quote) {
          value += text.slice(runStart, i);
          runStart = i + 1;
        } else if (next === 0x0a) {
          this.line++;
        }
        i++;
        continue;
      }
      if (c === quote) {
        value += text.slice(runStart, i);
        this.pos = i + 1;
        return quote === 0x22 ? this.expand(expandEscapes(value)) : value;
      }
    }
    const nl = text.indexOf('\n', start);
    throw new DotenvSyntaxError(
      `line ${this.line}: unterminated quoted value ${text.slice(start, nl < 0 ? text.length : nl)}`,
      this.line,
    );
  }

  private expand(value: string): string {
    return expandDotenvValue(value, this.out, this.lookup, this.onWarning);
  }
}

function envFileError(message: string, file: string | undefined, line: number | undefined, cause?: unknown) {
  return new ComposeError('COMPOSE_ENV_FILE', message, {
    location: file !== undefined || line !== undefined ? { file, line } : undefined,
    cause,
  });
}

/** docker/cli `kvfile`: one `KEY[=VALUE]` per line, taken literally. */
function parseRaw(text: string, out: Record<string, string>, options: DotenvOptions): void {
  const fail = (message: string, line: number) => {
    const prefix = options.file === undefined ? '' : `failed to parse env_file ${options.file}: `;
    throw envFileError(`${prefix}line ${line}: ${message}`, options.file, line);
  };
  let start = 0;
  for (let lineNo = 1; start < text.length; lineNo++) {
    const nl = text.indexOf('\n', start);
    let line = text.slice(start, nl < 0 ? text.length : nl);
    start = nl < 0 ? text.length : nl + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (lineNo === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    let first = 0;
    while (first < line.length && isUnicodeSpace(line.charCodeAt(first))) first++;
    line = line.slice(first);
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === '') fail(`no variable name on line '${line}'`, lineNo);
    if (key.includes(' ') || key.includes('\t')) fail(`variable '${key}' contains whitespaces`, lineNo);
    if (eq >= 0) {
      setOwn(out, key, line.slice(eq + 1));
    } else {
      const value = options.lookup?.(line);
      if (value !== undefined) setOwn(out, key, value);
    }
  }
}

/**
 * Parses one env file's text. Returns `options.vars` (filled in) or a new object. Throws ComposeError
 * `COMPOSE_ENV_FILE` with compose-go's message (`failed to read <file>: line 7: key cannot contain a
 * space`) and `location: { file, line }`.
 */
export function parseDotenv(text: string, options: DotenvOptions = {}): Record<string, string> {
  const out = options.vars ?? {};
  const format = options.format ?? '';
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (format === 'raw') {
    parseRaw(text, out, options);
    return out;
  }
  if (format !== '' && format !== '.env') {
    throw envFileError(`unsupported env_file format ${goQuote(format)}`, options.file, undefined);
  }
  const parser = new Parser(text, out, options.lookup, options.onWarning);
  try {
    parser.parse();
  } catch (err) {
    const prefix = options.file === undefined ? '' : `failed to read ${options.file}: `;
    if (err instanceof DotenvSyntaxError) {
      throw envFileError(prefix + err.message, options.file, err.line, err);
    }
    if (err instanceof ComposeError) {
      // An interpolation error inside a value: compose-go gives no line, we add the statement's.
      const line = parser.statementLine;
      throw envFileError(`${prefix}line ${line}: ${err.message}`, options.file, line, err);
    }
    throw err;
  }
  return out;
}

/**
 * compose-go `GetEnvFromFile`: reads `--env-file`s / the project `.env` in order into one map; later
 * files win. `${X}` in a value looks in `lookup` (the OS environment) first, then in keys read so far.
 * A missing file is an error (`couldn't find env file: <abs>`).
 */
export function readEnvFiles(
  files: string[],
  lookup?: Lookup,
  options: { onWarning?: WarningSink } = {},
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const file of files) {
    const abs = resolvePath(file);
    let isDirectory: boolean;
    try {
      isDirectory = fileKind(abs) === 'directory';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ComposeError('COMPOSE_ENV_FILE', `couldn't find env file: ${abs}`, {
          location: { file: abs },
          hint: 'check the env file path, or remove it from the list',
          cause: err,
        });
      }
      throw envFileError(`failed to read ${abs}: ${(err as Error).message}`, abs, undefined, err);
    }
    if (isDirectory) throw envFileError(`${abs} is a directory`, abs, undefined);
    let text: string;
    try {
      text = readText(abs);
    } catch (err) {
      throw envFileError(`couldn't read env file: ${abs}`, abs, undefined, err);
    }
    parseDotenv(text, { lookup, vars, file: abs, onWarning: options.onWarning });
  }
  return vars;
}
