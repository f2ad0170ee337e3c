/**
 * String `command:` / `entrypoint:` → argv, as compose-go's ShellCommand decoding does with
 * mattn/go-shellwords v1.0.12 (default options: no environment or backtick expansion):
 * - blanks (space, tab, CR, LF) separate words; `'…'` is literal; `"…"` groups;
 * - a backslash outside single quotes escapes the next character — inside double quotes too
 *   (`"a\"b"` → `a"b`, `"\n"` → `n`), unlike POSIX;
 * - an unquoted `;`, `&`, `|`, `<` or `>` ends the command: what follows is ignored;
 * - an unquoted `(` not preceded by `$`, or unbalanced quotes, is an error.
 */

/** A command line go-shellwords rejects. */
export class ShellWordsError extends Error {}

/** Splits `line` into words. Throws {@link ShellWordsError} ("invalid command line string"). */
export function splitShellWords(line: string): string[] {
  const args: string[] = [];
  let buf = '';
  let got = false; // a word (possibly empty, when quoted) is pending
  let escaped = false;
  let doubleQuoted = false;
  let singleQuoted = false;
  let backQuote = false;
  let dollarQuote = false;

  for (const r of line) {
    if (escaped) {
      buf += r;
      escaped = false;
      got = true;
      continue;
    }
    if (r === '\\') {
      if (singleQuoted) buf += r;
      else escaped = true;
      continue;
    }
    if (r === ' ' || r === '\t' || r === '\r' || r === '\n') {
      if (singleQuoted || doubleQuoted || backQuote || dollarQuote) {
        buf += r;
      } else if (got) {
        args.push(buf);
        buf = '';
        got = false;
      }
      continue;
    }
    const quoted = singleQuoted || doubleQuoted;
    if (r === '`') {
      if (!quoted && !dollarQuote) backQuote = !backQuote;
    } else if (r === ')') {
      if (!quoted && !backQuote) dollarQuote = false;
    } else if (r === '(') {
      if (!quoted && !backQuote) {
        if (!dollarQuote && buf.endsWith('$')) {
          dollarQuote = true;
          buf += '(';
          continue;
        }
        throw new ShellWordsError('invalid command line string');
      }
    } else if (r === '"') {
      if (!singleQuoted && !dollarQuote) {
        if (doubleQuoted) got = true;
        doubleQuoted = !doubleQuoted;
        continue;
      }
    } else if (r === "'") {
      if (!doubleQuoted && !dollarQuote) {
        if (singleQuoted) got = true;
        singleQuoted = !singleQuoted;
        continue;
      }
    } else if (r === ';' || r === '&' || r === '|' || r === '<' || r === '>') {
      if (!(quoted || backQuote || dollarQuote)) {
        // `2>file`: the redirected descriptor is not a word either.
        if (r === '>' && buf.length > 0 && buf[0]! >= '0' && buf[0]! <= '9') got = false;
        if (got) args.push(buf);
        got = false;
        buf = '';
        return finish(args, escaped, singleQuoted, doubleQuoted, backQuote, dollarQuote);
      }
    }
    got = true;
    buf += r;
  }
  if (got) args.push(buf);
  return finish(args, escaped, singleQuoted, doubleQuoted, backQuote, dollarQuote);
}

function finish(args: string[], ...open: boolean[]): string[] {
  if (open.some(Boolean)) throw new ShellWordsError('invalid command line string');
  return args;
}
