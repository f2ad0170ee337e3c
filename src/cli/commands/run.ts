/**
 * `berth run [OPTIONS] SERVICE [COMMAND] [ARGS...]` (docker/compose cmd/compose/run.go): a one-off
 * container of the service, its dependencies started first (unless `--no-deps`). Options stop at
 * SERVICE. Attached (the default) berth exits with the container's exit code; `-d` prints the
 * container id and returns.
 *
 * TTY as compose: `-t`/`-T` decide, else a TTY when stdin and stdout are terminals. With a TTY the
 * local terminal is raw for the session (Ctrl-C reaches the container as a keystroke) and its size
 * follows the window. Without one, stdin is piped in (`-i`, the default; its end closes the
 * container's stdin) and signals (Ctrl-C, SIGTERM…) are forwarded to the container, whose exit
 * code then decides, as `docker compose run` does.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { RunOptions } from '../../api/interactive.js';
import type { CliIo, GlobalOptions } from '../program.js';
import { collect, localTerminal, parseEnvFlags, wantTty } from './exec.js';
import { pullOption, pullPolicy } from './pull-policy.js';

interface RunFlags {
  detach?: boolean;
  env?: string[];
  envFromFile?: string[];
  label?: string[];
  rm?: boolean;
  name?: string;
  user?: string;
  workdir?: string;
  entrypoint?: string;
  capAdd?: string[];
  capDrop?: string[];
  /** `--no-deps` → false. */
  deps: boolean;
  volume?: string[];
  publish?: string[];
  useAliases?: boolean;
  servicePorts?: boolean;
  pull?: string;
  quiet?: boolean;
  quietPull?: boolean;
  build?: boolean;
  removeOrphans?: boolean;
  interactive?: boolean;
  tty?: boolean;
  TTY?: boolean;
}

/** Signals forwarded to a container without a TTY (docker CLI ForwardAllSignals, the usual ones). */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('Run a one-off command on a service')
    .usage('[OPTIONS] SERVICE [COMMAND] [ARGS...]')
    .argument('<service>', 'The service')
    .argument('[command...]', 'The command and its arguments (default: the service command)')
    .passThroughOptions()
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('-e, --env <KEY=VAL>', 'Set environment variables (repeatable)', collect)
    .option('--env-from-file <file>', 'Set environment variables from file (repeatable)', collect)
    .option('-l, --label <KEY=VAL>', 'Add or override a label (repeatable)', collect)
    .option('--rm', 'Automatically remove the container when it exits')
    .option('--name <name>', 'Assign a name to the container')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('--cap-add <cap>', 'Add Linux capabilities (repeatable)', collect)
    .option('--cap-drop <cap>', 'Drop Linux capabilities (repeatable)', collect)
    .option('--no-deps', "Don't start linked services")
    .option('-v, --volume <spec>', 'Bind mount a volume (repeatable)', collect)
    .option('-p, --publish <spec>', "Publish a container's port(s) to the host (repeatable)", collect)
    .option('--use-aliases', "Use the service's network aliases in the network(s) the container connects to")
    .option('-P, --service-ports', "Run command with all service's ports enabled and mapped to the host")
    .addOption(pullOption())
    .option('-q, --quiet', "Don't print anything to STDOUT")
    .option('--quiet-pull', 'Pull without printing progress information')
    .option('--build', 'Build image before starting container')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('-i, --interactive', 'Keep STDIN open even if not attached (default true)')
    .addOption(new Option('--no-interactive').hideHelp())
    // `--tty` before `--no-tty`: neither has a default, so "not given" stays undefined (auto).
    .addOption(new Option('-t, --tty', 'Allocate a pseudo-TTY').hideHelp())
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .addOption(new Option('--no-TTY').hideHelp())
    .action(async (service: string, command: string[], _flags: RunFlags, cmd: Command) => {
      await runRun(service, command, cmd.optsWithGlobals<RunFlags & GlobalOptions>(), io);
    });
}

