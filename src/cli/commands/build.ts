/**
 * `berth build [SERVICE...]` (docker/compose cmd/compose/build.go): build the images of the services
 * with `build:` (verbs/build.ts), in parallel (bounded by --parallel, default 4), in dependency order.
 * Flags as compose's classic builder takes them: `--no-cache`, `--pull`, `--build-arg K=V`
 * (repeatable; `K` alone takes the value from the environment), `-q` (no build output, no progress).
 * The build output goes to stdout, one line at a time prefixed with the service (`web | Step 1/3 :
 * FROM …`); `Image <name> Building/Built` progress goes to stderr like every command's.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';

interface BuildFlags {
  /** `--no-cache` → false. */
  cache: boolean;
  pull?: boolean;
  buildArg?: string[];
  quiet?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerBuild(program: Command, io: CliIo): void {
  program
    .command('build')
    .description('Build or rebuild services')
    .argument('[services...]', 'Only these services')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('--build-arg <key=value>', 'Set build-time variables for services (repeatable)', collect)
    .option('-q, --quiet', "Don't print anything to STDOUT")
    .action(async (services: string[], _flags: BuildFlags, cmd: Command) => {
      await runBuild(services, cmd.optsWithGlobals<BuildFlags & GlobalOptions>(), io);
    });
}

/** Prefixed build output lines (`web | …`), one colour per service as the logs have. */
export async function buildOutputPrinter(
  services: string[],
  write: (text: string) => void,
  opts: { ansi?: string; env: Record<string, string | undefined>; isTTY: boolean },
): Promise<(service: string, line: string) => void> {
  const { LogPrinter } = await import('../render/logs.js');
  const { colorEnabled, serviceColors } = await import('../render/color.js');
  const colorOf = serviceColors(
    services,
    colorEnabled({ env: opts.env, isTTY: opts.isTTY, ansi: opts.ansi }),
  );
  const printer = new LogPrinter(write, { names: services, prefix: true, timestamps: false, colorOf });
  return (service, line) => printer.line(service, line);
}

async function runBuild(services: string[], opts: BuildFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { loadCliProject } = await import('../project-options.js');
  const project = await loadCliProject(opts, io, { services });
  const { build, buildableServices, parseBuildArgs, planBuild } = await import('../../verbs/build.js');
  const args = parseBuildArgs(opts.buildArg ?? []);
  const names = buildableServices(project, services);
  if (opts.dryRun) {
    const { resourceEvent } = await import('../../api/events.js');
    const { cliProgress } = await import('../render/progress.js');
    const progress = await cliProgress(opts, io.env, io.err, 'Building');
    for (const n of names) {
      const planned = await planBuild(project, n, { args });
      progress.onEvent(resourceEvent('image', planned.image, 'Built', 'done'));
    }
    progress.done();
    return;
  }
  const { cliProgress } = await import('../render/progress.js');
  const progress = await cliProgress(
    opts.quiet ? { ...opts, progress: 'quiet' } : opts,
    io.env,
    io.err,
    'Building',
  );
  const output = opts.quiet
    ? undefined
    : await buildOutputPrinter(names, io.out, {
        ansi: opts.ansi,
        env: io.env,
        isTTY: process.stdout.isTTY === true,
      });
  try {
    await build(project, {
      env: io.env,
      services: names,
      noCache: opts.cache === false,
      pull: opts.pull,
      args,
      parallel: opts.parallel,
      onEvent: progress.onEvent,
      onBuildOutput: output,
    });
  } finally {
    progress.done();
  }
}
