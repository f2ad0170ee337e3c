/**
 * The `berth` command line: docker compose's global flags (docker/compose cmd/compose/compose.go,
 * addProjectFlags and RootCommand) and one module per subcommand under ./commands. Command modules
 * stay light at import time — they load the loader, printers and runtimes inside their actions — so
 * `berth --help` and `berth --version` start fast. COMPOSE_* variables are read by the loader, not here.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerConfig } from './commands/config.js';
import { registerDown } from './commands/down.js';
import { registerPs } from './commands/ps.js';
import { registerUp } from './commands/up.js';
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
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseParallel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** Builds a fresh program for one invocation. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('berth');
  program
    .description('Define and run multi-container applications (a docker compose compatible CLI)')
    .usage('[OPTIONS] COMMAND')
    // Only the long form here: commander matches program options after the subcommand too, so a global
    // `-v` would swallow `down -v`. main() answers a lone `berth -v` before commander loads.
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
    .showHelpAfterError("(run 'berth --help' or 'berth COMMAND --help' for usage)")
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
    })
    .exitOverride();

  registerConfig(program, io);
  registerUp(program, io);
  registerDown(program, io);
  registerPs(program, io);

  // Subcommands inherit the output routing and the exit override.
  for (const cmd of program.commands) {
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).exitOverride();
    cmd.showHelpAfterError(`(run 'berth ${cmd.name()} --help' for usage)`);
  }
  return program;
}
