/**
 * The `--progress tty` view (docker/compose cmd/display/tty.go): a header `[+] Running done/total` and
 * one row per resource — a spinner while it works, then ✔ (done), ! (warning) or ✘ (error) — with the
 * elapsed time at the right edge, redrawn in place every 100 ms.
 *
 * A small ANSI renderer rather than listr2 (the architecture's first choice): listr2 renders tasks it
 * runs itself, from a list fixed when `run()` starts, while berth's rows are not known in advance —
 * they appear as the verb emits events for containers, networks, volumes and images it decides to
 * touch while executing the plan. Driving listr2 would mean one never-ending task per row added
 * behind its back after `run()`, which its runner does not pick up. Keeping the renderer here also keeps
 * listr2's dependency tree off the start-up path.
 *
 * The redrawing itself (RedrawnBlock) also draws `pull`/`push`'s view with layer rows
 * (./pull-progress.ts).
 */
import type { BerthEvent, ResourceEvent } from '../../api/events.js';
import { identity, type Paint, paint } from './color.js';
import { eventId, formatWarning, type ProgressOptions, type ProgressStream, statusText } from './progress.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** One resource's row: what it is doing or how it ended, and since when. */
export interface StatusRow {
  id: string;
  status: ResourceEvent['status'];
  text: string;
  details?: string;
  startedAt: number;
  endedAt?: number;
}

/**
 * A block of rows redrawn in place every 100 ms — the cursor moved up over the previous frame, each
 * line cleared before it is written — with warnings printed above it. Subclasses say what its lines
 * are (`lines()`), how rows are keyed and what else they hold.
 */
export abstract class RedrawnBlock<R extends StatusRow = StatusRow> {
  protected readonly rows = new Map<string, R>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Lines drawn last time: how far to move up before redrawing. */
  private drawn = 0;
  private frame = 0;
  protected stopped = false;
  protected readonly color: { green: Paint; red: Paint; yellow: Paint; dim: Paint; blue: Paint };

  constructor(
    protected readonly stream: ProgressStream,
    color: boolean,
    protected readonly now: () => number,
    /** Seconds since the start, for warnings. */
    private readonly elapsed: () => number,
  ) {
    this.color = color
      ? paint
      : { green: identity, red: identity, yellow: identity, dim: identity, blue: identity };
  }

  /** The block's lines as they would be drawn now. */
  abstract lines(): string[];

  /** The key of the row an event updates. */
  protected abstract rowKey(e: ResourceEvent): string;

  /** A new row, with what the subclass keeps besides. */
  protected abstract newRow(row: StatusRow): R;

  start(): void {
    this.timer = setInterval(() => {
      this.frame++;
      this.render();
    }, 100);
    // A pending redraw must never keep the process alive.
    this.timer.unref?.();
  }

  onEvent(e: BerthEvent): void {
    if (this.stopped) return;
    if (e.type === 'warning') {
      // Warnings go above the block: erase it, print, redraw below.
      this.erase();
      this.stream.write(formatWarning(e.message, this.elapsed(), this.color.yellow));
      this.render();
      return;
    }
    const key = this.rowKey(e);
    const now = this.now();
    const update = {
      status: e.status,
      text: statusText(e),
      details: e.text,
      endedAt: e.status === 'working' ? undefined : now,
    };
    const row = this.rows.get(key);
    // A finished row that starts again (Stopped → Removing) keeps its start time: the row's total.
    if (row === undefined) this.rows.set(key, this.newRow({ id: eventId(e), startedAt: now, ...update }));
    else Object.assign(row, update);
    this.render();
  }

  stop(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.render();
    this.stopped = true;
  }

  /** The terminal's width; a pty with no size reports 0 columns: assume the classic 80. */
  protected width(): number {
    return Math.max(40, this.stream.columns || 80);
  }

  /** The spinner's current frame. */
  protected spinner(): string {
    return this.color.dim(SPINNER[this.frame % SPINNER.length]!);
  }

  /** `[+] <title> <finished>/<rows>`. */
  protected header(title: string): string {
    const rows = [...this.rows.values()];
    const finished = rows.filter((r) => r.status !== 'working').length;
    return `${this.color.blue('[+]')} ${title} ${finished}/${rows.length}`;
  }

  /** ` ✔ <id>  <text> <details><pad> <time>`, cut to `width`. */
  protected statusLine(r: StatusRow, width: number, now: number): string {
    const icon =
      r.status === 'working'
        ? this.spinner()
        : r.status === 'done'
          ? this.color.green('✔')
          : r.status === 'error'
            ? this.color.red('✘')
            : this.color.yellow('!');
    const seconds = `${(((r.endedAt ?? now) - r.startedAt) / 1000).toFixed(1)}s`;
    // Row layout: ` ✔ <left><pad> <time>`; the visible width of the fixed parts is 4 + time.
    const room = width - 4 - seconds.length - 1;
    const left = clip(`${r.id}  ${r.text}${r.details ? ` ${r.details}` : ''}`, room);
    const text = r.status === 'error' ? this.color.red(left) : left;
    return ` ${icon} ${text}${' '.repeat(Math.max(1, room - left.length + 1))}${seconds}`;
  }

  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private render(): void {
    if (this.stopped || this.rows.size === 0) return;
    const lines = this.lines();
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const line of lines) out += `\x1b[2K${line}\n`;
    // A shorter frame than the last one: clear what is left below it.
    if (lines.length < this.drawn) out += '\x1b[J';
    this.stream.write(out);
    this.drawn = lines.length;
  }
}

/** `s`, cut to `room` characters with `…` as the last one when too long. */
export function clip(s: string, room: number): string {
  return s.length > room ? `${s.slice(0, Math.max(0, room - 1))}…` : s;
}

/** The view of the verbs' progress: one row per resource. */
export class TtyProgress extends RedrawnBlock {
  constructor(
    stream: ProgressStream,
    private readonly options: ProgressOptions & { elapsed: () => number },
  ) {
    super(stream, options.color, options.now ?? Date.now, options.elapsed);
  }

  lines(): string[] {
    const width = this.width();
    const title = `${this.options.dryRun ? 'DRY-RUN MODE - ' : ''}${this.options.title ?? 'Running'}`;
    const now = this.now();
    return [this.header(title), ...[...this.rows.values()].map((r) => this.statusLine(r, width, now))];
  }

  protected rowKey(e: ResourceEvent): string {
    return eventId(e);
  }

  protected newRow(row: StatusRow): StatusRow {
    return row;
  }
}
