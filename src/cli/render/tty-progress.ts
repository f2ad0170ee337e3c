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
 */
import type { BerthEvent, ResourceEvent } from '../../api/events.js';
import { identity, type Paint, paint } from './color.js';
import { eventId, formatWarning, type ProgressOptions, type ProgressStream, statusText } from './progress.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Row {
  id: string;
  status: ResourceEvent['status'];
  text: string;
  details?: string;
  startedAt: number;
  endedAt?: number;
}

export class TtyProgress {
  private readonly rows = new Map<string, Row>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Lines drawn last time: how far to move up before redrawing. */
  private drawn = 0;
  private frame = 0;
  private stopped = false;
  private readonly now: () => number;
  private readonly color: { green: Paint; red: Paint; yellow: Paint; dim: Paint; blue: Paint };

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions & { elapsed: () => number },
  ) {
    this.now = options.now ?? Date.now;
    this.color = options.color
      ? paint
      : { green: identity, red: identity, yellow: identity, dim: identity, blue: identity };
  }

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
      this.stream.write(formatWarning(e.message, this.options.elapsed(), this.color.yellow));
      this.render();
      return;
    }
    const id = eventId(e);
    const now = this.now();
    const row = this.rows.get(id);
    if (row === undefined) {
      this.rows.set(id, {
        id,
        status: e.status,
        text: statusText(e),
        details: e.text,
        startedAt: now,
        endedAt: e.status === 'working' ? undefined : now,
      });
    } else {
      // A finished row that starts again (Stopped → Removing) keeps its start time: the row's total.
      row.status = e.status;
      row.text = statusText(e);
      row.details = e.text;
      row.endedAt = e.status === 'working' ? undefined : now;
    }
    this.render();
  }

  stop(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.render();
    this.stopped = true;
  }

  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private render(): void {
    if (this.stopped || this.rows.size === 0) return;
    // A pty with no size reports 0 columns: assume the classic 80.
    const width = Math.max(40, this.stream.columns || 80);
    const rows = [...this.rows.values()];
    const finished = rows.filter((r) => r.status !== 'working').length;
    const title = `${this.options.dryRun ? 'DRY-RUN MODE - ' : ''}${this.options.title ?? 'Running'}`;
    const lines = [`${this.color.blue('[+]')} ${title} ${finished}/${rows.length}`];
    const now = this.now();
    for (const r of rows) {
      const icon =
        r.status === 'working'
          ? this.color.dim(SPINNER[this.frame % SPINNER.length]!)
          : r.status === 'done'
            ? this.color.green('✔')
            : r.status === 'error'
              ? this.color.red('✘')
              : this.color.yellow('!');
      const seconds = `${(((r.endedAt ?? now) - r.startedAt) / 1000).toFixed(1)}s`;
      let left = `${r.id}  ${r.text}${r.details ? ` ${r.details}` : ''}`;
      // Row layout: ` ✔ <left><pad> <time>`; the visible width of the fixed parts is 4 + time.
      const room = width - 4 - seconds.length - 1;
      if (left.length > room) left = `${left.slice(0, Math.max(0, room - 1))}…`;
      const text = r.status === 'error' ? this.color.red(left) : left;
      lines.push(` ${icon} ${text}${' '.repeat(Math.max(1, room - left.length + 1))}${seconds}`);
    }
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const line of lines) out += `\x1b[2K${line}\n`;
    this.stream.write(out);
    this.drawn = lines.length;
  }
}
