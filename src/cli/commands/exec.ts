/**
 * `berth exec [OPTIONS] SERVICE COMMAND [ARGS...]` (docker/compose cmd/compose/exec.go): run a command
 * in a running container of the service and exit with its exit code. Options stop at SERVICE (the
 * command's own flags are its own).
 *
 * TTY: allocated by default when both stdin and stdout are terminals (compose decides from stdout
 * alone, and the docker CLI then refuses a piped stdin; berth falls back to no TTY instead), `-T`
 * disables it. With a TTY the local terminal is in raw mode for the session (restored however it
 * ends: Ctrl-C goes to the container as a keystroke), and its size follows the window (SIGWINCH).
 * Without one, stdin is piped through as it comes (`echo hi | berth exec -T svc cat`), and its end
 * closes the command's stdin. Ctrl-C without a TTY ends berth (status 130); the command
 * runs on in the container, as with docker compose.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { TtySize } from '../../api/interactive.js';
import type { CliIo, GlobalOptions } from '../program.js';

interface ExecFlags {
  detach?: boolean;
  env?: string[];
  index?: number;
  privileged?: boolean;
  user?: string;
  workdir?: string;
  /** `-T/--no-tty` → false, hidden `-t/--tty` → true, neither → undefined (auto). */
  tty?: boolean;
  /** Legacy `--no-TTY`. */
  TTY?: boolean;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function parseIndex(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a container number');
  return n;
}

/**
 * `-e KEY=VAL` / `-e KEY` (value from the environment; left out when unset, as compose resolves it).
 * Later entries win.
 */
export function parseEnvFlags(
  entries: readonly string[] | undefined,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries ?? []) {
    const eq = e.indexOf('=');
    if (eq === 0) continue;
    if (eq > 0) out[e.slice(0, eq)] = e.slice(eq + 1);
    else if (env[e] !== undefined) out[e] = env[e]!;
  }
  return out;
}

/** Whether to allocate a TTY: an explicit flag wins, else both ends must be terminals. */
export function wantTty(flag: boolean | undefined, terminal: { stdin: boolean; stdout: boolean }): boolean {
  return flag ?? (terminal.stdin && terminal.stdout);
}

/** The local terminal during an interactive session. */
export interface LocalTerminal {
  size(): TtySize | undefined;
  /** Raw mode on stdin (when it is a terminal); `restore()` undoes it. */
  raw(): void;
  restore(): void;
  /** Calls `cb` with the new size on every window resize; returns the unsubscribe. */
  onResize(cb: (size: TtySize) => void): () => void;
}

export function localTerminal(): LocalTerminal {
  const stdin = process.stdin;
  const stdout = process.stdout;
  let rawOn = false;
  const size = (): TtySize | undefined =>
    stdout.isTTY && stdout.columns && stdout.rows ? { rows: stdout.rows, cols: stdout.columns } : undefined;
  return {
    size,
    raw() {
      if (stdin.isTTY && !rawOn) {
        stdin.setRawMode(true);
        rawOn = true;
      }
    },
    restore() {
      if (rawOn) {
        stdin.setRawMode(false);
        rawOn = false;
      }
    },
    onResize(cb) {
      const handler = () => {
        const s = size();
        if (s) cb(s);
      };
      process.on('SIGWINCH', handler);
      return () => process.off('SIGWINCH', handler);
    },
  };
}

export function registerExec(program: Command, io: CliIo): void {
  program
    .command('exec')
    .description('Execute a command in a running container')
    .usage('[OPTIONS] SERVICE COMMAND [ARGS...]')
    .argument('<service>', 'The service')
    .argument('<command...>', 'The command and its arguments')
    .passThroughOptions()
    .option('-d, --detach', 'Detached mode: Run command in the background')
    .option('-e, --env <KEY=VAL>', 'Set environment variables (repeatable)', collect)
    .option('--index <n>', 'Index of the container if service has multiple replicas', parseIndex)
    .option('--privileged', 'Give extended privileges to the process')
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    // `--tty` before `--no-tty`: then neither has a default and "not given" stays undefined (auto).
    .addOption(new Option('-t, --tty', 'Allocate a pseudo-TTY').hideHelp())
    .option(
      '-T, --no-tty',
      "Disable pseudo-TTY allocation. By default 'berth exec' allocates a TTY when run in a terminal.",
    )
    .addOption(new Option('--no-TTY').hideHelp())
    .addOption(new Option('-i, --interactive', 'Keep STDIN open even if not attached').hideHelp())
    .action(async (service: string, command: string[], _flags: ExecFlags, cmd: Command) => {
      await runExec(service, command, cmd.optsWithGlobals<ExecFlags & GlobalOptions>(), io);
    });
}

async function runExec(
  service: string,
  command: string[],
  opts: ExecFlags & GlobalOptions,
  io: CliIo,
): Promise<void> {
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  const { exec } = await import('../../verbs/exec.js');
  const { CommandExit } = await import('../exit.js');
  const { EXIT_INTERRUPTED } = await import('../main.js');

  const terminal = { stdin: process.stdin.isTTY === true, stdout: process.stdout.isTTY === true };
  const tty = wantTty(opts.TTY === false ? false : opts.tty, terminal);
  const term = localTerminal();
  // Compose's exec is always interactive (its hidden -i defaults to true): stdin goes in.
  const stdin = opts.detach ? undefined : process.stdin;

  // Ctrl-C (without a TTY), or being terminated: stop, with the terminal restored on the way out.
  const interrupted = new AbortController();
  const onSigint = () => interrupted.abort();
  for (const s of STOP_SIGNALS) process.on(s, onSigint);
  let stopResize = () => {};
  try {
    if (tty && !opts.detach) term.raw();
    const result = await exec(project ?? name, service, command, {
      env: io.env,
      signal: interrupted.signal,
      index: opts.index,
      environment: parseEnvFlags(opts.env, io.env),
      user: opts.user,
      workdir: opts.workdir,
      privileged: opts.privileged,
      detach: opts.detach,
      tty,
      ttySize: tty ? term.size() : undefined,
      stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      onStart: (session) => {
        if (tty) stopResize = term.onResize((size) => void session.resize(size).catch(() => {}));
      },
    });
    if (result.exitCode !== undefined && result.exitCode !== 0) throw new CommandExit(result.exitCode);
  } catch (err) {
    if (interrupted.signal.aborted && !(err instanceof CommandExit)) throw new CommandExit(EXIT_INTERRUPTED);
    throw err;
  } finally {
    stopResize();
    term.restore();
    for (const s of STOP_SIGNALS) process.off(s, onSigint);
    // Our stdin is done with: let the process exit instead of waiting for more input.
    if (stdin) process.stdin.pause();
  }
}
