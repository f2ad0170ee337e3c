/**
 * `!reset` / `!override` application — compose-go loader/reset.go (`ResetProcessor.Apply`), spec
 * 13-merge.md. The parser records the paths a file tagged; before that file is merged in, those paths
 * are deleted from the earlier model, so a `!reset` value disappears and an `!override` value lands
 * without being merged. The same deletion is applied to a base service copied by `extends` (under
 * the extending service's name) and to a resource imported by `include`.
 *
 * Only mapping keys are deleted: compose-go records sequence items by index but addresses them as
 * `[i]` when applying, so a tagged sequence item never matches (it is simply absent from the later
 * file's own list).
 */
import { isMapping } from './merge.js';
import type { Dict } from './yaml.js';

/**
 * Deletes from `dict` (in place) every mapping entry whose dotted path (`services.web.ports`) is one
 * of `paths`. Keys that themselves contain dots match the same way, since both sides join with `.`.
 * Only the mappings on the way to a tagged path are visited.
 */
export function applyResets(dict: Dict, paths: readonly string[]): void {
  if (paths.length === 0) return;
  const targets = new Set<string>();
  const prefixes = new Set<string>();
  for (const p of paths) {
    if (p === '') continue; // a tag on the document root resets nothing in compose-go
    targets.add(p);
    // Every dotted prefix: the walk only enters keys that lead towards a target.
    for (let i = p.indexOf('.'); i >= 0; i = p.indexOf('.', i + 1)) prefixes.add(p.slice(0, i));
  }
  if (targets.size > 0) prune(dict, '', targets, prefixes);
}

function prune(node: Dict, at: string, targets: Set<string>, prefixes: Set<string>): void {
  for (const key of Object.keys(node)) {
    const path = at === '' ? key : `${at}.${key}`;
    if (targets.has(path)) {
      delete node[key];
      continue;
    }
    if (prefixes.has(path)) {
      const child = node[key];
      if (isMapping(child)) prune(child, path, targets, prefixes);
    }
  }
}
