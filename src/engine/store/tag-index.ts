/**
 * The tag index: the image layout's `index.json`, one descriptor per reference. The normalized
 * reference (`docker.io/library/nginx:latest`, `localhost:5000/a/b@sha256:…`) is the annotation
 * `org.opencontainers.image.ref.name`; an image that lost its last tag to a newer image (or was
 * loaded without one) stays as a descriptor without that annotation: Docker's dangling `<none>`.
 *
 * Readers read the file as it is (it is only ever replaced by rename); every read-modify-write runs
 * under an exclusive flock, so concurrent tag/untag from any number of processes lose no update.
 */
import { access, readFile } from 'node:fs/promises';
import { RuntimeError } from '../../api/errors.js';
import { isDigest } from './digest.js';
import { writeFileAtomic } from './fsutil.js';
import { withLock } from './lock.js';
import { MediaType } from './media-types.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
  urls?: string[];
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The reference a descriptor names, or undefined for a dangling image. */
export function refOf(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME_ANNOTATION];
}

export class TagIndex {
  constructor(
    readonly file: string,
    private readonly lockFile: string,
    private readonly lockTimeoutMs?: number,
  ) {}

  async read(): Promise<Descriptor[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let parsed: OciIndex;
    try {
      parsed = JSON.parse(text) as OciIndex;
    } catch (err) {
      throw new RuntimeError('IMAGE_CORRUPT', `the image index ${this.file} is not valid JSON`, {
        cause: err,
      });
    }
    if (!parsed || !Array.isArray(parsed.manifests)) {
      throw new RuntimeError('IMAGE_CORRUPT', `the image index ${this.file} has no manifests array`);
    }
    return parsed.manifests.filter((d) => d && isDigest(d.digest));
  }

  /** Read-modify-write under the lock: `fn` edits the array in place (or returns a new one). */
  async update<T>(fn: (entries: Descriptor[]) => T | Promise<T>): Promise<T> {
    return withLock(this.lockFile, { mode: 'exclusive', timeoutMs: this.lockTimeoutMs }, async () => {
      const entries = await this.read();
      const before = JSON.stringify(entries);
      const result = await fn(entries);
      if (JSON.stringify(entries) !== before) await this.write(entries);
      return result;
    });
  }

  /** Creates an empty index when there is none. */
  async ensure(): Promise<void> {
    if (await exists(this.file)) return;
    await withLock(this.lockFile, { mode: 'exclusive', timeoutMs: this.lockTimeoutMs }, async () => {
      if (!(await exists(this.file))) await this.write([]);
    });
  }

  private async write(entries: Descriptor[]): Promise<void> {
    const index: OciIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries };
    await writeFileAtomic(this.file, `${JSON.stringify(index)}\n`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
