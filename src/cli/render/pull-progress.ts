/**
 * Progress of `pull` and `push` with the engine's per-layer detail (compose cmd/display + the docker
 * CLI's jsonmessage bars), on stderr:
 * - tty: a block redrawn every 100 ms — `[+] Pulling done/total`, one row per image (spinner, ✔, !
 *   or ✘, elapsed time) and under it one row per layer with its status and, while bytes move, a bar
 *   `[=====>      ]  1.2MB/4.5MB`;
 * - plain: the image events as the other commands print them (` Image x  Pulling`), plus one line per
 *   layer each time its status changes (`   0b34c5f05b69 Download complete`) — byte counts are not
 *   repeated line after line;
 * - json: compose's `--progress json` objects; layers carry `parent_id`, `current` and `total`;
 * - quiet: nothing.
 * The formatting helpers are pure, for unit tests.
 */
import type { BerthEvent } from '../../api/events.js';
import type { LayerProgress } from '../../api/verbs.js';
import { identity, type Paint, paint } from './color.js';
import {
  createProgress,
  eventId,
  formatWarning,
  type Progress,
  type ProgressMode,
  type ProgressStream,
  statusText,
} from './progress.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A layer id as the engine reports it: 12 hex digits. Other ids (a tag) are not layers. */
export function isLayerId(id: string | undefined): id is string {
  return id !== undefined && /^[0-9a-f]{12,64}$/.test(id);
}

/** go-units HumanSize: `1.2MB`, `512B`, 3 significant digits, powers of 1000. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** The docker CLI's bar: `[=====>      ]  1.2MB/4.5MB`, `width` characters between the brackets. */
export function progressBar(current: number, total: number, width = 30): string {
  if (!(total > 0)) return humanSize(current);
  const ratio = Math.max(0, Math.min(1, current / total));
  const filled = Math.floor(ratio * width);
  const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
  return `[${bar}] ${humanSize(current)}/${humanSize(total)}`;
}

/** The plain line for a layer whose status changed. */
export function formatLayerLine(p: LayerProgress): string {
  return `   ${p.layer} ${p.status}\n`;
}

/** The compose-shaped JSON object of a layer update. */
export function formatLayerJson(p: LayerProgress, parent: string): string {
  const done = /complete|already exists|pushed|mounted from/i.test(p.status);
  const msg: Record<string, unknown> = {
    id: p.layer,
    parent_id: parent,
    status: done ? 'Done' : 'Working',
    text: p.status,
  };
  if (p.current !== undefined) msg.current = p.current;
  if (p.total !== undefined) msg.total = p.total;
  if (p.current !== undefined && p.total)
    msg.percent = Math.min(100, Math.floor((p.current / p.total) * 100));
  return `${JSON.stringify(msg)}\n`;
}

export interface LayerProgressRenderer extends Progress {
  onLayer(p: LayerProgress): void;
}

interface LayerRow {
  status: string;
  current?: number;
  total?: number;
  done: boolean;
}

interface ImageRow {
  id: string;
  status: 'working' | 'done' | 'error' | 'warning';
  text: string;
  details?: string;
  startedAt: number;
  endedAt?: number;
  layers: Map<string, LayerRow>;
}

