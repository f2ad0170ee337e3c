/**
 * `berth up [SERVICE...]` (docker/compose cmd/compose/up.go, pkg/compose/up.go): converge the project
 * through the `up` verb, then — without `-d`/`--wait`/`--no-start` — attach: follow the logs of every
 * container of the attached services (prefixed, one colour per service), print `<name> exited with code
 * N` as each exits, and return once all have exited.
 *
 * Exit status as compose: 0; 1 on any error (including a `--wait` timeout); with
 * `--abort-on-container-exit` (or `--abort-on-container-failure` on a non-zero exit) the first exit
 * stops the whole project and the status is that container's exit code; `--exit-code-from S` implies
 * abort-on-exit and returns the exit code of S's first container to exit. Ctrl-C while attached:
 * "Gracefully stopping..." and a stop (not a removal) of the project's containers, a second Ctrl-C
 * kills them; either way the status is 130. Ctrl-C while converging cancels the verb (status 130).
 *
 * The flag combinations compose rejects (up.go `apply`, create.go `validateFlags`) are rejected with
 * compose's wording.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { BerthEvent } from '../../api/events.js';
import type { ContainerSummary, UpOptions } from '../../api/verbs.js';
import type { Project } from '../../compose/model.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { CliIo, GlobalOptions } from '../program.js';
import { checkServiceNames } from './checks.js';
import { parseSeconds } from './down.js';
import { pullOption, pullPolicy } from './pull-policy.js';
import { printPlan, withProgress } from './run-with-progress.js';

interface UpFlags {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  pull?: string;
  forceRecreate?: boolean;
  /** `--no-recreate` → false. */
  recreate: boolean;
  alwaysRecreateDeps?: boolean;
  /** `--no-deps` → false. */
  deps: boolean;
  /** `--no-start` → false. */
  start: boolean;
  removeOrphans?: boolean;
  scale?: string[];
  renewAnonVolumes?: boolean;
  timeout?: number;
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  /** `--no-log-prefix` → false. */
  logPrefix: boolean;
  timestamps?: boolean;
  attach?: string[];
  noAttach?: string[];
  /** `--no-color` → false. */
  color: boolean;
  /** `--build` → true, `--no-build` → false. */
  build?: boolean;
}

type Opts = UpFlags & GlobalOptions;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseScale(value: string, previous: string[] = []): string[] {
  if (!/^[^=]+=\d+$/.test(value)) {
    throw new InvalidArgumentError(`invalid --scale option "${value}". Should be SERVICE=NUM`);
  }
  return [...previous, value];
}

export function registerUp(program: Command, io: CliIo): void {
  // `--no-attach <service>` takes a value: not commander's negation of --attach.
  const noAttach = new Option(
    '--no-attach <service>',
    'Do not attach (stream logs) to the specified services',
  );
  noAttach.negate = false;
  program
    .command('up')
    .description('Create and start containers')
    .argument('[services...]', 'Only these services (and their dependencies)')
    .option('-d, --detach', 'Detached mode: Run containers in the background')
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.')
    .option(
      '--wait-timeout <seconds>',
      'Maximum duration in seconds to wait for the project to be running|healthy',
      parseSeconds,
    )
    .addOption(pullOption())
    .option('--build', 'Build images before starting containers')
    .option('--no-build', "Don't build an image, even if it's policy")
    .option('--force-recreate', "Recreate containers even if their configuration and image haven't changed")
    .option(
      '--no-recreate',
      "If containers already exist, don't recreate them. Incompatible with --force-recreate.",
    )
    .option('--always-recreate-deps', 'Recreate dependent containers. Incompatible with --no-recreate.')
    .option('--no-deps', "Don't start linked services")
    .option('--no-start', "Don't start the services after creating them")
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option(
      '--scale <service=num>',
      'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.',
      parseScale,
    )
    .option(
      '-V, --renew-anon-volumes',
      'Recreate anonymous volumes instead of retrieving data from the previous containers',
    )
    .option(
      '-t, --timeout <seconds>',
      'Use this timeout in seconds for container shutdown when attached or when containers are already running',
      parseSeconds,
    )
    .option(
      '--abort-on-container-exit',
      'Stops all containers if any container was stopped. Incompatible with -d',
    )
    .option(
      '--abort-on-container-failure',
      'Stops all containers if any container exited with failure. Incompatible with -d',
    )
    .option(
      '--exit-code-from <service>',
      'Return the exit code of the selected service container. Implies --abort-on-container-exit',
    )
    .option('--no-log-prefix', "Don't print prefix in logs")
    .option('--timestamps', 'Show timestamps')
    .option('--attach <service>', 'Restrict attaching to the specified services (repeatable)', collect)
    .addOption(noAttach.argParser(collect))
    .option('--no-color', 'Produce monochrome output')
    .action(async (services: string[], _flags: UpFlags, cmd: Command) => {
      await runUp(services, cmd.optsWithGlobals<Opts>(), io);
    });
}

