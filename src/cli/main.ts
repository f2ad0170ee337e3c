/**
 * The process entry of the `berth` CLI (bin/berth.js calls main). It owns the exit codes, which follow
 * docker compose (docker/compose cmd/main.go, cmd/compose/compose.go): 0 on success and for
 * --help/--version, 1 for any error including usage errors (compose's flag-error handler returns
 * status 1, not cobra's default), 130 when interrupted.
 *
 * Errors berth raises on purpose (BerthError) print as `error: <file>:<line>:<col>: <path>: <message>`
 * plus `hint: …`, never with a stack trace unless --debug or BERTH_DEBUG=1. Anything else is a bug in
 * berth: its message prints with a pointer to --debug.
 */
import { BerthError } from '../api/errors.js';
import { CommandExit } from './exit.js';
import type { CliIo } from './program.js';
import { versionLine } from './version.js';

export { projectWasLoaded } from './project-cache.js';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_INTERRUPTED = 130;

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function processIo(): CliIo {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    readStdin: readAllStdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** An operating-system error (ENOENT, EACCES…): the user's environment, not a berth bug. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
}

/** Runs the CLI with `argv` as in process.argv (node, script, args…); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = argv.slice(2);
  const debug = args.includes('--debug') || /^(1|true)$/i.test(io.env.BERTH_DEBUG ?? '');
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    // The one call scripts make in a loop: answer without loading commander.
    io.out(`${versionLine()}\n`);
    return EXIT_OK;
  }
  const { buildProgram, subcommandOf } = await import('./program.js');
  const { CommanderError } = await import('commander');
  try {
    const program = buildProgram(io, subcommandOf(args));
    if (args.length === 0) {
      program.outputHelp();
      return EXIT_OK;
    }
    await program.parseAsync(args, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return report(err instanceof CommanderError, err, debug, io);
  }
}

function report(fromCommander: boolean, err: unknown, debug: boolean, io: CliIo): number {
  if (fromCommander) {
    // commander has already printed the usage error (or the help/version text).
    return (err as { exitCode?: number }).exitCode === 0 ? EXIT_OK : EXIT_ERROR;
  }
  if (err instanceof CommandExit) return err.exitCode;
  if (err instanceof BerthError) {
    io.err(`error: ${err.describe()}\n`);
    if (err.hint) io.err(`hint: ${err.hint}\n`);
    if (debug) io.err(`${stackOf(err)}\n`);
    return EXIT_ERROR;
  }
  if (isSystemError(err)) {
    io.err(`error: ${err.message}\n`);
    if (debug) io.err(`${stackOf(err)}\n`);
    return EXIT_ERROR;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`error: ${message}\n`);
  if (debug) io.err(`${stackOf(err)}\n`);
  else
    io.err('note: this looks like a bug in berth; re-run with --debug for the stack trace and report it\n');
  return EXIT_ERROR;
}

function stackOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null) {
    parts.push(e instanceof Error ? (e.stack ?? String(e)) : String(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
