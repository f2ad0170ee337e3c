/**
 * Engine API failures → RuntimeError codes. The engine answers errors as `{"message": "…"}` with an
 * HTTP status; callers switch on berth's stable codes, never on engine text, so this is the one place
 * that reads that text.
 */
import { type ErrorCode, RuntimeError } from '../../api/errors.js';

/** What the client knows about a failed request. */
export interface EngineFailure {
  statusCode: number;
  message: string;
  /** What was being done, e.g. `create container web-1`; prefixed to the message. */
  action?: string;
  /** Set when the request was about an image (404 then means IMAGE_NOT_FOUND). */
  image?: boolean;
}

export function engineError(failure: EngineFailure): RuntimeError {
  const { statusCode, message } = failure;
  const text = failure.action ? `${failure.action}: ${message}` : message;
  const port = portInUse(message);
  if (port !== undefined) {
    return new RuntimeError(
      'RUNTIME_PORT_IN_USE',
      failure.action ? `${failure.action}: ${port.text}` : port.text,
      {
        hint: `another process or container already uses ${port.where}: stop it, or publish a different host port`,
        cause: message,
      },
    );
  }
  let code: ErrorCode = 'RUNTIME_ERROR';
  if (/no such image|pull access denied|manifest unknown|repository does not exist/i.test(message)) {
    code = 'IMAGE_NOT_FOUND';
  } else if (statusCode === 404) code = failure.image ? 'IMAGE_NOT_FOUND' : 'RUNTIME_NOT_FOUND';
  else if (statusCode === 409) code = 'RUNTIME_CONFLICT';
  return new RuntimeError(code, text, { cause: message });
}

/**
 * dockerd says `Bind for 127.0.0.1:8080 failed: port is already allocated` (its own proxy) or
 * `listen tcp4 127.0.0.1:8080: bind: address already in use` (another process); both become one code
 * naming the port.
 */
function portInUse(message: string): { text: string; where: string } | undefined {
  const allocated = /Bind for (\S+?):(\d+) failed: port is already allocated/i.exec(message);
  if (allocated) {
    return {
      text: `host port ${allocated[2]} (${allocated[1]}) is already allocated`,
      where: `${allocated[1]}:${allocated[2]}`,
    };
  }
  const inUse = /listen (?:tcp|udp|sctp)[46]? (\S+):(\d+): bind: address already in use/i.exec(message);
  if (inUse) {
    return {
      text: `host port ${inUse[2]} (${inUse[1]}) is already in use`,
      where: `${inUse[1]}:${inUse[2]}`,
    };
  }
  if (/address already in use|port is already allocated/i.test(message)) {
    return { text: message, where: 'that host port' };
  }
  return undefined;
}

export function abortedError(action?: string, cause?: unknown): RuntimeError {
  return new RuntimeError('ABORTED', action ? `${action}: aborted` : 'aborted', { cause });
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR')
  );
}