async function validate(opts: Opts): Promise<void> {
  const { BerthError } = await import('../../api/errors.js');
  const fail = (message: string) => new BerthError('USAGE', message);
  const cascadeStop =
    opts.abortOnContainerExit || (opts.exitCodeFrom !== undefined && !opts.abortOnContainerFailure);
  if (opts.abortOnContainerExit && opts.abortOnContainerFailure) {
    throw fail('--abort-on-container-failure cannot be combined with --abort-on-container-exit');
  }
  if (opts.wait && (cascadeStop || (opts.attach?.length ?? 0) > 0)) {
    throw fail('--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies');
  }
  if (opts.detach && (cascadeStop || opts.abortOnContainerFailure || (opts.attach?.length ?? 0) > 0)) {
    throw fail(
      '--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch',
    );
  }
  if (!opts.start && (cascadeStop || opts.abortOnContainerFailure || opts.exitCodeFrom || opts.detach)) {
    throw fail(
      '--no-start cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --detach or --exit-code-from',
    );
  }
  if (opts.forceRecreate && !opts.recreate) throw fail('--force-recreate and --no-recreate are incompatible');
  if (opts.alwaysRecreateDeps && !opts.recreate) {
    throw fail('--always-recreate-deps and --no-recreate are incompatible');
  }
}

