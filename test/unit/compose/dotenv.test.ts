// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} templates are the data under test
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { expandDotenvValue, parseDotenv, readEnvFiles } from '../../../src/compose/dotenv.js';
import type { Lookup } from '../../../src/compose/template.js';

const lookupOf =
  (env: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(env, name) ? env[name] : undefined;

function parseError(text: string, options: Parameters<typeof parseDotenv>[1] = {}): ComposeError {
  try {
    parseDotenv(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ComposeError);
    expect((err as ComposeError).code).toBe('COMPOSE_ENV_FILE');
    return err as ComposeError;
  }
  throw new Error('expected parsing to fail');
}

describe('parseDotenv: syntax', () => {
  it.each<[string, string, Record<string, string>]>([
    ['plain', 'A=1\nB=two words', { A: '1', B: 'two words' }],
    ['yaml style', 'A: 1\nB:2', { A: '1', B: '2' }],
    ['spaces around =', '  A = 1  \n\tB\t=\t2', { A: '1', B: '2' }],
    ['empty values', 'A=\nB=""\nC=\'\'', { A: '', B: '', C: '' }],
    ['export prefix', 'export A=1\nexport\tB=2\nexportC=3', { A: '1', B: '2', exportC: '3' }],
    [
      'comments',
      '# c\n  # indented\nA=1 # inline\nB=x#not-comment\nC="q" # after quote',
      {
        A: '1',
        B: 'x#not-comment',
        C: 'q',
      },
    ],
    ['a value may start with #', 'A=#x\nB= #y', { A: '#x', B: '#y' }],
    ['key characters', 'a.b=1\na-b=2\na[0]=3\n_x=4', { 'a.b': '1', 'a-b': '2', 'a[0]': '3', _x: '4' }],
    ['later key wins', 'A=1\nA=2', { A: '2' }],
    ['single quotes are literal', "A='$HOME \\n ${X:-y}'", { A: '$HOME \\n ${X:-y}' }],
    ['escaped single quote', "A='it\\'s'", { A: "it's" }],
    ['double-quote escapes', 'A="a\\tb\\nc\\\\d\\"e"', { A: 'a\tb\nc\\d"e' }],
    ['unknown escapes stay', 'A="\\x41 \\c \\q"', { A: '\\x41 \\c \\q' }],
    ['octal escape', 'A="\\0101\\0377"', { A: 'Aÿ' }],
    ['octal quirks (Go drops the 0)', 'A="\\0|\\01|\\0400|\\08"', { A: '\\|\\1|\\400|\\8' }],
    ['escaped dollar', 'A="\\$HOME"\nB=$$HOME', { A: '$HOME', B: '$HOME' }],
    ['multi-line double quotes', 'A="one\ntwo"\nB=3', { A: 'one\ntwo', B: '3' }],
    ['multi-line single quotes', "A='one\ntwo'", { A: 'one\ntwo' }],
    ['two statements on one line after a quote', 'A="1" B=2', { A: '1', B: '2' }],
    ['empty key', '="value"', { '': 'value' }],
    // compose-go reads a last line without `=` and without a newline as the value of key ""
    ['bare word at end of file', 'A=1\nWORD', { A: '1', '': 'WORD' }],
  ])('%s', (_name, text, expected) => {
    expect(parseDotenv(text)).toEqual(expected);
  });

  it.each<[string, string, Record<string, string>]>([
    ['CRLF unquoted', 'A=1\r\nB=two\r\n', { A: '1', B: 'two' }],
    ['CRLF quoted', 'A="1"\r\nB=\'2\'\r\n', { A: '1', B: '2' }],
    ['CRLF comments', '# c\r\nA=1 # x\r\n', { A: '1' }],
    ['CRLF inside quotes is kept', 'A="l1\r\nl2"\r\n', { A: 'l1\r\nl2' }],
  ])('%s', (_name, text, expected) => {
    expect(parseDotenv(text)).toEqual(expected);
  });

  it('reads inherited keys with CRLF endings', () => {
    expect(parseDotenv('VAR\r\nB=1\r\n', { lookup: lookupOf({ VAR: 'v' }) })).toEqual({ VAR: 'v', B: '1' });
  });

  it.each<[string, string, Record<string, string>]>([
    ['unicode keys and values', 'ключ=значение\nKEY=日本 # c', { ключ: 'значение', KEY: '日本' }],
    ['unicode digits are key characters', 'A٣=1', { A٣: '1' }],
    ['emoji values', 'A="😀 ok"', { A: '😀 ok' }],
    ['BOM', '\uFEFFA=1', { A: '1' }],
    ['no-break space is a blank', 'A\u00a0=\u00a01', { A: '1' }],
  ])('%s', (_name, text, expected) => {
    expect(parseDotenv(text)).toEqual(expected);
  });

  it('keeps a __proto__ key as data', () => {
    const out = parseDotenv('__proto__=x\nA=1');
    expect(Object.keys(out)).toEqual(['__proto__', 'A']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x');
  });
});

describe('parseDotenv: interpolation', () => {
  it.each<[string, string, Record<string, string>, Record<string, string>]>([
    ['earlier keys', 'A=1\nB=${A}-$A', {}, { A: '1', B: '1-1' }],
    ['lookup wins over earlier keys', 'A=file\nB=${A}', { A: 'env' }, { A: 'file', B: 'env' }],
    ['defaults', 'A=${X:-dflt}\nB=${A:+alt}\nC=${X-}', {}, { A: 'dflt', B: 'alt', C: '' }],
    ['nested defaults', 'A=${X:-${Y:-${Z:-deep}}}', {}, { A: 'deep' }],
    ['default from an earlier key', 'A=1\nB=${X:-$A}', {}, { A: '1', B: '1' }],
    ['double quotes interpolate', 'A=1\nB="<${A}>"', {}, { A: '1', B: '<1>' }],
    ['later keys are not visible', 'B=${A}\nA=1', {}, { B: '', A: '1' }],
    ['self reference uses the lookup', 'PATH=/x:${PATH}', { PATH: '/bin' }, { PATH: '/x:/bin' }],
    ['inherited from lookup', 'VAR\nB=1\n', { VAR: 'v' }, { VAR: 'v', B: '1' }],
    ['inherited missing is skipped', 'VAR\nB=1\n', {}, { B: '1' }],
    ['inherited does not read earlier keys', 'A=1\nA\n', {}, { A: '1' }],
  ])('%s', (_name, text, env, expected) => {
    expect(parseDotenv(text, { lookup: lookupOf(env) })).toEqual(expected);
  });

  it('writes into and reads from the given vars', () => {
    const vars = { SERVICE: 'svc', KEEP: 'k' };
    const out = parseDotenv('A=${SERVICE}\nSERVICE=${SERVICE}-2', { vars, lookup: lookupOf({}) });
    expect(out).toBe(vars);
    expect(vars).toEqual({ SERVICE: 'svc-2', KEEP: 'k', A: 'svc' });
  });

  it('forwards unset-variable warnings', () => {
    const warnings: string[] = [];
    parseDotenv('A=$NOPE', { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(['The "NOPE" variable is not set. Defaulting to a blank string.']);
  });

  it('expandDotenvValue looks up first, then vars', () => {
    expect(expandDotenvValue('${A}/${B}', { A: 'var', B: 'var' }, lookupOf({ A: 'env' }))).toBe('env/var');
  });
});

describe('parseDotenv: errors', () => {
  it.each<[string, string, string, number | undefined]>([
    ['space in key', 'A=1\n\n# c\nB C=2', 'line 4: key cannot contain a space', 4],
    ['bad key character', 'A=1\nlol$wut', 'line 2: unexpected character "$" in variable name "lol$wut"', 2],
    ['emoji key', '😀=1', 'line 1: unexpected character "😀" in variable name "😀=1"', 1],
    ['unterminated double quote', 'A=1\nB="abc\ndef', 'line 3: unterminated quoted value "abc', 3],
    ['unterminated single quote', "A='x\\'", "line 1: unterminated quoted value 'x\\'", 1],
    ['export and nothing else', 'export ', 'zero length string', 1],
    ['required variable', 'A=1\nB=${X:?need X}', 'line 2: required variable X is missing a value: need X', 2],
    ['invalid template', 'A="${ x}"', 'line 1: Invalid template: "${ x}"', 1],
  ])('%s', (_name, text, message, line) => {
    const err = parseError(text);
    expect(err.message).toBe(message);
    expect(err.location?.line).toBe(line);
  });

  it('names the file in the message and the location', () => {
    const err = parseError('A B=1', { file: '/p/.env' });
    expect(err.message).toBe('failed to read /p/.env: line 1: key cannot contain a space');
    expect(err.location).toEqual({ file: '/p/.env', line: 1 });
  });

  it('counts lines through multi-line values and CRLF', () => {
    expect(parseError('A="1\r\n2"\r\nB=3\r\nC D=4').message).toBe('line 4: key cannot contain a space');
  });

  it('rejects unknown formats', () => {
    expect(parseError('A=1', { format: 'yaml' }).message).toBe('unsupported env_file format "yaml"');
  });
});

describe('parseDotenv: raw format', () => {
  it.each<[string, string, Record<string, string>, Record<string, string>]>([
    [
      'values are literal',
      'A="q"\nB=$HOME\nC=a # b\nD=\\n',
      {},
      { A: '"q"', B: '$HOME', C: 'a # b', D: '\\n' },
    ],
    ['leading blanks trimmed, trailing kept', '  A=x  \n', {}, { A: 'x  ' }],
    ['comments and blank lines', '# c\n\n   \n  # c2\nA=1', {}, { A: '1' }],
    ['bare key from lookup', 'A\nB\n', { A: 'env' }, { A: 'env' }],
    ['CRLF', 'A=1\r\nB=2\r\n', {}, { A: '1', B: '2' }],
    ['BOM', '\uFEFFA=1', {}, { A: '1' }],
    ['first = splits', 'A=b=c', {}, { A: 'b=c' }],
  ])('%s', (_name, text, env, expected) => {
    expect(parseDotenv(text, { format: 'raw', lookup: lookupOf(env) })).toEqual(expected);
  });

  it.each([
    ['=x', "line 1: no variable name on line '=x'"],
    ['A=1\nB C=2', "line 2: variable 'B C' contains whitespaces"],
  ])('rejects %j', (text, message) => {
    expect(parseError(text, { format: 'raw' }).message).toBe(message);
    expect(parseError(text, { format: 'raw', file: 'f.env' }).message).toBe(
      `failed to parse env_file f.env: ${message}`,
    );
  });
});

describe('readEnvFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dotenv-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads files in order, later files win, and sees earlier files', () => {
    const a = write('a.env', 'HOST=localhost\nURL=http://${HOST}\nONLY_A=1\n');
    const b = write('b.env', 'HOST=prod\nURL=http://${HOST}\nFROM_A=${ONLY_A}\n');
    expect(readEnvFiles([a, b])).toEqual({ HOST: 'prod', URL: 'http://prod', ONLY_A: '1', FROM_A: '1' });
  });

  it('lets the environment win in interpolation', () => {
    const a = write('c.env', 'HOST=file\nURL=http://${HOST}\n');
    expect(readEnvFiles([a], lookupOf({ HOST: 'os' }))).toEqual({ HOST: 'file', URL: 'http://os' });
  });

  it('fails on a missing file', () => {
    const missing = join(dir, 'missing.env');
    expect(() => readEnvFiles([missing])).toThrow(`couldn't find env file: ${missing}`);
  });

  it('fails on a directory', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(() => readEnvFiles([sub])).toThrow(`${sub} is a directory`);
  });

  it('names the file on parse errors', () => {
    const bad = write('bad.env', 'OK=1\nNOT OK=2\n');
    let caught: unknown;
    try {
      readEnvFiles([bad]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      code: 'COMPOSE_ENV_FILE',
      message: `failed to read ${bad}: line 2: key cannot contain a space`,
      location: { file: bad, line: 2 },
    });
  });
});
