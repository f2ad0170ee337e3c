/**
 * The docker CLI's text forms of the image commands (pure functions, unit-tested): `image ls`
 * table/JSON, `history` table, sizes (go-units HumanSize, powers of 1000) and relative times
 * (go-units HumanDuration + " ago").
 */
import type { ImageHistoryEntry, ImageListEntry } from '../../api/images.js';
import { shortId } from './common.js';

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
export function progressBar(current: number, total: number, width = 50): string {
  if (!(total > 0)) return humanSize(current);
  const ratio = Math.max(0, Math.min(1, current / total));
  const filled = Math.floor(ratio * width);
  const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
  return `[${bar}]  ${humanSize(current)}/${humanSize(total)}`;
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(ms / 60_000);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(ms / 3_600_000 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

export function since(created: string | undefined, now: number = Date.now()): string {
  const t = created ? Date.parse(created) : Number.NaN;
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** Left-aligned columns as the docker CLI's tabwriter sets them (minwidth 10, padding 3). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(Math.max(widths[i]! + 3, 10))))
      .join('')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export interface ListFormat {
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  now?: number;
}

/** `docker image ls` output. `-q`: unique IDs, in order. */
export function formatImageList(rows: readonly ImageListEntry[], f: ListFormat = {}): string {
  const id = (r: ImageListEntry) => (f.noTrunc ? r.id : shortId(r.id));
  if (f.quiet) {
    const ids = [...new Set(rows.map(id))];
    return ids.length === 0 ? '' : `${ids.join('\n')}\n`;
  }
  const header = ['REPOSITORY', 'TAG', ...(f.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  return table(
    header,
    rows.map((r) => [
      r.repository,
      r.tag,
      ...(f.digests ? [r.digest || '<none>'] : []),
      id(r),
      since(r.created, f.now),
      humanSize(r.size),
    ]),
  );
}

/** `docker image ls --format json`: one JSON object per line, docker's keys. */
export function formatImageListJson(rows: readonly ImageListEntry[], f: ListFormat = {}): string {
  return rows
    .map(
      (r) =>
        `${JSON.stringify({
          Containers: 'N/A',
          CreatedAt: r.created ?? '',
          CreatedSince: since(r.created, f.now),
          Digest: r.digest,
          ID: f.noTrunc ? r.id : shortId(r.id),
          Repository: r.repository,
          SharedSize: 'N/A',
          Size: humanSize(r.size),
          Tag: r.tag,
          UniqueSize: 'N/A',
          VirtualSize: humanSize(r.size),
        })}\n`,
    )
    .join('');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** `docker history` output. */
export function formatHistory(
  rows: readonly ImageHistoryEntry[],
  f: { quiet?: boolean; noTrunc?: boolean; now?: number } = {},
): string {
  const id = (r: ImageHistoryEntry) => (r.id === '<missing>' || f.noTrunc ? r.id : shortId(r.id));
  if (f.quiet) return rows.length === 0 ? '' : `${rows.map(id).join('\n')}\n`;
  return table(
    ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
    rows.map((r) => {
      const by = r.createdBy.replace(/\t/g, ' ');
      return [
        id(r),
        since(r.created, f.now),
        f.noTrunc ? by : truncate(by, 45),
        humanSize(r.size),
        f.noTrunc ? r.comment : truncate(r.comment, 45),
      ];
    }),
  );
}
