/**
 * `events`: the project's container events as they happen (docker/compose pkg/compose/events.go): the
 * engine's event stream filtered by the project label; one-off (`run`) containers and other services
 * left out; the `com.docker.compose.*` labels dropped from the attributes. The iteration ends when
 * `options.signal` aborts (without an error), or at `until`.
 */
import type { EventsOptions, ProjectEvent } from '../api/inspect.js';
import { ONEOFF_LABEL, ONEOFF_TRUE, PROJECT_LABEL, SERVICE_LABEL } from '../api/labels.js';
import type { Project } from '../compose/model.js';
import { openRuntime } from '../runtime/open.js';
import type { RuntimeEvent } from '../runtime/runtime.js';

/** A runtime event as the project's event, or undefined when compose would not report it. */
export function projectEvent(e: RuntimeEvent, services?: ReadonlySet<string>): ProjectEvent | undefined {
  if (e.type !== 'container') return undefined;
  if (e.attributes[ONEOFF_LABEL] === ONEOFF_TRUE) return undefined;
  const service = e.attributes[SERVICE_LABEL] ?? '';
  if (services && services.size > 0 && !services.has(service)) return undefined;
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.attributes)) {
    if (!k.startsWith('com.docker.compose.')) attributes[k] = v;
  }
  return {
    time: e.time,
    ...(e.timeNano === undefined ? {} : { timeNano: e.timeNano }),
    service,
    container: e.id,
    action: e.action,
    attributes,
  };
}

/** `for await (const e of events(project, { signal })) …`: the project's container events. */
export async function* events(
  project: Project | string,
  options: EventsOptions = {},
): AsyncIterable<ProjectEvent> {
  const name = typeof project === 'string' ? project : project.name;
  const services = new Set(options.services ?? []);
  const { runtime, owned } = await openRuntime(options);
  try {
    for await (const e of runtime.events({
      labels: { [PROJECT_LABEL]: name },
      since: options.since,
      until: options.until,
      signal: options.signal,
    })) {
      const event = projectEvent(e, services);
      if (event) yield event;
    }
  } finally {
    if (owned) await runtime.close();
  }
}
