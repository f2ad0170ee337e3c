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

import type { ResourceEvent } from '../../api/events.js';
import type { LayerProgress } from '../../api/verbs.js';
import { humanSize } from '../../engine/images/format.js';
import {
  type CliProgressFlags,
  cliProgressSetup,
  createProgress,
  type Progress,
  type ProgressMode,
  type ProgressStream,
} from './progress.js';
import { clip, RedrawnBlock, type StatusRow } from './tty-progress.js';

/** A layer id as the engine reports it: 12 hex digits. Other ids (a tag) are not layers. */
export function isLayerId(id: string | undefined): id is string {
  return id !== undefined && /^[0-9a-f]{12,64}$/.test(id);
}

/** go-units HumanSize, shared with the built-in engine's image commands. */
export { humanSize };

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

interface ImageRow extends StatusRow {
  layers: Map<string, LayerRow>;
}

/** The tty view with layer rows. */
export class TtyLayerProgress extends RedrawnBlock<ImageRow> {
  constructor(
    stream: ProgressStream,
    private readonly options: { color: boolean; title: string; now?: () => number },
  ) {
    const now = () => (options.now ?? Date.now)();
    const start = Date.now();
    super(stream, options.color, now, () => (now() - start) / 1000);
  }

  onLayer(p: LayerProgress): void {
    if (this.stopped || !isLayerId(p.layer)) return;
    const row = this.rows.get(p.image);
    if (!row) return;
    const done = /complete|already exists|pushed|mounted from/i.test(p.status);
    row.layers.set(p.layer, { status: p.status, current: p.current, total: p.total, done });
  }

  /** The block's lines (exposed for tests). */
  lines(): string[] {
    const width = this.width();
    const out = [this.header(this.options.title)];
    const now = this.now();
    const spin = this.spinner();
    for (const r of this.rows.values()) {
      out.push(this.statusLine(r, width, now));
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

  /** Rows by image reference, which the layer updates name. */
  protected rowKey(e: ResourceEvent): string {
    return e.name;
  }

  protected newRow(row: StatusRow): ImageRow {
    return { ...row, layers: new Map() };
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
    tty.start();
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
  flags: CliProgressFlags,
  env: Record<string, string | undefined>,
  write: (text: string) => void,
  title: string,
): Promise<LayerProgressRenderer> {
  const { mode, stream, options } = await cliProgressSetup(flags, env, write, title);
  return createLayerProgress(mode, stream, options);
}
