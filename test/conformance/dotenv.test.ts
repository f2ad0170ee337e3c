/**
 * Conformance: compose-go `dotenv/` (../shared/conformance/compose-go/dotenv):
 * - expected.json: each fixture parsed with no lookup gives (at least) these keys;
 * - cases.json: the upstream API named by `api` (Parse, Read, Load, GetEnvFromFile…) on a fixture,
 *   inline text or several files;
 * - expand_cases.json: one value expanded against already-parsed variables, with an empty lookup.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComposeError } from '../../src/api/errors.js';
import { expandDotenvValue, parseDotenv, readEnvFiles } from '../../src/compose/dotenv.js';
import { MissingRequiredError } from '../../src/compose/template.js';
import { CORPUS, exceptionsFor, report } from './corpus.js';

interface DotenvCase {
  name: string;
  api: 'Parse' | 'ParseWithLookup' | 'Read' | 'ReadWithLookup' | 'Load' | 'GetEnvFromFile';
  file?: string;
  input?: string;
  inputs?: string[];
  lookup: Record<string, string>;
  expected?: Record<string, string>;
  exact?: boolean;
  absent?: string[];
  error?: string;
  errorIsExact?: boolean;
}

interface ExpandCase {
  name: string;
  vars: Record<string, string>;
  input: string;
  expected?: string;
  error?: string;
  errorFields?: { Variable: string; Reason: string };
}

const dir = join(CORPUS, 'dotenv');
const fixtures = join(dir, 'fixtures');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;

const expectedFixtures = readJson<Record<string, Record<string, string>>>('expected.json');
const cases = readJson<DotenvCase[]>('cases.json');
const expandCases = readJson<ExpandCase[]>('expand_cases.json');
const exceptions = exceptionsFor('dotenv');
const total = Object.keys(expectedFixtures).length + cases.length + expandCases.length;

const STARTS_WITH_DIGIT = /^\s*\d/;
const scratch = mkdtempSync(join(tmpdir(), 'berth-dotenv-'));

/** Runs one upstream API on a case; the Go-only wrappers (Read's digit filter) are restated here. */
function callApi(c: DotenvCase): Record<string, string> {
  const lookup = (name: string) => (Object.hasOwn(c.lookup, name) ? c.lookup[name] : undefined);
  switch (c.api) {
    case 'Parse':
    case 'ParseWithLookup':
      return parseDotenv(c.input ?? readFileSync(join(dir, c.file!), 'utf8'), {
        lookup: c.api === 'Parse' ? undefined : lookup,
      });
    case 'Read':
    case 'ReadWithLookup':
    case 'Load': {
      // godotenv's Read drops keys starting with a digit; Load reads with no lookup.
      const file = join(dir, c.file!);
      const vars = parseDotenv(readFileSync(file, 'utf8'), {
        file,
        lookup: c.api === 'ReadWithLookup' ? lookup : undefined,
      });
      if (c.api === 'Load') return vars;
      return Object.fromEntries(Object.entries(vars).filter(([k]) => !STARTS_WITH_DIGIT.test(k)));
    }
    case 'GetEnvFromFile': {
      const files = (c.inputs ?? []).map((text, i) => {
        const file = join(scratch, `${c.name.replace(/[^\w]+/g, '_')}.${i}.env`);
        writeFileSync(file, text);
        return file;
      });
      return readEnvFiles(files, lookup);
    }
  }
}

let passed = 0;
let failed = 0;
let excepted = 0;

function run(key: string, body: () => void): void {
  if (exceptions.has(key)) {
    excepted++;
    return;
  }
  failed++;
  body();
  failed--;
  passed++;
}

describe('conformance dotenv', () => {
  it.each(Object.entries(expectedFixtures))('expected.json %s', (fixture, expected) => {
    run(`expected.json ${fixture}`, () => {
      const actual = parseDotenv(readFileSync(join(fixtures, fixture), 'utf8'));
      expect(actual).toMatchObject(expected);
    });
  });

  it.each(cases.map((c) => [c.name, c] as const))('cases.json %s', (_name, c) => {
    run(`cases.json ${c.name}`, () => {
      if (c.error !== undefined) {
        let caught: unknown;
        try {
          callApi(c);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ComposeError);
        expect((caught as ComposeError).code).toBe('COMPOSE_ENV_FILE');
        const message = (caught as Error).message;
        if (c.errorIsExact) expect(message).toBe(c.error);
        else expect(message).toContain(c.error);
        return;
      }
      const actual = callApi(c);
      if (c.expected) {
        if (c.exact) expect(actual).toEqual(c.expected);
        else expect(actual).toMatchObject(c.expected);
      }
      for (const key of c.absent ?? []) expect(Object.hasOwn(actual, key)).toBe(false);
    });
  });

  it.each(expandCases.map((c) => [c.name, c] as const))('expand_cases.json %s', (_name, c) => {
    run(`expand_cases.json ${c.name}`, () => {
      const vars = { ...c.vars };
      if (c.error !== undefined) {
        let caught: unknown;
        try {
          expandDotenvValue(c.input, vars, () => undefined);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(MissingRequiredError);
        expect((caught as Error).message).toContain(c.error);
        if (c.errorFields) {
          expect((caught as MissingRequiredError).variable).toBe(c.errorFields.Variable);
          expect((caught as MissingRequiredError).reason).toBe(c.errorFields.Reason);
        }
      } else {
        expect(expandDotenvValue(c.input, vars, () => undefined)).toBe(c.expected);
      }
    });
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    report('dotenv', passed, failed, excepted, total);
  });
});
