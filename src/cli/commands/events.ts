/**
 * `berth events [--json] [--since T] [--until T] [SERVICE...]` (docker/compose cmd/compose/events.go,
 * pkg/api Event.String): the project's container events as they happen, until Ctrl-C (exit 130, no
 * error) or `--until`.
 * - text: `2006-01-02 15:04:05.000000 container <action> <id> (k=v, k=v)` in local time; the attributes
 *   sorted by key (compose prints them in Go's random map order). compose's line ends with a blank
 *   line (a Println of a string ending in a newline); berth prints one line per event.
 * - `--json`: one object per line, keys in Go's map order (sorted): action, attributes, id, service,
 *   time (RFC 3339 with nanoseconds, local offset), type (always `container`).
 */
import type { Command } from 'commander';
import type { ProjectEvent } from '../../api/inspect.js';
import { untilInterrupted } from '../interrupt.js';
import type { CliIo, GlobalOptions } from '../program.js';
import { checkServiceNames } from './checks.js';

interface EventsFlags {
  json?: boolean;
  since?: string;
  until?: string;
}

export function registerEvents(program: Command, io: CliIo): void {
  program
    .command('events')
    .description('Receive real time events from containers')
    .argument('[services...]', 'Only these services')
    .option('--json', 'Output events as a stream of json objects')
    .option('--since <timestamp>', 'Show all events created since timestamp')
    .option('--until <timestamp>', 'Stream events until this timestamp')
    .action(async (services: string[], _flags: EventsFlags, cmd: Command) => {
      await runEvents(services, cmd.optsWithGlobals<EventsFlags & GlobalOptions>(), io);
    });
}

const pad = (n: number | bigint, width = 2) => String(n).padStart(width, '0');

/** Nanoseconds since the epoch of an event (from `timeNano`, else its ISO time). */
function nanosOf(e: ProjectEvent): bigint {
  if (e.timeNano !== undefined) return e.timeNano;
  return BigInt(Date.parse(e.time)) * 1_000_000n;
}

/** Local calendar fields of an instant, plus the nanoseconds within its second. */
function localParts(nanos: bigint) {
  const seconds = nanos / 1_000_000_000n;
  const sub = nanos - seconds * 1_000_000_000n;
  const d = new Date(Number(seconds) * 1000);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    nanos: sub,
    offsetMinutes: -d.getTimezoneOffset(),
  };
}

/** Go's `2006-01-02 15:04:05.000000` in local time. */
export function eventTimestamp(e: ProjectEvent): string {
  const p = localParts(nanosOf(e));
  return `${p.date} ${p.time}.${pad(p.nanos / 1000n, 6)}`;
}

/** Go's time.Time JSON form: RFC 3339 with nanoseconds (trailing zeros cut), local offset or `Z`. */
export function rfc3339Nano(e: ProjectEvent): string {
  const p = localParts(nanosOf(e));
  const fraction = p.nanos === 0n ? '' : `.${pad(p.nanos, 9).replace(/0+$/, '')}`;
  const off = p.offsetMinutes;
  const zone =
    off === 0
      ? 'Z'
      : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${p.date}T${p.time}${fraction}${zone}`;
}

function sortedAttributes(attributes: Record<string, string>): Array<[string, string]> {
  return Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The text line of an event (without its newline). */
export function formatEventText(e: ProjectEvent): string {
  const attrs = sortedAttributes(e.attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${eventTimestamp(e)} container ${e.action} ${e.container} (${attrs})`;
}

/** JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The `--json` line of an event (without its newline). */
export function formatEventJson(e: ProjectEvent): string {
  return goJson({
    action: e.action,
    attributes: Object.fromEntries(sortedAttributes(e.attributes)),
    id: e.container,
    service: e.service,
    time: rfc3339Nano(e),
    type: 'container',
  });
}

async function runEvents(services: string[], opts: EventsFlags & GlobalOptions, io: CliIo): Promise<void> {
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  if (project) await checkServiceNames(project, services);
  const { events } = await import('../../verbs/events.js');
  await untilInterrupted(async (signal) => {
    for await (const e of events(name, {
      env: io.env,
      services: services.length > 0 ? services : undefined,
      since: opts.since,
      until: opts.until,
      signal,
    })) {
      io.out(`${opts.json ? formatEventJson(e) : formatEventText(e)}\n`);
    }
  });
}
