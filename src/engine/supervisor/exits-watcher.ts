/**
 * Notices files appearing in the exits directory (conmon writes `<exits>/<container id>` holding the
 * exit code when a container's process ends). fs.watch gives a prompt signal; it is only a hint, so
 * the supervisor polls as well (fs.watch can miss events or be unavailable, e.g. on some network
 * filesystems), and this watcher degrades to nothing when watching fails.
 */
import { type FSWatcher, mkdirSync, watch } from 'node:fs';

export interface ExitsWatcher {
  /** False once fs.watch failed (polling only). */
  readonly watching: boolean;
  close(): void;
}

export function watchExits(
  dir: string,
  onExit: (id: string) => void,
  log: (message: string) => void = () => undefined,
): ExitsWatcher {
  let watcher: FSWatcher | undefined;
  const state = { watching: false };
  try {
    mkdirSync(dir, { recursive: true });
    watcher = watch(dir, { persistent: false }, (_event, filename) => {
      if (!filename) return;
      const name = String(filename);
      if (name.startsWith('.') || name.includes('.tmp')) return;
      onExit(name);
    });
    state.watching = true;
    watcher.on('error', (err) => {
      log(`watching ${dir} failed, polling only: ${err.message}`);
      state.watching = false;
      watcher?.close();
    });
  } catch (err) {
    log(`cannot watch ${dir}, polling only: ${(err as Error).message}`);
  }
  return {
    get watching() {
      return state.watching;
    },
    close() {
      state.watching = false;
      watcher?.close();
    },
  };
}
