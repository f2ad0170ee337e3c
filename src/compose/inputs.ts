/**
 * The loader's view of the file system, through one door: every file it reads and every path it
 * tests (compose files, includes, extends, env files, label files, discovery, symbolic links in bind
 * paths) goes through these functions. They behave exactly as the `node:fs` calls they wrap; while a
 * recording is open they also note what each call saw, so that a later run can tell whether a load
 * would still see the same files without loading again (the CLI's project cache, src/cli/project-cache.ts).
 *
 * A recording is process-wide and not re-entrant: the CLI loads one project per run. Contents are kept
 * as hashes, not text, so the record holds no file contents.
 */
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';

/** What one call saw: a content hash, a file kind, a path, a boolean, or the error code it threw. */
type Outcome = string | boolean | { error: string };

/** One observed call: [operation, path, what it saw]. */
export type Input = [op: 'read' | 'kind' | 'exists' | 'link' | 'real', path: string, seen: Outcome];

let recording: Input[] | undefined;

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'ERROR';
}

type Kind = 'file' | 'directory' | 'other';

function kindOf(path: string): Kind {
  const s = statSync(path);
  return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
}

/** What each operation saw, as recorded; the same functions replay a record (inputsUnchanged). */
const SEE = {
  read: (path: string) => contentHash(readFileSync(path, 'utf8')),
  kind: kindOf,
  exists: existsSync,
  link: (path: string) => lstatSync(path).isSymbolicLink(),
  real: realpathSync,
} satisfies Record<Input[0], (path: string) => Outcome>;

/** Notes what `op` saw at `path` (or the error it threw) when recording. */
function note(op: Input[0], path: string, seen: Outcome): void {
  recording?.push([op, path, seen]);
}

/** Runs `call`, noting its outcome (`seen` of its value) or its error code when recording. */
function observe<T>(op: Input[0], path: string, call: () => T, seen: (value: T) => Outcome): T {
  if (!recording) return call();
  let value: T;
  try {
    value = call();
  } catch (err) {
    note(op, path, { error: errorCode(err) });
    throw err;
  }
  note(op, path, seen(value));
  return value;
}

/** readFileSync(path, 'utf8'). */
export function readText(path: string): string {
  return observe('read', path, () => readFileSync(path, 'utf8'), contentHash);
}

/** What statSync(path) says the path is (symbolic links followed); throws as statSync does. */
export function fileKind(path: string): Kind {
  return observe(
    'kind',
    path,
    () => SEE.kind(path),
    (k) => k,
  );
}

/** existsSync(path). */
export function exists(path: string): boolean {
  return observe(
    'exists',
    path,
    () => SEE.exists(path),
    (b) => b,
  );
}

/** lstatSync(path).isSymbolicLink(); throws as lstatSync does. */
export function isSymbolicLink(path: string): boolean {
  return observe(
    'link',
    path,
    () => SEE.link(path),
    (b) => b,
  );
}

/** realpathSync(path). */
export function realPath(path: string): string {
  return observe(
    'real',
    path,
    () => SEE.real(path),
    (p) => p,
  );
}

/**
 * Runs `load` with a recording open and returns what it produced with every file-system call it made.
 * The recording covers the whole of `load`, awaits included.
 */
export async function recordInputs<T>(load: () => Promise<T>): Promise<{ value: T; inputs: Input[] }> {
  if (recording) throw new Error('recordInputs: a recording is already open');
  const inputs: Input[] = [];
  recording = inputs;
  try {
    return { value: await load(), inputs };
  } finally {
    recording = undefined;
  }
}

/** Whether each recorded call would see the same thing now. */
export function inputsUnchanged(inputs: readonly Input[]): boolean {
  for (const [op, path, seen] of inputs) {
    let now: Outcome;
    try {
      now = SEE[op](path);
    } catch (err) {
      now = { error: errorCode(err) };
    }
    const same =
      typeof seen === 'object' ? typeof now === 'object' && now.error === seen.error : now === seen;
    if (!same) return false;
  }
  return true;
}

/**
 * A 64-bit non-cryptographic hash of a string as 16 hex digits: two 32-bit FNV-1a lanes with different
 * offsets and a final avalanche (node:crypto costs ~6 ms of start-up to load; nobody forges these).
 */
export function contentHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return (
    ((a ^ (a >>> 16)) >>> 0).toString(16).padStart(8, '0') +
    ((b ^ (b >>> 16)) >>> 0).toString(16).padStart(8, '0')
  );
}
