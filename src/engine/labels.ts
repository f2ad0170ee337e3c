/**
 * The runtime's label selector (LabelFilter: `key: value` must equal, `key: true` must be present),
 * one rule for every list the built-in engine answers: containers, networks, volumes, images, events.
 */
import type { LabelFilter } from '../runtime/runtime.js';

export function matchLabels(labels: Record<string, string>, filter: LabelFilter = {}): boolean {
  for (const [key, want] of Object.entries(filter)) {
    if (!Object.hasOwn(labels, key)) return false;
    if (want !== true && labels[key] !== want) return false;
  }
  return true;
}
