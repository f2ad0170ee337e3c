/**
 * What shell completion needs to know about the CLI, read from the commander program itself so the
 * scripts follow the commands and options as they are registered: each command's names, options (and
 * whether they take a value, and which values), positional arguments (service names or fixed choices).
 */
import type { Command, Option } from 'commander';

/** How the value of an option or a positional argument completes. */
export type ValueKind =
  | { kind: 'none' }
  | { kind: 'file' }
  | { kind: 'directory' }
  | { kind: 'service' }
  | { kind: 'choice'; choices: string[] };

export interface OptionSpec {
  /** `-f`, `--file`. */
  names: string[];
  description: string;
  /** Whether the option takes a value (`--file x`); flags do not. */
  takesValue: boolean;
  /** How its value completes (only when it takes one). */
  value: ValueKind;
  /** Whether it may be given more than once. */
  repeatable: boolean;
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  value: ValueKind;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  description: string;
  options: OptionSpec[];
  args: ArgumentSpec[];
}

export interface ProgramSpec {
  name: string;
  /** The program's own options: accepted before the command and after it. */
  globalOptions: OptionSpec[];
  commands: CommandSpec[];
}

/** Options whose values are paths. */
const FILE_OPTIONS = new Set(['--file', '--env-file']);
const DIRECTORY_OPTIONS = new Set(['--project-directory', '--workdir']);

function optionValue(o: Option): ValueKind {
  if (o.argChoices && o.argChoices.length > 0) return { kind: 'choice', choices: [...o.argChoices] };
  if (o.long && FILE_OPTIONS.has(o.long)) return { kind: 'file' };
  if (o.long && DIRECTORY_OPTIONS.has(o.long)) return { kind: 'directory' };
  return { kind: 'none' };
}

function optionSpec(o: Option): OptionSpec {
  const takesValue = o.required || o.optional;
  return {
    names: [o.short, o.long].filter((n): n is string => n !== undefined),
    description: o.description,
    takesValue,
    value: takesValue ? optionValue(o) : { kind: 'none' },
    // A value parser that accumulates (collect) makes an option repeatable; commander does not say more.
    repeatable: o.variadic || (takesValue && /repeatable/i.test(o.description)),
  };
}

function argumentValue(name: string, choices: string[] | undefined): ValueKind {
  if (choices && choices.length > 0) return { kind: 'choice', choices: [...choices] };
  if (/service/i.test(name)) return { kind: 'service' };
  return { kind: 'none' };
}

/** The completion model of `program` (hidden commands and options left out). */
export function programSpec(program: Command): ProgramSpec {
  const help = program.createHelp();
  return {
    name: program.name(),
    globalOptions: help.visibleOptions(program).map(optionSpec),
    commands: help
      .visibleCommands(program)
      .filter((c) => c.name() !== 'help')
      .map((c) => ({
        name: c.name(),
        aliases: c.aliases(),
        description: c.description(),
        options: help.visibleOptions(c).map(optionSpec),
        args: c.registeredArguments.map((a) => ({
          name: a.name(),
          variadic: a.variadic,
          value: argumentValue(a.name(), a.argChoices),
        })),
      })),
  };
}

/** The argument at 0-based position `index` (the last one again when it is variadic). */
export function argumentAt(args: readonly ArgumentSpec[], index: number): ArgumentSpec | undefined {
  if (index < args.length) return args[index];
  const last = args[args.length - 1];
  return last?.variadic ? last : undefined;
}
