// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} templates are the data under test
import { describe, expect, it } from 'vitest';
import {
  extractVariables,
  goQuote,
  InvalidTemplateError,
  type Lookup,
  MissingRequiredError,
  operatorOf,
  substitute,
} from '../../../src/compose/template.js';

const env: Record<string, string> = { FOO: 'first', EMPTY: '', JSON: '{"json":2}', ſ: 'long s' };
const lookup: Lookup = (name) => (Object.hasOwn(env, name) ? env[name] : undefined);

function run(template: string): { value: string; warnings: string[] } {
  const warnings: string[] = [];
  return { value: substitute(template, lookup, (w) => warnings.push(w)), warnings };
}

describe('substitute', () => {
  it.each([
    // plain and braced
    ['no dollar at all', 'plain text', 'plain text'],
    ['named', '$FOO', 'first'],
    ['named stops at non-name char', '$FOO-bar', 'first-bar'],
    ['named followed by a brace', '$FOO}', 'first}'],
    ['braced', 'x${FOO}y', 'xfirsty'],
    ['lower-case names are names too', '${foo:-lower}', 'lower'],
    // escapes and lone dollars
    ['$$ is a literal $', '$$FOO', '$FOO'],
    ['$$$$ gives two dollars', '$$$$', '$$'],
    ['$$ then a variable', '$$${FOO}', '$first'],
    ['escaped braces stay', '$${FOO:-x}', '${FOO:-x}'],
    ['dollar before a digit', 'cost $1', 'cost $1'],
    ['dollar before space', 'a $ b', 'a $ b'],
    ['trailing dollar', 'end$', 'end$'],
    ['dollar before }', '$}', '$}'],
    // operators
    ['soft default on empty', '${EMPTY:-d}', 'd'],
    ['hard default keeps empty', '${EMPTY-d}', ''],
    ['hard default on unset', '${UNSET-d}', 'd'],
    ['alternative on set non-empty', '${FOO:+alt}', 'alt'],
    ['alternative :+ on empty', '${EMPTY:+alt}', ''],
    ['alternative + on empty', '${EMPTY+alt}', 'alt'],
    ['alternative on unset', '${UNSET+alt}', ''],
    ['required and set', '${FOO:?boom}', 'first'],
    ['required ? accepts empty', '${EMPTY?boom}', ''],
    ['first operator wins', '${UNSET-a:-b}', 'a:-b'],
    // nesting
    ['nested defaults', '${A:-${B:-${C:-deep}}}', 'deep'],
    ['nested default uses a set var', '${A:-${FOO}}', 'first'],
    ['nested default mixes text', '${A:-x${FOO}y}', 'xfirsty'],
    ['two templates on a line', '${A:-a} ${B:-b}', 'a b'],
    ['text after the templates', '${A:-a}-${B:-b}!', 'a-b!'],
    ['json default', '${A:-{"k":1}}', '{"k":1}'],
    ['set var keeps its json', '${JSON:-{"k":1}}', '{"json":2}'],
    ['alternative nests a template', '${FOO:+${FOO},}B', 'first,B'],
    // compose-go quirks kept on purpose
    ['{} inside a default hides a brace', '${A:-{}x} y}', '{}x} y'],
    ['braced match stops at the line end', '${A:-x}\n}', 'x\n}'],
    ['unused bad default is not an error', '${FOO:-${}', 'first'],
    // unicode
    ['unicode around templates', 'héllo ${FOO} wörld ✓', 'héllo first wörld ✓'],
    ['unicode default', '${A:-日本語}', '日本語'],
    ['named stops before a non-ASCII letter', '$FOOé', 'firsté'],
    ['Go folds long s into [a-z]', '$ſ', 'long s'],
    ['emoji after a name', '$FOO😀', 'first😀'],
    // multi-line strings
    ['multi-line values', 'a=${FOO}\nb=${A:-x}\n', 'a=first\nb=x\n'],
    ['CRLF line endings', '${FOO}\r\n${A:-d}\r\n', 'first\r\nd\r\n'],
  ])('%s', (_name, template, expected) => {
    expect(run(template).value).toBe(expected);
  });

  it.each([
    ['${', '"${"'],
    ['${}', '"${}"'],
    ['${ foo}', '"${ foo}"'],
    ['${foo!}', '"${foo!}"'],
    ['${é}', '"${é}"'],
    ['${A:-x', '"${A:-x"'],
    ['${A:-x\n}', '"${A:-x\\n}"'],
    // the error names the sub-template compose-go was substituting
    ['${A:-x} ${ }}', '" ${ }}"'],
    ['${A:-${}', '"${"'],
  ])('invalid template %j', (template, quoted) => {
    let caught: unknown;
    try {
      substitute(template, lookup);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidTemplateError);
    expect((caught as InvalidTemplateError).code).toBe('COMPOSE_INTERPOLATION');
    expect((caught as Error).message).toBe(`Invalid template: ${quoted}`);
  });

  it.each([
    ['${X:?must be set}', 'X', 'must be set', 'required variable X is missing a value: must be set'],
    ['${X?}', 'X', '', 'required variable X is missing a value'],
    ['${EMPTY:?empty}', 'EMPTY', 'empty', 'required variable EMPTY is missing a value: empty'],
    ['${X:?need ${FOO}}', 'X', 'need first', 'required variable X is missing a value: need first'],
    ['${A:-${X:?inner}}', 'X', 'inner', 'required variable X is missing a value: inner'],
    ['ok ${FOO} ${X?late}', 'X', 'late', 'required variable X is missing a value: late'],
  ])('required %j', (template, variable, reason, message) => {
    let caught: unknown;
    try {
      substitute(template, lookup);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MissingRequiredError);
    expect(caught).toMatchObject({ variable, reason, message, code: 'COMPOSE_INTERPOLATION' });
  });

  it.each([
    ['$UNSET', 1],
    ['${UNSET}', 1],
    ['${UNSET} and $UNSET', 2],
    ['${UNSET:-d}', 0],
    ['${UNSET:+${ALSO_UNSET}}', 0],
    ['${UNSET:-${ALSO_UNSET}}', 1],
    ['${FOO?${UNSET}}', 0],
    ['${EMPTY}', 0],
    ['$$UNSET', 0],
  ])('warnings for %j: %i', (template, count) => {
    expect(run(template).warnings).toHaveLength(count);
  });

  it('words the warning like compose', () => {
    expect(run('$NOPE').warnings).toEqual(['The "NOPE" variable is not set. Defaulting to a blank string.']);
  });

  it('stays linear on a long line of templates', () => {
    const template = '${A:-x}'.repeat(20_000);
    const started = performance.now();
    expect(substitute(template, lookup)).toBe('x'.repeat(20_000));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('operatorOf', () => {
  it.each([
    ['V:-x', ':-'],
    ['V-x:-y', '-'],
    ['V:?x-y', ':?'],
    ['V?x:-y', '?'],
    ['V:+x?y', ':+'],
    ['V+x-y', '+'],
    ['V', undefined],
  ])('%s → %s', (input, op) => {
    expect(operatorOf(input)).toBe(op);
  });
});

describe('extractVariables', () => {
  const v = (name: string, extra: Partial<{ d: string; p: string; r: boolean }> = {}) => ({
    name,
    defaultValue: extra.d ?? '',
    presenceValue: extra.p ?? '',
    required: extra.r ?? false,
  });

  it.each([
    ['nothing', { a: 'plain', b: 1, c: null }, []],
    ['named', { a: '$X' }, [v('X')]],
    ['escaped is skipped', { a: '$$X ${Y}' }, [v('Y')]],
    ['default', { a: '${X:-d}' }, [v('X', { d: 'd' })]],
    ['presence', { a: '${X+p}' }, [v('X', { p: 'p' })]],
    ['required', { a: '${X:?msg}' }, [v('X', { r: true })]],
    ['nested default', { a: '${X:-${Y:-z}}' }, [v('X', { d: '${Y:-z}' }), v('Y', { d: 'z' })]],
    ['rest of a line', { a: '${X:-1} ${Y:-2}' }, [v('Y', { d: '2' }), v('X', { d: '1' })]],
    ['deep in lists', { s: [{ t: ['${DEEP}'] }] }, [v('DEEP')]],
    ['bare ${ gives an empty name', { a: '${' }, [v('')]],
  ])('%s', (_name, tree, expected) => {
    expect([...extractVariables(tree).values()]).toEqual(expected);
  });

  it('keeps the last occurrence of a name', () => {
    const vars = extractVariables({ a: '${X:-first}', b: ['${X:-second}'] });
    expect(vars.get('X')?.defaultValue).toBe('second');
  });

  it('allows names that are Object.prototype keys', () => {
    expect([...extractVariables({ a: '$__proto__ $constructor' }).keys()]).toEqual([
      '__proto__',
      'constructor',
    ]);
  });
});

describe('goQuote', () => {
  it.each([
    ['abc', '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\n\t\x07\x00\x7f', '"\\n\\t\\a\\x00\\x7f"'],
    ['é日本😀', '"é日本😀"'],
    ['\u00a0\u200b', '"\\u00a0\\u200b"'],
  ])('%j', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });
});
