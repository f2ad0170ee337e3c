/**
 * Events as an AsyncIterable: pass `stream.onEvent` to a verb and `for await` over `stream` elsewhere.
 * Events are buffered until read; `close()` (or the verb settling, via `track`) ends the iteration.
 */
import type { BerthEvent, EventSink } from '../api/events.js';

export interface EventStream extends AsyncIterable<BerthEvent> {
  readonly onEvent: EventSink;
  close(): void;
  /** Closes the stream once `work` settles; returns `work`. */
  track<T>(work: Promise<T>): Promise<T>;
}

export function eventStream(): EventStream {
  const buffer: BerthEvent[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    onEvent: (event) => {
      if (closed) return;
      buffer.push(event);
      notify();
    },
    close() {
      closed = true;
      notify();
    },
    track<T>(work: Promise<T>): Promise<T> {
      return work.finally(() => this.close());
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (buffer.length > 0) {
          yield buffer.shift()!;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
