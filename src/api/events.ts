/**
 * The one event stream every verb emits. The CLI renders it per `--progress` mode (tty, plain, json,
 * quiet); library callers receive the same objects through `onEvent` or an AsyncIterable. Shapes are
 * public API: fields are only ever added.
 */

export type ResourceKind = 'container' | 'network' | 'volume' | 'image';

/** `working` while an action runs, then `done` or `error`; `warning` for best-effort failures. */
export type ResourceStatus = 'working' | 'done' | 'error' | 'warning';

/** A resource changes state: `Container demo-web-1  Started`. */
export interface ResourceEvent {
  type: 'resource';
  kind: ResourceKind;
  /** Engine name: `demo-web-1`, `demo_default`. */
  name: string;
  /** Compose's words: Creating/Created, Starting/Started, Waiting/Healthy/Exited, Stopping/Stopped,
   * Removing/Removed, Recreate/Recreated, Renaming/Renamed, Pulling/Pulled, Running. */
  action: string;
  status: ResourceStatus;
  /** Extra text: an error message, the cause of a recreate. */
  text?: string;
  /** ISO time the event was emitted. */
  time: string;
}

export interface WarningEvent {
  type: 'warning';
  message: string;
  time: string;
}

export type BerthEvent = ResourceEvent | WarningEvent;

export type EventSink = (event: BerthEvent) => void;

export function resourceEvent(
  kind: ResourceKind,
  name: string,
  action: string,
  status: ResourceStatus,
  text?: string,
): ResourceEvent {
  return {
    type: 'resource',
    kind,
    name,
    action,
    status,
    ...(text ? { text } : {}),
    time: new Date().toISOString(),
  };
}

export function warningEvent(message: string): WarningEvent {
  return { type: 'warning', message, time: new Date().toISOString() };
}
