/**
 * Renders the verbs' event stream per `--progress` (docker/compose cmd/display, compose-behaviour.md
 * §4.2), always on stderr so stdout stays the command's product:
 * - plain: one line per event, `<ID>  <status text> <details>` as compose's plain writer prints them
 *   (` Container demo-web-1  Started`), with compose's ` DRY-RUN MODE - ` prefix under --dry-run;
 * - json: one compose-shaped JSON object per line (`{"id","status","text","details"}`; warnings in
 *   logrus's JSON form `{"level","msg","time"}`);
 * - quiet: nothing;
 * - tty: a live block redrawn every 100 ms (./tty-progress.ts).
 * Warnings print like compose's logrus text formatter: `WARN[0003] message` (seconds since start).
 *
 * The plain and json formatters are pure (event in, text out) so they are unit-tested directly.
 */
import type { BerthEvent, EventSink, ResourceEvent } from '../../api/events.js';
import { identity, type Paint, paint } from './color.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

/** Where progress goes: stderr, or a fake stream in tests. */
export interface ProgressStream {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Paint ✔/✘ and warnings. */
  color: boolean;
  dryRun?: boolean;
  /** The tty header's word: compose prints `[+] Running 3/3`. */
  title?: string;
  env?: Record<string, string | undefined>;
  /** For tests: a fixed clock (ms). */
  now?: () => number;
}

export interface Progress {
  readonly onEvent: EventSink;
  /** Stops redrawing and leaves the final state on screen. Idempotent. */
  done(): void;
}

/** `auto`: tty when stderr is a terminal, not in CI, and ANSI is not switched off; else plain. */
export function resolveProgressMode(
  flag: string | undefined,
  { env, isTTY, ansi }: { env: Record<string, string | undefined>; isTTY: boolean; ansi?: string },
): Exclude<ProgressMode, 'auto'> {
  let mode = (flag ?? env.COMPOSE_PROGRESS ?? 'auto').toLowerCase();
  if (mode === 'none') mode = 'quiet';
  if (mode === 'tty' || mode === 'plain' || mode === 'json' || mode === 'quiet') return mode;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return isTTY && !ci && ansi !== 'never' ? 'tty' : 'plain';
}

const KIND: Record<ResourceEvent['kind'], string> = {
  container: 'Container',
  network: 'Network',
  volume: 'Volume',
  image: 'Image',
};

/** Compose's row id: `Container demo-web-1`, `Network demo_default`. */
export function eventId(e: ResourceEvent): string {
  return `${KIND[e.kind]} ${e.name}`;
}

/** The status text compose shows: the action, or `Error` for a failed one. */
export function statusText(e: ResourceEvent): string {
  return e.status === 'error' ? 'Error' : e.action;
}

/** Details after the status: the error message, or the cause of the action. */
function details(e: ResourceEvent): string {
  return e.text ? ` ${e.text}` : '';
}

const DRY_RUN_PREFIX = 'DRY-RUN MODE - ';

/** logrus's text form: `WARN[0003] message`, the bracket holding whole seconds since start. */
export function formatWarning(message: string, elapsedSeconds: number, color: Paint = identity): string {
  return `${color('WARN')}[${String(Math.max(0, Math.floor(elapsedSeconds))).padStart(4, '0')}] ${message}\n`;
}

/** One plain line per event. */
export function formatPlainEvent(
  e: BerthEvent,
  options: { dryRun?: boolean; elapsedSeconds?: number } = {},
): string {
  if (e.type === 'warning') return formatWarning(e.message, options.elapsedSeconds ?? 0);
  const prefix = options.dryRun ? DRY_RUN_PREFIX : '';
  return ` ${prefix}${eventId(e)}  ${statusText(e)}${details(e)}\n`;
}

const JSON_STATUS: Record<ResourceEvent['status'], string> = {
  working: 'Working',
  done: 'Done',
  error: 'Error',
  warning: 'Warning',
};

/** One NDJSON line per event, in compose's `--progress json` shape (omitempty fields left out). */
export function formatJsonEvent(e: BerthEvent, options: { dryRun?: boolean } = {}): string {
  if (e.type === 'warning') return `${JSON.stringify({ level: 'warning', msg: e.message, time: e.time })}\n`;
  const msg: Record<string, unknown> = {};
  if (options.dryRun) msg['dry-run'] = true;
  msg.id = eventId(e);
  msg.status = JSON_STATUS[e.status];
  msg.text = statusText(e);
  if (e.text) msg.details = e.text;
  return `${JSON.stringify(msg)}\n`;
}

/** The renderer for `mode` (already resolved: not `auto`). */
export async function createProgress(
  mode: Exclude<ProgressMode, 'auto'>,
  stream: ProgressStream,
  options: ProgressOptions,
): Promise<Progress> {
  const start = (options.now ?? Date.now)();
  // logrus counts from process start; the renderer is created right after argv parsing, close enough.
  const elapsed = () => ((options.now ?? Date.now)() - start) / 1000;
  switch (mode) {
    case 'quiet':
      return { onEvent: () => {}, done: () => {} };
    case 'json':
      return {
        onEvent: (e) => stream.write(formatJsonEvent(e, options)),
        done: () => {},
      };
    case 'plain':
      return {
        onEvent: (e) =>
          stream.write(
            e.type === 'warning'
              ? formatWarning(e.message, elapsed(), options.color ? paint.yellow : identity)
              : formatPlainEvent(e, options),
          ),
        done: () => {},
      };
    case 'tty': {
      const { TtyProgress } = await import('./tty-progress.js');
      const tty = new TtyProgress(stream, { ...options, elapsed });
      tty.start();
      return { onEvent: (e) => tty.onEvent(e), done: () => tty.stop() };
    }
  }
}

/** The renderer for a CLI invocation: `--progress`/COMPOSE_PROGRESS, `--ansi`, NO_COLOR, on stderr. */
export async function cliProgress(
  flags: CliProgressFlags,
  env: Record<string, string | undefined>,
  write: (text: string) => void,
  title = 'Running',
): Promise<Progress> {
  const { mode, stream, options } = await cliProgressSetup(flags, env, write, title);
  return createProgress(mode, stream, options);
}

export interface CliProgressFlags {
  progress?: string;
  ansi?: string;
  dryRun?: boolean;
}

/** What a CLI invocation's renderer is made of: its mode, stderr as the stream, and the options. */
export async function cliProgressSetup(
  flags: CliProgressFlags,
  env: Record<string, string | undefined>,
  write: (text: string) => void,
  title: string,
) {
  const { colorEnabled } = await import('./color.js');
  const isTTY = process.stderr.isTTY === true;
  return {
    mode: resolveProgressMode(flags.progress, { env, isTTY, ansi: flags.ansi }),
    stream: { write, isTTY, columns: process.stderr.columns } satisfies ProgressStream,
    options: { color: colorEnabled({ env, isTTY, ansi: flags.ansi }), dryRun: flags.dryRun, title, env },
  };
}
