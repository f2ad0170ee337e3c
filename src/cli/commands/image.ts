/**
 * `berth image pull|push|ls|rm|tag|inspect|history|save|load|import|prune` (the docker CLI's `docker
 * image …`, same flags, argument order and output) over the built-in engine's image store
 * (BERTH_ROOT, default /var/lib/berth), not dockerd. The work is in src/engine/images, loaded inside
 * the actions so that registering the command stays cheap.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { ImageLayerProgress } from '../../api/images.js';
import type { CliIo } from '../program.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

async function usage(message: string, hint?: string): Promise<never> {
  const { BerthError } = await import('../../api/errors.js');
  throw new BerthError('USAGE', message, hint ? { hint } : {});
}

async function failed(): Promise<never> {
  const { CommandExit } = await import('../exit.js');
  throw new CommandExit(1);
}

/** SIGINT aborts the operation (a half-done pull leaves nothing tagged; blobs are pruned later). */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.on('SIGINT', onSigint);
  try {
    return await work(stop.signal);
  } catch (err) {
    if (stop.signal.aborted) {
      const { interruptedExit } = await import('../interrupt.js');
      throw await interruptedExit();
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Per-layer progress like `docker pull`/`push`: on a TTY a block of `<id>: <status> [bar]` lines
 * redrawn in place; otherwise one line per layer each time its status changes.
 */
export class LayerProgressPrinter {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly lastStatus = new Map<string, string>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
    private readonly bar: (current: number, total: number) => string,
  ) {}

  update(p: ImageLayerProgress): void {
    const status =
      p.status === 'Waiting'
        ? this.push
          ? 'Preparing'
          : 'Pulling fs layer'
        : p.status === 'Retrying'
          ? 'Retrying'
          : p.status;
    if (!this.lines.has(p.id)) this.order.push(p.id);
    const moving = p.status === 'Downloading' || p.status === 'Pushing' || p.status === 'Extracting';
    this.lines.set(
      p.id,
      moving && p.total > 0 ? `${p.id}: ${status} ${this.bar(p.current, p.total)}` : `${p.id}: ${status}`,
    );
    if (this.tty) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.draw();
      }, 100);
    } else if (this.lastStatus.get(p.id) !== status) {
      this.lastStatus.set(p.id, status);
      this.write(`${p.id}: ${status}\n`);
    }
  }

  push = false;

  private draw(): void {
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.order) out += `\x1b[2K${this.lines.get(id)}\n`;
    this.drawn = this.order.length;
    this.write(out);
  }

  done(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty && this.order.length > 0) this.draw();
  }
}

interface PullFlags {
  platform?: string;
  quiet?: boolean;
  insecureRegistry?: string[];
}

async function runPull(ref: string, flags: PullFlags, io: CliIo): Promise<void> {
  const { imagePull, familiar } = await import('../../engine/images/index.js');
  const { parseDockerReference, formatReference, familiarString } = await import(
    '../../engine/store/reference.js'
  );
  const parsed = parseDockerReference(ref);
  const full = formatReference(parsed);
  const tty = process.stdout.isTTY === true;
  let printer: LayerProgressPrinter | undefined;
  if (!flags.quiet) {
    const { progressBar } = await import('../../engine/images/format.js');
    printer = new LayerProgressPrinter(io.out, tty, progressBar);
    const { parseNormalizedReference } = await import('../../engine/store/reference.js');
    const given = parseNormalizedReference(ref);
    if (given.tag === undefined && given.digest === undefined) io.out(`Using default tag: ${parsed.tag}\n`);
    io.out(`${parsed.digest ?? parsed.tag}: Pulling from ${parsed.path}\n`);
  }
  const result = await interruptible((signal) =>
    imagePull(ref, {
      env: io.env,
      signal,
      platform: flags.platform,
      insecureRegistries: flags.insecureRegistry,
      onProgress: printer ? (p) => printer.update(p) : undefined,
    }),
  );
  printer?.done();
  if (!flags.quiet) {
    io.out(`Digest: ${result.digest}\n`);
    io.out(
      result.updated
        ? `Status: Downloaded newer image for ${familiarString(parsed)}\n`
        : `Status: Image is up to date for ${familiar(full)}\n`,
    );
  }
  io.out(`${full}\n`);
}

