/**
 * `images` output as docker compose prints it (cmd/compose/images.go): a table CONTAINER REPOSITORY
 * TAG PLATFORM IMAGE ID SIZE CREATED through the docker CLI's tabwriter (min width 10, padding 3),
 * `<none>` for an empty repository or tag, the id cut to 12 characters, the size in go-units'
 * HumanSizeWithPrecision(…, 3), CREATED relative (`N/A` when unknown); `--format json` one JSON array
 * on one line (berth prints `[]` where compose prints `null` for no containers); `-q` the distinct
 * ids without `sha256:`. Rows are sorted by container name. Pure, for unit tests.
 */
import type { ImageSummary } from '../../api/verbs.js';
import { tabulate } from '../commands/config.js';
import { humanDuration } from './ps-format.js';
import { humanSize } from './pull-progress.js';

export function truncateId(id: string): string {
  const bare = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return bare.slice(0, 12);
}

export function imagesTable(rows: ImageSummary[], now = Date.now()): string {
  return tabulate(
    [
      ['CONTAINER', 'REPOSITORY', 'TAG', 'PLATFORM', 'IMAGE ID', 'SIZE', 'CREATED'],
      ...rows.map((r) => [
        r.ContainerName,
        r.Repository || '<none>',
        r.Tag || '<none>',
        r.Platform,
        truncateId(r.ID),
        humanSize(r.Size),
        r.Created && !Number.isNaN(Date.parse(r.Created))
          ? `${humanDuration(now - Date.parse(r.Created))} ago`
          : 'N/A',
      ]),
    ],
    10,
    3,
  );
}

export function imagesJson(rows: ImageSummary[]): string {
  return `${JSON.stringify(rows)}\n`;
}

export function imagesQuiet(rows: ImageSummary[]): string {
  const ids = [...new Set(rows.map((r) => (r.ID.includes(':') ? r.ID.slice(r.ID.indexOf(':') + 1) : r.ID)))];
  return ids.map((id) => `${id}\n`).join('');
}