async function runUp(services: string[], opts: Opts, io: CliIo): Promise<void> {
  await validate(opts);
  const { loadCliProject } = await import('../project-options.js');
  const project = await loadCliProject(opts, io, { services });

  const scale: Record<string, number> = {};
  for (const s of opts.scale ?? []) {
    const eq = s.lastIndexOf('=');
    scale[s.slice(0, eq)] = Number(s.slice(eq + 1));
  }
  // Service names given in flags must exist in the project, selected or not: `up job --no-attach
  // side` is fine although loading for `job` set `side` aside.
  await checkServiceNames(project, [
    ...Object.keys(scale),
    ...(opts.attach ?? []),
    ...(opts.noAttach ?? []),
    ...(opts.exitCodeFrom ? [opts.exitCodeFrom] : []),
  ]);

  const { CommandExit } = await import('../exit.js');
  const { EXIT_INTERRUPTED } = await import('../main.js');
  const detach = opts.detach || opts.wait || !opts.start || opts.dryRun;

  // Ctrl-C: cancel while converging; stop (then kill) while attached.
  const converging = new AbortController();
  let attachment: Attachment | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (attachment) {
      attachment.interrupt(interrupts > 1);
      return;
    }
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    converging.abort();
  };
  process.on('SIGINT', onSigint);

  const { openRuntime } = await import('../../runtime/open.js');
  try {
    const { runtime, owned } = await openRuntime({ env: io.env, signal: converging.signal });
    try {
      const { up } = await import('../../verbs/up.js');
      const upOptions: UpOptions = {
        runtime,
        env: io.env,
        signal: converging.signal,
        parallel: opts.parallel,
        services: services.length > 0 ? services : undefined,
        noDeps: !opts.deps,
        forceRecreate: opts.forceRecreate,
        noRecreate: !opts.recreate,
        alwaysRecreateDeps: opts.alwaysRecreateDeps,
        noStart: !opts.start,
        removeOrphans: opts.removeOrphans,
        scale: Object.keys(scale).length > 0 ? scale : undefined,
        pull: pullPolicy(opts.pull),
        wait: opts.wait,
        waitTimeoutSeconds: opts.waitTimeout,
        timeoutSeconds: opts.timeout,
        renewAnonVolumes: opts.renewAnonVolumes,
        dryRun: opts.dryRun,
        build: opts.build === true,
        noBuild: opts.build === false,
        onBuildOutput: await buildOutput(project, opts, io),
      };
      let result: Awaited<ReturnType<typeof up>>;
      // compose attaches before starting, so it shows only this run's output; logs since this moment
      // do the same without replaying what a restarted container printed in earlier runs (one second of
      // slack for sub-second clock differences). Only on a local engine: a remote one's clock may be behind ours, and then lines would be lost.
      const since = (Date.now() / 1000 - 1).toFixed(3);
      try {
        result = await withProgress(opts, io, (onEvent) => up(project, { ...upOptions, onEvent }));
      } catch (err) {
        if (interrupts > 0) throw new CommandExit(EXIT_INTERRUPTED);
        throw err;
      }
      if (opts.dryRun) return printPlan(io, result.plan);
      if (interrupts > 0) throw new CommandExit(EXIT_INTERRUPTED);
      if (detach) return;

      const local = /^(unix|npipe):/.test((await runtime.info()).endpoint);
      attachment = await attach(
        runtime,
        project,
        result.containers,
        services,
        opts,
        io,
        local ? since : undefined,
      );
      // A Ctrl-C that came between the end of `up` and attaching still stops the project.
      if (interrupts > 0) attachment.interrupt(interrupts > 1);
      const code = await attachment.done;
      if (interrupts > 0) throw new CommandExit(EXIT_INTERRUPTED);
      if (code !== 0) throw new CommandExit(code);
    } finally {
      if (owned) await runtime.close();
    }
  } catch (err) {
    if (interrupts > 0 && !(err instanceof CommandExit)) throw new CommandExit(EXIT_INTERRUPTED);
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Where `up` shows build output: prefixed lines on stderr with plain progress; nothing in a terminal
 * (the `Image … Building` row stands for it) or with json/quiet progress.
 */
async function buildOutput(
  project: Project,
  opts: Opts,
  io: CliIo,
): Promise<((service: string, line: string) => void) | undefined> {
  const { resolveProgressMode } = await import('../render/progress.js');
  const mode = resolveProgressMode(opts.progress, {
    env: io.env,
    isTTY: process.stderr.isTTY === true,
    ansi: opts.ansi,
  });
  if (mode !== 'plain') return undefined;
  const { buildOutputPrinter } = await import('./build.js');
  const buildable = Object.keys(project.services).filter((s) => project.services[s]?.build !== undefined);
  return buildOutputPrinter(buildable, io.err, {
    ansi: opts.ansi,
    env: io.env,
    isTTY: process.stderr.isTTY === true,
  });
}

interface Attachment {
  /** Resolves with the exit status once every attached container has exited. */
  done: Promise<number>;
  /** Ctrl-C: stop the project (force: kill it). */
  interrupt(force: boolean): void;
}

/** The services compose attaches to: --attach, else the named (or all) services; minus --no-attach. */
export function attachedServices(
  project: Pick<Project, 'services'>,
  services: string[],
  opts: Pick<UpFlags, 'attach' | 'noAttach' | 'exitCodeFrom'>,
): Set<string> {
  const set = new Set(
    opts.attach && opts.attach.length > 0
      ? opts.attach
      : services.length > 0
        ? services
        : Object.keys(project.services),
  );
  if (opts.exitCodeFrom) set.add(opts.exitCodeFrom);
  for (const s of opts.noAttach ?? []) set.delete(s);
  return set;
}

async function attach(
  runtime: Runtime,
  project: Project,
  containers: ContainerSummary[],
  services: string[],
  opts: Opts,
  io: CliIo,
  /** Engine time (Unix seconds) to show logs from; undefined: all of them. */
  since: string | undefined,
): Promise<Attachment> {
  const { LogPrinter, displayName } = await import('../render/logs.js');
  const { colorEnabled, serviceColors } = await import('../render/color.js');
  const { cliProgress } = await import('../render/progress.js');

  const wanted = attachedServices(project, services, opts);
  const attached = containers
    .filter((c) => c.Number !== 0 && wanted.has(c.Service))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const names = new Map(attached.map((c) => [c.ID, displayName(c.Name, project.name, c.Service)]));
  const colorOf = serviceColors(
    Object.keys(project.services),
    colorEnabled({
      env: io.env,
      isTTY: process.stdout.isTTY === true,
      ansi: opts.ansi,
      noColor: !opts.color,
    }),
  );
  const serviceOf = new Map(attached.map((c) => [names.get(c.ID)!, c.Service]));
  const printer = new LogPrinter(io.out, {
    names: [...names.values()],
    prefix: opts.logPrefix,
    timestamps: opts.timestamps === true,
    colorOf: (name) => colorOf(serviceOf.get(name) ?? ''),
  });
  if (attached.length > 0) io.out(`Attaching to ${[...names.values()].join(', ')}\n`);

  const cascadeStop =
    opts.abortOnContainerExit || (opts.exitCodeFrom !== undefined && !opts.abortOnContainerFailure);
  const cascadeFail = opts.abortOnContainerFailure === true;
  let exitCodeFrom = opts.exitCodeFrom;
  let exitCode: number | undefined;
  let stopping: Promise<void> | undefined;
  const follow = new AbortController();
  /** Cancels stop calls in flight when a second Ctrl-C asks for a kill. */
  const stopCalls = new AbortController();

  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      const progress = await cliProgress(opts, io.env, io.err, 'Stopping');
      try {
        await stopProject(runtime, project, {
          timeoutSeconds: opts.timeout,
          signal: stopCalls.signal,
          emit: progress.onEvent,
        });
      } finally {
        progress.done();
      }
    })().catch((err) => {
      if (!stopCalls.signal.aborted) io.err(`error: stopping ${project.name}: ${(err as Error).message}\n`);
    });
    return stopping;
  };

  const onExit = (c: ContainerSummary, code: number) => {
    if ((cascadeStop || (cascadeFail && code !== 0)) && stopping === undefined) {
      io.out('Aborting on container exit...\n');
      exitCodeFrom ??= c.Service;
      if (exitCodeFrom === c.Service && exitCode === undefined) exitCode = code;
      void stopAll();
      return;
    }
    // The first container of that service to exit decides.
    if (exitCodeFrom === c.Service && exitCode === undefined) exitCode = code;
  };

  const watch = async (c: ContainerSummary): Promise<void> => {
    const name = names.get(c.ID)!;
    // Where the next read starts: after the last line printed (engine timestamps, nanoseconds), so a
    // restarted run's lines are printed once however many runs passed between two looks.
    let from = since;
    let restarts = (await runtime.inspectContainer(c.ID))?.restartCount ?? 0;
    for (;;) {
      for await (const line of runtime.logs(c.ID, {
        follow: true,
        since: from,
        timestamps: true,
        signal: follow.signal,
      })) {
        printer.line(name, line.text, opts.timestamps === true ? line.timestamp : undefined);
        if (line.timestamp) from = justAfter(line.timestamp) ?? from;
      }
      if (follow.signal.aborted) return;
      // The log stream ends when the container stops; its exit code is then final.
      const { exitCode: code } = await runtime.waitContainer(c.ID, { condition: 'not-running' });
      printer.status(name, `exited with code ${code}`);
      onExit(c, code);
      if (stopping !== undefined) return;
      // Like compose, keep following a container its restart policy brings back. (Runs that started
      // and ended between two looks show their lines, but not each one's exit line.)
      const next = await restarted(runtime, c.ID, restarts, follow.signal);
      if (next === undefined) return;
      restarts = next;
    }
  };

  const done = (async () => {
    const results = await Promise.allSettled(attached.map(watch));
    await stopping;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && !follow.signal.aborted) throw failed.reason;
    return exitCode ?? 0;
  })();

  return {
    done,
    interrupt(force) {
      if (!force) {
        io.err('Gracefully stopping... (press Ctrl+C again to force)\n');
        void stopAll();
        return;
      }
      stopCalls.abort();
      void killProject(runtime, project).finally(() => follow.abort());
    },
  };
}