async function runPush(ref: string, flags: { quiet?: boolean; insecureRegistry?: string[] }, io: CliIo) {
  const { imagePush } = await import('../../engine/images/index.js');
  const { parseDockerReference, referenceName } = await import('../../engine/store/reference.js');
  const parsed = parseDockerReference(ref);
  let printer: LayerProgressPrinter | undefined;
  if (!flags.quiet) {
    const { progressBar } = await import('../../engine/images/format.js');
    printer = new LayerProgressPrinter(io.out, process.stdout.isTTY === true, progressBar);
    printer.push = true;
    io.out(`The push refers to repository [${referenceName(parsed)}]\n`);
  }
  const result = await interruptible((signal) =>
    imagePush(ref, {
      env: io.env,
      signal,
      insecureRegistries: flags.insecureRegistry,
      onProgress: printer ? (p) => printer.update(p) : undefined,
    }),
  );
  printer?.done();
  if (flags.quiet) io.out(`${result.reference}\n`);
  else io.out(`${parsed.tag ?? parsed.digest}: digest: ${result.digest} size: ${result.size}\n`);
}

interface LsFlags {
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  format?: string;
  all?: boolean;
}

async function runLs(reference: string | undefined, flags: LsFlags, io: CliIo): Promise<void> {
  const format = flags.format ?? 'table';
  if (format !== 'table' && format !== 'json') {
    await usage(`unsupported --format ${format}`, 'use table or json');
  }
  const { imageList } = await import('../../engine/images/index.js');
  const { formatImageList, formatImageListJson } = await import('../../engine/images/format.js');
  const rows = await imageList({ env: io.env, ...(reference ? { reference } : {}) });
  if (format === 'json' && !flags.quiet) io.out(formatImageListJson(rows, flags));
  else io.out(formatImageList(rows, flags));
}

async function runRm(refs: string[], flags: { force?: boolean }, io: CliIo): Promise<void> {
  const { imageRemove } = await import('../../engine/images/index.js');
  const { items } = await imageRemove(refs, { env: io.env, force: flags.force });
  let errors = 0;
  for (const item of items) {
    if (item.error) {
      errors++;
      io.err(`error: ${item.error.message}\n`);
      if (item.error.hint) io.err(`hint: ${item.error.hint}\n`);
      continue;
    }
    for (const u of item.untagged) io.out(`Untagged: ${u}\n`);
    for (const d of item.deleted) io.out(`Deleted: ${d}\n`);
  }
  if (errors > 0) await failed();
}

async function runInspect(refs: string[], flags: { format?: string }, io: CliIo): Promise<void> {
  const { imageInspect } = await import('../../engine/images/index.js');
  const { BerthError } = await import('../../api/errors.js');
  const found: unknown[] = [];
  const errors: InstanceType<typeof BerthError>[] = [];
  for (const ref of refs) {
    try {
      found.push(await imageInspect(ref, { env: io.env }));
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      errors.push(err);
    }
  }
  if (flags.format !== undefined && flags.format !== 'json') {
    await usage(`unsupported --format ${flags.format}`, 'image inspect prints JSON (--format json)');
  }
  io.out(`${JSON.stringify(found, null, 4)}\n`);
  for (const e of errors) io.err(`error: ${e.message}\n`);
  if (errors.length > 0) await failed();
}

async function runHistory(ref: string, flags: { noTrunc?: boolean; quiet?: boolean }, io: CliIo) {
  const { imageHistory } = await import('../../engine/images/index.js');
  const { formatHistory } = await import('../../engine/images/format.js');
  io.out(formatHistory(await imageHistory(ref, { env: io.env }), flags));
}

async function runSave(refs: string[], flags: { output?: string }, io: CliIo): Promise<void> {
  const { imageSave } = await import('../../engine/images/index.js');
  if (flags.output === undefined && process.stdout.isTTY) {
    await usage('cowardly refusing to save to a terminal', 'use the -o flag or redirect the output');
  }
  await interruptible(async (signal) => {
    if (flags.output !== undefined) {
      await imageSave(refs, { env: io.env, signal, output: flags.output });
      return;
    }
    await imageSave(refs, { env: io.env, signal, stream: process.stdout });
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  });
}

