/**
 * The `berth` command line: docker compose's global flags (docker/compose cmd/compose/compose.go,
 * addProjectFlags and RootCommand) and one module per subcommand under ./commands. Command modules
 * stay light at import time — they load the loader, printers and runtimes inside their actions — so
 * `berth --help` and `berth --version` start fast. COMPOSE_* variables are read by the loader, not here.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerCp } from './commands/cp.js';
import { registerCreate } from './commands/create.js';
import { registerDown } from './commands/down.js';
import { registerEvents } from './commands/events.js';
import { registerExec } from './commands/exec.js';
import { registerImage } from './commands/image.js';
import { registerImages } from './commands/images.js';
import { registerInfo } from './commands/info.js';
import { registerKill } from './commands/kill.js';
import { registerLogin } from './commands/login.js';
import { registerLogout } from './commands/logout.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerPause, registerUnpause } from './commands/pause.js';
import { registerPort } from './commands/port.js';
import { registerPs } from './commands/ps.js';
import { registerPull } from './commands/pull.js';
import { registerPush } from './commands/push.js';
import { registerRestart } from './commands/restart.js';
import { registerRm } from './commands/rm.js';
import { registerRun } from './commands/run.js';
import { registerScale } from './commands/scale.js';
import { registerStart } from './commands/start.js';
import { registerStats } from './commands/stats.js';
import { registerStop } from './commands/stop.js';
import { registerTop } from './commands/top.js';
import { registerUp } from './commands/up.js';
import { registerVersion } from './commands/version.js';
import { registerWait } from './commands/wait.js';
import { versionLine } from './version.js';

/** Where a command writes. main() passes the process streams; tests may capture them. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads all of stdin (for `-f -`). */
  readStdin?: () => Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The global flags, as commander parses them (`cmd.optsWithGlobals()`). */
export interface GlobalOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  envFile?: string[];
  progress?: string;
  parallel?: number;
  dryRun?: boolean;
  ansi?: string;
  debug?: boolean;
  runtime?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseParallel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

type Register = (program: Command, io: CliIo) => void;

/** Every subcommand, in `berth --help` order, by name. */
const COMMANDS: Record<string, Register> = {
  build: registerBuild,
  config: registerConfig,
  cp: registerCp,
  create: registerCreate,
  down: registerDown,
  events: registerEvents,
  exec: registerExec,
  image: registerImage,
  images: registerImages,
  info: registerInfo,
  kill: registerKill,
  login: registerLogin,
  logout: registerLogout,
  logs: registerLogs,
  ls: registerLs,
  pause: registerPause,
  port: registerPort,
  ps: registerPs,
  pull: registerPull,
  push: registerPush,
  restart: registerRestart,
  rm: registerRm,
  run: registerRun,
  scale: registerScale,
  start: registerStart,
  stats: registerStats,
  stop: registerStop,
  top: registerTop,
  unpause: registerUnpause,
  up: registerUp,
  version: registerVersion,
  wait: registerWait,
  completion: registerCompletion,
};

/** Commands that look at the whole program (help, completion scripts). */
const NEEDS_ALL = new Set(['help', 'completion']);

/** Global flags that take a value: their value is not the subcommand. */
const VALUE_FLAGS = new Set([
  ...['-f', '--file', '-p', '--project-name', '--project-directory', '--profile'],
  ...['--env-file', '--progress', '--parallel', '--ansi', '--runtime'],
]);

/**
 * The subcommand `args` name (global flags come first, as in compose), or undefined (`--help`, none).
 * Global flags in the `--flag=value` form need no skipping.
 */
export function subcommandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * Builds a fresh program for one invocation. With `command`, only that subcommand is registered:
 * setting up ~30 commands' options costs more than some commands take to run (`ps`, a no-op `up`).
 * An unknown name registers them all, so commander can suggest the closest one.
 */
export function buildProgram(io: CliIo, command?: string): Command {
  const program = new Command('berth');
  program
    .description('Define and run multi-container applications (a docker compose compatible CLI)')
    .usage('[OPTIONS] COMMAND')
    // Global flags only before the command, as compose's root flags (TraverseChildren): otherwise
    // `-f`/`-p` after it are taken from `logs -f`, `exec db psql -p 5432`, `run svc ls -f`.
    .enablePositionalOptions()
    // Only the long form here: main() answers a lone `berth -v` before commander loads.
    .version(versionLine(), '--version', 'Show the berth version information (also -v)')
    .option('-f, --file <path>', 'Compose configuration files (repeatable; "-" reads stdin)', collect)
    .option('-p, --project-name <name>', 'Project name')
    .option(
      '--project-directory <dir>',
      'Specify an alternate working directory (default: the path of the first specified Compose file)',
    )
    .option('--profile <name>', 'Specify a profile to enable (repeatable)', collect)
    .option('--env-file <path>', 'Specify an alternate environment file (repeatable)', collect)
    .addOption(
      new Option('--progress <mode>', 'Set type of progress output').choices([
        'auto',
        'tty',
        'plain',
        'json',
        'quiet',
      ]),
    )
    .option('--parallel <n>', 'Control max parallelism, -1 for unlimited', parseParallel)
    .option('--dry-run', 'Execute command in dry run mode')
    .addOption(
      new Option('--ansi <when>', 'Control when to print ANSI control characters').choices([
        'never',
        'always',
        'auto',
      ]),
    )
    .option('--debug', 'Print stack traces of errors (also BERTH_DEBUG=1)')
    .addOption(
      new Option('--runtime <name>', 'The engine: docker, builtin, or auto (also BERTH_RUNTIME)').choices([
        'auto',
        'docker',
        'builtin',
      ]),
    )
    .showHelpAfterError("(run 'berth --help' or 'berth COMMAND --help' for usage)")
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
    })
    .exitOverride()
    // Verbs open their engine from io.env, so the flag travels as the variable it stands for.
    .hook('preAction', (root) => {
      const runtime = root.opts<GlobalOptions>().runtime;
      if (runtime) io.env = { ...io.env, BERTH_RUNTIME: runtime };
    });

  const only = command !== undefined && !NEEDS_ALL.has(command) ? COMMANDS[command] : undefined;
  if (only) only(program, io);
  else for (const register of Object.values(COMMANDS)) register(program, io);

  // Subcommands inherit the output routing and the exit override.
  for (const cmd of program.commands) {
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).exitOverride();
    cmd.showHelpAfterError(`(run 'berth ${cmd.name()} --help' for usage)`);
  }
  return program;
}