async function runOptions(
  opts: RunFlags & GlobalOptions,
  command: string[],
  env: Record<string, string | undefined>,
): Promise<RunOptions> {
  const { BerthError } = await import('../../api/errors.js');
  if ((opts.publish?.length ?? 0) > 0 && opts.servicePorts) {
    throw new BerthError('USAGE', '--service-ports and --publish are incompatible');
  }
  const labels: Record<string, string> = {};
  for (const l of opts.label ?? []) {
    const eq = l.indexOf('=');
    if (eq < 0) throw new BerthError('USAGE', 'label must be set as KEY=VALUE');
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  let entrypoint: string[] | undefined;
  if (opts.entrypoint !== undefined) {
    const { splitShellWords } = await import('../../compose/model/shellwords.js');
    try {
      entrypoint = splitShellWords(opts.entrypoint);
    } catch (err) {
      throw new BerthError('USAGE', `invalid --entrypoint: ${(err as Error).message}`);
    }
  }
  const environment = parseEnvFlags(opts.env, env);
  // --env-from-file: dotenv files; -e wins over them (compose's getEnvironment).
  if (opts.envFromFile && opts.envFromFile.length > 0) {
    const { readFileSync } = await import('node:fs');
    const { parseDotenv } = await import('../../compose/dotenv.js');
    for (const file of opts.envFromFile) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new BerthError('COMPOSE_ENV_FILE', `cannot read ${file}: ${(err as Error).message}`);
      }
      const vars = parseDotenv(text, { lookup: (k: string) => environment[k] ?? env[k] });
      for (const [k, v] of Object.entries(vars)) if (!(k in environment)) environment[k] = v;
    }
  }
  return {
    command: command.length > 0 ? command : undefined,
    entrypoint,
    name: opts.name,
    detach: opts.detach,
    rm: opts.rm,
    noDeps: !opts.deps,
    environment,
    labels,
    publish: opts.publish,
    servicePorts: opts.servicePorts,
    useAliases: opts.useAliases,
    user: opts.user,
    workdir: opts.workdir,
    volumes: opts.volume,
    capAdd: opts.capAdd,
    capDrop: opts.capDrop,
    pull: pullPolicy(opts.pull),
    removeOrphans: opts.removeOrphans,
    build: opts.build,
  };
}

async function runRun(
  service: string,
  command: string[],
  opts: RunFlags & GlobalOptions,
  io: CliIo,
): Promise<void> {
  const { BerthError } = await import('../../api/errors.js');
  const flagTty = opts.TTY === false ? false : opts.tty;
  const options = await runOptions(opts, command, io.env);
  const { loadCliProject } = await import('../project-options.js');
  const project = await loadCliProject(opts, io, { services: [service] });

  const terminal = { stdin: process.stdin.isTTY === true, stdout: process.stdout.isTTY === true };
  const tty = wantTty(flagTty, terminal);
  const interactive = opts.interactive !== false && !opts.detach;
  if (tty && interactive && !terminal.stdin) {
    throw new BerthError('USAGE', 'the input device is not a TTY', {
      hint: 'use -T to run without a pseudo-TTY',
    });
  }

  const { CommandExit } = await import('../exit.js');
  const { EXIT_INTERRUPTED } = await import('../main.js');
  const { cliProgress } = await import('../render/progress.js');
  const progress = await cliProgress(opts.quiet ? { ...opts, progress: 'quiet' } : opts, io.env, io.err);
  const term = localTerminal();
  // Ctrl-C before the container runs cancels; once it runs, signals go to it (without a TTY).
  const starting = new AbortController();
  let session: { kill(signal?: string): Promise<void> } | undefined;
  let interrupts = 0;
  const forward = (signal: NodeJS.Signals) => {
    if (session) {
      void session.kill(signal).catch(() => {});
      return;
    }
    if (signal === 'SIGINT') interrupts++;
    starting.abort();
  };
  for (const s of FORWARDED) process.on(s, forward);
  let stopResize = () => {};
  const stdin = interactive ? process.stdin : undefined;
  try {
    const { run } = await import('../../verbs/run.js');
    const result = await run(project, service, {
      ...options,
      env: io.env,
      cwd: io.cwd,
      onEvent: progress.onEvent,
      signal: starting.signal,
      parallel: opts.parallel,
      tty,
      interactive,
      stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      ttySize: tty ? term.size() : undefined,
      onStart: (s) => {
        progress.done();
        // From here the abort signal must not kill the container: signals are forwarded instead.
        session = s;
        if (tty) {
          term.raw();
          stopResize = term.onResize((size) => void s.resize(size).catch(() => {}));
        }
      },
    });
    if (opts.detach) {
      progress.done();
      io.out(`${result.container.id}\n`);
      return;
    }
    if (result.exitCode !== undefined && result.exitCode !== 0) throw new CommandExit(result.exitCode);
  } catch (err) {
    if (interrupts > 0 && !(err instanceof CommandExit)) throw new CommandExit(EXIT_INTERRUPTED);
    throw err;
  } finally {
    progress.done();
    stopResize();
    term.restore();
    for (const s of FORWARDED) process.off(s, forward);
    if (stdin) process.stdin.pause();
  }
}