async function runLoad(flags: { input?: string; quiet?: boolean }, io: CliIo): Promise<void> {
  const { imageLoad } = await import('../../engine/images/index.js');
  if (flags.input === undefined && process.stdin.isTTY) {
    await usage('requested load from stdin, but stdin is a terminal', 'use -i FILE or pipe the archive in');
  }
  const result = await interruptible((signal) =>
    imageLoad({
      env: io.env,
      signal,
      ...(flags.input !== undefined ? { input: flags.input } : { stream: process.stdin }),
    }),
  );
  for (const image of result.images) {
    if (image.refs.length === 0) io.out(`Loaded image ID: ${image.id}\n`);
    for (const r of image.refs) io.out(`Loaded image: ${r}\n`);
  }
}

/** `--change` instructions `docker import` accepts (the common subset). */
export function parseChanges(changes: readonly string[]): {
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
} {
  const config: ReturnType<typeof parseChanges> = {};
  const args = (rest: string): string[] => {
    const t = rest.trim();
    if (t.startsWith('[')) {
      try {
        const parsed = JSON.parse(t) as unknown;
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
      } catch {
        // shell form below
      }
    }
    return ['/bin/sh', '-c', t];
  };
  for (const change of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(change);
    if (!m) throw new InvalidArgumentError(`invalid --change ${change}`);
    const [, instr, rest] = m as unknown as [string, string, string];
    switch (instr.toUpperCase()) {
      case 'CMD':
        config.Cmd = args(rest);
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = args(rest);
        break;
      case 'ENV': {
        const kv = rest.trim();
        const eq = /^([^\s=]+)=(.*)$/.exec(kv) ?? /^(\S+)\s+(.*)$/.exec(kv);
        if (!eq) throw new InvalidArgumentError(`invalid --change ${change}`);
        config.Env = [...(config.Env ?? []), `${eq[1]}=${eq[2]}`];
        break;
      }
      case 'WORKDIR':
        config.WorkingDir = rest.trim();
        break;
      case 'USER':
        config.User = rest.trim();
        break;
      default:
        throw new InvalidArgumentError(
          `--change ${instr} is not supported (CMD, ENTRYPOINT, ENV, WORKDIR, USER are)`,
        );
    }
  }
  return config;
}

async function runImport(
  file: string,
  ref: string | undefined,
  flags: { message?: string; platform?: string; change?: string[] },
  io: CliIo,
): Promise<void> {
  const { imageImport } = await import('../../engine/images/index.js');
  const config = flags.change && flags.change.length > 0 ? parseChanges(flags.change) : undefined;
  if (file === '-' && process.stdin.isTTY) {
    await usage('import from stdin, but stdin is a terminal', 'pipe the rootfs tarball in, or give a file');
  }
  const result = await interruptible((signal) =>
    imageImport(file === '-' ? process.stdin : file, ref, {
      env: io.env,
      signal,
      ...(flags.message !== undefined ? { message: flags.message } : {}),
      ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
      ...(config ? { config } : {}),
    }),
  );
  io.out(`${result.id}\n`);
}

async function confirm(question: string, io: CliIo): Promise<boolean> {
  io.out(`${question} [y/N] `);
  if (!process.stdin.isTTY) {
    const answer = io.readStdin ? await io.readStdin() : '';
    return /^y(es)?$/i.test(answer.split('\n')[0]!.trim());
  }
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin });
  try {
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    return /^y(es)?$/i.test(line.trim());
  } finally {
    rl.close();
  }
}