/** `since` for the engine: one nanosecond after an RFC 3339 timestamp (`…T…:05.123456789Z`). */
export function justAfter(timestamp: string): string | undefined {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  const nanos = Number((m[2] ?? '').padEnd(9, '0')) + 1;
  return nanos >= 1e9 ? `${seconds + 1}.000000000` : `${seconds}.${String(nanos).padStart(9, '0')}`;
}

/**
 * After a container exited: whether its restart policy brought it back. The engine decides at the
 * exit — `restarting` with the restart count already raised, then `running` after its back-off delay —
 * so an exited container whose count did not move is gone for good. Resolves with the new count (the
 * run to follow next; it may have exited again already, its logs are still there), or undefined.
 */
async function restarted(
  runtime: Runtime,
  id: string,
  seen: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  const { sleep } = await import('../../reconcile/wait.js');
  for (let delay = 50; !signal.aborted; delay = Math.min(delay * 2, 1000)) {
    const info = await runtime.inspectContainer(id);
    if (info === undefined) return undefined;
    const count = info.restartCount ?? seen;
    if (info.state !== 'restarting') return count > seen ? count : undefined;
    try {
      await sleep(delay, signal);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Stops the project's running containers, dependents before their dependencies (compose's reverse
 * dependency order): services grouped by depth in the depends_on graph, deepest first, each group in
 * parallel. Containers of services the project no longer declares go first.
 */
async function stopProject(
  runtime: Runtime,
  project: Project,
  options: { timeoutSeconds?: number; signal: AbortSignal; emit: (e: BerthEvent) => void },
): Promise<void> {
  const { listProjectContainers } = await import('../../verbs/ps.js');
  const { resourceEvent } = await import('../../api/events.js');
  const running = await listProjectContainers(runtime, project.name, {});
  const depth = new Map<string, number>();
  const depthOf = (s: string, seen: Set<string> = new Set()): number => {
    const known = depth.get(s);
    if (known !== undefined) return known;
    const svc = project.services[s];
    if (!svc) return Number.POSITIVE_INFINITY;
    if (seen.has(s)) return 0;
    seen.add(s);
    const deps = Object.keys(svc.depends_on ?? {});
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((x) => depthOf(x, seen)));
    depth.set(s, d);
    return d;
  };
  const levels = [...new Set(running.map((c) => depthOf(c.Service)))].sort((a, b) => b - a);
  for (const level of levels) {
    await Promise.all(
      running
        .filter((c) => depthOf(c.Service) === level)
        .map(async (c) => {
          options.emit(resourceEvent('container', c.Name, 'Stopping', 'working'));
          await runtime.stopContainer(c.ID, {
            timeoutSeconds: options.timeoutSeconds,
            signal: options.signal,
          });
          options.emit(resourceEvent('container', c.Name, 'Stopped', 'done'));
        }),
    );
  }
}

async function killProject(runtime: Runtime, project: Project): Promise<void> {
  const { listProjectContainers } = await import('../../verbs/ps.js');
  const running = await listProjectContainers(runtime, project.name, {});
  await Promise.allSettled(running.map((c) => runtime.killContainer(c.ID, 'SIGKILL')));
}