/** The tty view with layer rows. */
export class TtyLayerProgress {
  private readonly rows = new Map<string, ImageRow>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = 0;
  private frame = 0;
  private stopped = false;
  private readonly start = Date.now();
  private readonly color: { green: Paint; red: Paint; yellow: Paint; dim: Paint; blue: Paint };

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { color: boolean; title: string; now?: () => number },
  ) {
    this.color = options.color
      ? paint
      : { green: identity, red: identity, yellow: identity, dim: identity, blue: identity };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  begin(): void {
    this.timer = setInterval(() => {
      this.frame++;
      this.render();
    }, 100);
    this.timer.unref?.();
  }

  onEvent(e: BerthEvent): void {
    if (this.stopped) return;
    if (e.type === 'warning') {
      this.erase();
      this.stream.write(formatWarning(e.message, (this.now() - this.start) / 1000, this.color.yellow));
      this.render();
      return;
    }
    const id = eventId(e);
    const row: ImageRow = this.rows.get(e.name) ?? {
      id,
      status: e.status,
      text: '',
      startedAt: this.now(),
      layers: new Map(),
    };
    row.status = e.status;
    row.text = statusText(e);
    row.details = e.text;
    row.endedAt = e.status === 'working' ? undefined : this.now();
    this.rows.set(e.name, row);
    this.render();
  }

  onLayer(p: LayerProgress): void {
    if (this.stopped || !isLayerId(p.layer)) return;
    const row = this.rows.get(p.image);
    if (!row) return;
    const done = /complete|already exists|pushed|mounted from/i.test(p.status);
    row.layers.set(p.layer, { status: p.status, current: p.current, total: p.total, done });
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

  /** The block's lines (exposed for tests). */
  lines(): string[] {
    const width = Math.max(40, this.stream.columns || 80);
    const rows = [...this.rows.values()];
    const finished = rows.filter((r) => r.status !== 'working').length;
    const out = [`${this.color.blue('[+]')} ${this.options.title} ${finished}/${rows.length}`];
    const now = this.now();
    const spin = this.color.dim(SPINNER[this.frame % SPINNER.length]!);
    const clip = (s: string, room: number) => (s.length > room ? `${s.slice(0, Math.max(0, room - 1))}…` : s);
    for (const r of rows) {
      const icon =
        r.status === 'working'
          ? spin
          : r.status === 'done'
            ? this.color.green('✔')
            : r.status === 'error'
              ? this.color.red('✘')
              : this.color.yellow('!');
      const seconds = `${(((r.endedAt ?? now) - r.startedAt) / 1000).toFixed(1)}s`;
      const room = width - 4 - seconds.length - 1;
      const left = clip(`${r.id}  ${r.text}${r.details ? ` ${r.details}` : ''}`, room);
      const text = r.status === 'error' ? this.color.red(left) : left;
      out.push(` ${icon} ${text}${' '.repeat(Math.max(1, room - left.length + 1))}${seconds}`);
      // Layers only while the image is in progress: a finished pull folds back to one row.
      if (r.status !== 'working') continue;
      for (const [layer, l] of r.layers) {
        const mark = l.done ? this.color.green('✔') : spin;
        const bar = !l.done && l.current !== undefined ? ` ${progressBar(l.current, l.total ?? 0)}` : '';
        out.push(`   ${mark} ${clip(`${layer} ${l.status}${bar}`, width - 6)}`);
      }
    }
    return out;
  }

  private render(): void {
    if (this.stopped || this.rows.size === 0) return;
    const lines = this.lines();
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const line of lines) out += `\x1b[2K${line}\n`;
    if (lines.length < this.drawn) out += '\x1b[J';
    this.stream.write(out);
    this.drawn = lines.length;
  }
}

/** The renderer for `mode` (already resolved: not `auto`). */
export async function createLayerProgress(
  mode: Exclude<ProgressMode, 'auto'>,
  stream: ProgressStream,
  options: { color: boolean; title: string; dryRun?: boolean; env?: Record<string, string | undefined> },
): Promise<LayerProgressRenderer> {
  if (mode === 'tty') {
    const tty = new TtyLayerProgress(stream, options);
    tty.begin();
    return { onEvent: (e) => tty.onEvent(e), onLayer: (p) => tty.onLayer(p), done: () => tty.stop() };
  }
  const base = await createProgress(mode, stream, options);
  if (mode === 'quiet') return { ...base, onLayer: () => {} };
  const last = new Map<string, string>();
  return {
    onEvent: base.onEvent,
    done: base.done,
    onLayer(p) {
      if (!isLayerId(p.layer)) return;
      if (mode === 'json') {
        stream.write(formatLayerJson(p, `Image ${p.image}`));
        return;
      }
      const key = `${p.image}\0${p.layer}`;
      if (last.get(key) === p.status) return;
      last.set(key, p.status);
      stream.write(formatLayerLine(p));
    },
  };
}

/** The layer renderer for a CLI invocation: `--progress`/COMPOSE_PROGRESS, `--ansi`, NO_COLOR, stderr. */
export async function cliLayerProgress(
  flags: { progress?: string; ansi?: string; dryRun?: boolean },
  env: Record<string, string | undefined>,
  write: (text: string) => void,
  title: string,
): Promise<LayerProgressRenderer> {
  const { colorEnabled } = await import('./color.js');
  const { resolveProgressMode } = await import('./progress.js');
  const isTTY = process.stderr.isTTY === true;
  const mode = resolveProgressMode(flags.progress, { env, isTTY, ansi: flags.ansi });
  return createLayerProgress(
    mode,
    { write, isTTY, columns: process.stderr.columns },
    { color: colorEnabled({ env, isTTY, ansi: flags.ansi }), dryRun: flags.dryRun, title, env },
  );
}