async function runPrune(flags: { all?: boolean; force?: boolean }, io: CliIo): Promise<void> {
  if (!flags.force) {
    const warning = flags.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    io.out(`${warning}\n`);
    if (!(await confirm('Are you sure you want to continue?', io))) return;
  }
  const { imagePrune } = await import('../../engine/images/index.js');
  const { humanSize } = await import('../../engine/images/format.js');
  const result = await imagePrune({ env: io.env, all: flags.all });
  if (result.untagged.length > 0 || result.deleted.length > 0) {
    io.out('Deleted Images:\n');
    for (const u of result.untagged) io.out(`untagged: ${u}\n`);
    for (const d of result.deleted) io.out(`deleted: ${d}\n`);
    io.out('\n');
  }
  io.out(`Total reclaimed space: ${humanSize(result.reclaimedBytes)}\n`);
}

export function registerImage(program: Command, io: CliIo): void {
  const image = program
    .command('image')
    .description("Manage images in berth's own image store (BERTH_ROOT, default /var/lib/berth)")
    .usage('COMMAND');
  const sub = (name: string) =>
    image
      .command(name)
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
      .exitOverride()
      .showHelpAfterError(`(run 'berth image ${name} --help' for usage)`);

  sub('pull')
    .description('Download an image from a registry')
    .argument('<reference>', 'NAME[:TAG|@DIGEST]')
    .option('--platform <platform>', 'Set platform if server is multi-platform capable (os/arch[/variant])')
    .option('-q, --quiet', 'Suppress verbose output')
    .option('--insecure-registry <host>', 'Use plain http for this registry (repeatable)', collect)
    .action((ref: string, flags: PullFlags) => runPull(ref, flags, io));

  sub('push')
    .description('Upload an image to a registry')
    .argument('<reference>', 'NAME[:TAG]')
    .option('-q, --quiet', 'Suppress verbose output')
    .option('--insecure-registry <host>', 'Use plain http for this registry (repeatable)', collect)
    .action((ref: string, flags: { quiet?: boolean; insecureRegistry?: string[] }) =>
      runPush(ref, flags, io),
    );

  sub('ls')
    .alias('list')
    .description('List images')
    .argument('[reference]', 'REPOSITORY[:TAG]')
    .option('-a, --all', 'Show all images (dangling ones are always shown)')
    .option('-q, --quiet', 'Only show image IDs')
    .option('--digests', 'Show digests')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action((ref: string | undefined, flags: LsFlags & { trunc?: boolean }) =>
      runLs(ref, { ...flags, noTrunc: flags.trunc === false }, io),
    );

  sub('rm')
    .alias('remove')
    .description('Remove one or more images')
    .argument('<images...>', 'References or image IDs')
    .option('-f, --force', 'Force removal of the image')
    .action((refs: string[], flags: { force?: boolean }) => runRm(refs, flags, io));

  sub('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG]')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action(async (source: string, target: string) => {
      const { imageTag } = await import('../../engine/images/index.js');
      await imageTag(source, target, { env: io.env });
    });

  sub('inspect')
    .description('Display detailed information on one or more images')
    .argument('<images...>', 'References or image IDs')
    .option('-f, --format <format>', 'Format the output (json)')
    .action((refs: string[], flags: { format?: string }) => runInspect(refs, flags, io));

  sub('history')
    .description('Show the history of an image')
    .argument('<image>', 'Reference or image ID')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action((ref: string, flags: { trunc?: boolean; quiet?: boolean }) =>
      runHistory(ref, { quiet: flags.quiet, noTrunc: flags.trunc === false }, io),
    );

  sub('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<images...>', 'References or image IDs')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action((refs: string[], flags: { output?: string }) => runSave(refs, flags, io));

  sub('load')
    .description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output')
    .action((flags: { input?: string; quiet?: boolean }) => runLoad(flags, io));

  sub('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<file>', 'A rootfs tarball (tar or tar.gz), or - for STDIN')
    .argument('[reference]', 'REPOSITORY[:TAG]')
    .option(
      '-c, --change <instruction>',
      'Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER)',
      collect,
    )
    .option('-m, --message <message>', 'Set commit message for imported image')
    .option('--platform <platform>', 'Set platform (os/arch)')
    .action(
      (
        file: string,
        ref: string | undefined,
        flags: { message?: string; platform?: string; change?: string[] },
      ) => runImport(file, ref, flags, io),
    );

  sub('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action((flags: { all?: boolean; force?: boolean }) => runPrune(flags, io));
}
