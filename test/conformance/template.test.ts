/**
 * Conformance: compose-go `template/` and `interpolation/` tables (../shared/conformance/compose-go/template):
 * - cases.json: `substitute(template, env)` gives `expected` (and `warnings` unset-variable warnings), or
 *   fails with `error`; `interpolationError` is the message for the same string at
 *   `myservice.environment.TESTVAR` of a model;
 * - operator_choice.json: the operator picked inside `${…}`;
 * - variables.json: `extractVariables(model)`;
 * - interpolate_tree.json: `interpolateModel(tree, env)`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComposeError } from '../../src/api/errors.js';
import { interpolateModel } from '../../src/compose/interpolate.js';
import {
  extractVariables,
  InvalidTemplateError,
  type Lookup,
  MissingRequiredError,
  operatorOf,
  substitute,
} from '../../src/compose/template.js';
import { CORPUS, exceptionsFor, report } from './corpus.js';

interface TemplateCase {
  name: string;
  template: string;
  env: Record<string, string>;
  expected?: string;
  error?: string;
  warnings?: number;
  errorType?: 'MissingRequiredError';
  errorFields?: { Variable: string; Reason: string };
  interpolationError?: string;
}

interface OperatorCase {
  name: string;
  input: string;
  operator: string;
}

interface VariablesCase {
  name: string;
  input: Record<string, unknown>;
  expected: Record<string, { Name: string; DefaultValue: string; PresenceValue: string; Required: boolean }>;
}

interface TreeCase {
  name: string;
  env: Record<string, string>;
  input: Record<string, unknown>;
  expected?: Record<string, unknown>;
  error?: string;
  errorIsExact?: boolean;
}

const dir = join(CORPUS, 'template');
const load = <T>(file: string): T[] => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T[];

const cases = load<TemplateCase>('cases.json');
const operators = load<OperatorCase>('operator_choice.json');
const variables = load<VariablesCase>('variables.json');
const trees = load<TreeCase>('interpolate_tree.json');
const exceptions = exceptionsFor('template');
const total = cases.length + operators.length + variables.length + trees.length;

function lookupIn(env: Record<string, string>): Lookup {
  return (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
}

let passed = 0;
let failed = 0;
let excepted = 0;

/** Runs one case body, counting it; exceptions are counted, not run. */
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

describe('conformance template', () => {
  it.each(cases.map((c) => [c.name, c] as const))('cases.json %s', (_name, c) => {
    run(`cases.json ${c.name}`, () => {
      const warnings: string[] = [];
      const lookup = lookupIn(c.env);
      if (c.error !== undefined) {
        let caught: unknown;
        try {
          substitute(c.template, lookup, (w) => warnings.push(w));
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ComposeError);
        expect((caught as ComposeError).code).toBe('COMPOSE_INTERPOLATION');
        expect((caught as Error).message).toContain(c.error);
        if (c.errorType === 'MissingRequiredError') expect(caught).toBeInstanceOf(MissingRequiredError);
        if (c.error.startsWith('Invalid template')) expect(caught).toBeInstanceOf(InvalidTemplateError);
        if (c.errorFields) {
          expect((caught as MissingRequiredError).variable).toBe(c.errorFields.Variable);
          expect((caught as MissingRequiredError).reason).toBe(c.errorFields.Reason);
        }
        if (c.interpolationError !== undefined) {
          const model = { myservice: { environment: { TESTVAR: c.template } } };
          expect(() => interpolateModel(model, { lookup })).toThrow(c.interpolationError);
        }
      } else {
        expect(substitute(c.template, lookup, (w) => warnings.push(w))).toBe(c.expected);
      }
      if (c.warnings !== undefined) expect(warnings).toHaveLength(c.warnings);
    });
  });

  it.each(operators.map((c) => [c.name, c] as const))('operator_choice.json %s', (_name, c) => {
    run(`operator_choice.json ${c.name}`, () => {
      expect(operatorOf(c.input)).toBe(c.operator);
    });
  });

  it.each(variables.map((c) => [c.name, c] as const))('variables.json %s', (_name, c) => {
    run(`variables.json ${c.name}`, () => {
      const actual = Object.fromEntries(
        [...extractVariables(c.input)].map(([name, v]) => [
          name,
          {
            Name: v.name,
            DefaultValue: v.defaultValue,
            PresenceValue: v.presenceValue,
            Required: v.required,
          },
        ]),
      );
      expect(actual).toEqual(c.expected);
    });
  });

  it.each(trees.map((c) => [c.name, c] as const))('interpolate_tree.json %s', (_name, c) => {
    run(`interpolate_tree.json ${c.name}`, () => {
      const options = { lookup: lookupIn(c.env) };
      if (c.error !== undefined) {
        let caught: unknown;
        try {
          interpolateModel(c.input, options);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ComposeError);
        expect((caught as ComposeError).code).toBe('COMPOSE_INTERPOLATION');
        if (c.errorIsExact) expect((caught as Error).message).toBe(c.error);
        else expect((caught as Error).message).toContain(c.error);
      } else {
        expect(interpolateModel(c.input, options)).toEqual(c.expected);
      }
    });
  });

  afterAll(() => report('template', passed, failed, excepted, total));
});
