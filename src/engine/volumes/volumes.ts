/**
 * Volumes of the built-in engine, as Docker's `local` driver keeps them:
 *
 *   <root>/volumes/<name>/volume.json   {name, driver: 'local', labels, options, createdAt, anonymous}
 *   <root>/volumes/<name>/_data/        the content (the Mountpoint), unless the options say otherwise
 *
 * volume.json is written last and atomically, so a directory without it is a half-created volume
 * (ignored by list/inspect, taken over by the next create). Changes hold `<root>/locks/volumes.lock`.
 *
 * `local` driver options (`driver_opts`), as moby's volume/local checks them: `type`, `device`, `o`
 * (`device` and `type` need each other, `o` needs both); `size` is refused (no quota support):
 * - `type: none, o: bind, device: /path`: the volume is that host directory (bind).
 * - `type: tmpfs` (or any other filesystem type, `device` as mount(8) takes it): mounted on the host
 *   at `_data` when first used (`mountSource`, `populate`) and shared by every container using it, as
 *   Docker does. Docker unmounts it when the last container stops; here it stays mounted until
 *   `unmount` or `remove` (or a reboot), so a tmpfs volume keeps its content across container restarts.
 *
 * `populate` is Docker's copy-up: the first container mounting an empty volume copies the image's
 * content at the mount target into it (ownership, modes, timestamps, symlinks, xattrs) with
 * GNU `cp -a`, skipped with `nocopy`.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError } from '../../api/errors.js';
import type { ListFilter, VolumeInfo, VolumeSpec } from '../../runtime/runtime.js';
import { matchLabels } from '../labels.js';
import { randomBytes } from '../lazy-crypto.js';
import type { EnginePaths } from '../paths.js';
import { writeFileAtomic } from '../store/fsutil.js';
import { withLock } from '../store/lock.js';
import { isWithin, resolveInRoot, resolveSubpath } from './scoped-path.js';

const run = promisify(execFile);

/** The label Docker (≥ 23) puts on anonymous volumes. */
export const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const LOCAL_OPTIONS = new Set(['type', 'o', 'device', 'size']);
const MANDATORY_OPTIONS: Record<string, string[]> = {
  device: ['type'],
  type: ['device'],
  o: ['device', 'type'],
};

/** What `volume.json` holds. */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  /** The local driver's options (`driver_opts`). */
  options: Record<string, string>;
  /** ISO-8601. */
  createdAt: string;
  /** Created by `createAnonymous`. */
  anonymous: boolean;
}

/** `inspect`'s answer: the Runtime's VolumeInfo plus what `docker volume inspect` shows. */
export interface VolumeDetails extends VolumeInfo {
  driver: 'local';
  mountpoint: string;
  options: Record<string, string>;
  createdAt: string;
  scope: 'local';
  anonymous: boolean;
}

/**
 * What a container must mount for a volume, in OCI mount terms: always `{type: 'bind', source: <host
 * dir>, options: ['rbind', …]}` (`ro` too for a bind-type volume with `o: bind,ro`).
 */
export interface VolumeMountSource {
  type: string;
  source: string;
  options: string[];
}

/** Container ids (or names) using a volume; `remove` refuses while it is non-empty. */
export type VolumeUsers = (name: string) => Promise<string[]> | string[];

export interface VolumesOptions {
  paths: Pick<EnginePaths, 'volumes' | 'locks'>;
  /** Default in-use check for `remove` (a call can pass its own). */
  inUse?: VolumeUsers;
  /** Lock wait, default 10 minutes. */
  lockTimeoutMs?: number;
}

export interface RemoveVolumeOptions {
  /** Missing volume = no error. In use is refused all the same (as Docker does). */
  force?: boolean;
  /** The containers using it: a list, or a callback asked under the lock. */
  inUse?: string[] | VolumeUsers;
}

export interface PopulateOptions {
  /** `nocopy`: never copy. */
  noCopy?: boolean;
}

export class Volumes {
  readonly dir: string;
  private readonly lockPath: string;

  private constructor(private readonly options: VolumesOptions) {
    this.dir = options.paths.volumes;
    this.lockPath = join(options.paths.locks, 'volumes.lock');
  }

  static async open(options: VolumesOptions): Promise<Volumes> {
    await mkdir(options.paths.volumes, { recursive: true, mode: 0o700 });
    await mkdir(options.paths.locks, { recursive: true, mode: 0o700 });
    return new Volumes(options);
  }

  /** The directory of a volume (record + `_data`). */
  volumeDir(name: string): string {
    checkName(name);
    return join(this.dir, name);
  }

  /** Docker's Mountpoint: `<root>/volumes/<name>/_data`. */
  mountpoint(name: string): string {
    return join(this.volumeDir(name), '_data');
  }

  /**
   * Creates a volume; an existing one with the same driver is returned as it is (Docker's
   * idempotent create). Throws UNSUPPORTED for a driver other than `local`.
   */
  async create(spec: VolumeSpec): Promise<VolumeDetails> {
    return this.createRecord(spec.name, spec.driver, spec.driverOpts ?? {}, spec.labels ?? {}, false);
  }

  /** An anonymous volume: a random 64-hex name, labelled `com.docker.volume.anonymous`. */
  async createAnonymous(labels: Record<string, string> = {}): Promise<VolumeDetails> {
    const name = randomBytes(32).toString('hex');
    return this.createRecord(name, 'local', {}, { ...labels, [ANONYMOUS_VOLUME_LABEL]: '' }, true);
  }

  private async createRecord(
    name: string,
    driver: string | undefined,
    driverOpts: Record<string, string>,
    labels: Record<string, string>,
    anonymous: boolean,
  ): Promise<VolumeDetails> {
    checkName(name);
    const drv = driver === undefined || driver === '' ? 'local' : driver;
    if (drv !== 'local') {
      throw new RuntimeError(
        'UNSUPPORTED',
        `volume driver "${drv}" (volume ${name}) is not supported by the built-in engine`,
        {
          hint: 'only the "local" driver is available; use the docker runtime for volume plugins',
        },
      );
    }
    const options = checkLocalOptions(name, driverOpts);
    return this.locked(async () => {
      const existing = await this.readRecord(name);
      if (existing) return this.details(existing);
      const dir = join(this.dir, name);
      await mkdir(dir, { recursive: true, mode: 0o701 });
      await mkdir(join(dir, '_data'), { recursive: true, mode: 0o755 });
      const record: VolumeRecord = {
        name,
        driver: 'local',
        labels: { ...labels },
        options,
        createdAt: new Date().toISOString(),
        anonymous,
      };
      await writeFileAtomic(join(dir, 'volume.json'), `${JSON.stringify(record, null, 2)}\n`, 0o600);
      return this.details(record);
    });
  }

  /** Volumes matching the filter (labels, exact names), sorted by name. */
  async list(filter: ListFilter = {}): Promise<VolumeDetails[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: VolumeDetails[] = [];
    for (const name of names.sort()) {
      if (!VALID_NAME.test(name)) continue;
      if (filter.names && !filter.names.includes(name)) continue;
      const rec = await this.readRecord(name);
      if (!rec) continue;
      if (filter.labels && !matchLabels(rec.labels, filter.labels)) continue;
      out.push(this.details(rec));
    }
    return out;
  }

  /** The volume, or undefined when there is none by that name. */
  async inspect(name: string): Promise<VolumeDetails | undefined> {
    if (!VALID_NAME.test(name)) return undefined;
    const rec = await this.readRecord(name);
    return rec ? this.details(rec) : undefined;
  }

  /**
   * Removes a volume: RUNTIME_NOT_FOUND when missing (unless `force`), RUNTIME_CONFLICT when a
   * container uses it ("volume is in use - [ids]", force or not, as Docker) or something is still
   * mounted inside its directory. A bind-type volume's device directory is left alone.
   */
  async remove(name: string, options: RemoveVolumeOptions = {}): Promise<void> {
    await this.locked(async () => {
      const rec = VALID_NAME.test(name) ? await this.readRecord(name) : undefined;
      if (!rec) {
        if (options.force) return;
        throw new RuntimeError('RUNTIME_NOT_FOUND', `get ${name}: no such volume`);
      }
      const check = options.inUse ?? this.options.inUse;
      const users = check === undefined ? [] : Array.isArray(check) ? check : await check(name);
      if (users.length > 0) {
        throw new RuntimeError(
          'RUNTIME_CONFLICT',
          `remove ${name}: volume is in use - [${users.join(', ')}]`,
          {
            hint: 'remove the containers using it first',
          },
        );
      }
      const dir = join(this.dir, name);
      if (volumeKind(rec).kind === 'mount') await this.unmountData(name);
      const mounted = await mountsUnder(dir);
      if (mounted.length > 0) {
        throw new RuntimeError(
          'RUNTIME_CONFLICT',
          `remove ${name}: volume is in use - mounted at ${mounted.join(', ')}`,
          { hint: 'stop the containers using it first' },
        );
      }
      const trash = join(this.dir, `.removing-${name}-${randomBytes(4).toString('hex')}`);
      await rename(dir, trash);
      await rm(trash, { recursive: true, force: true });
    });
  }

  /**
   * What to bind-mount for the volume (optionally only `subpath` of it, resolved inside the volume and
   * refused when it escapes): the host directory holding its content, in OCI mount terms. A tmpfs (or
   * other filesystem) volume is mounted on the host first. Throws RUNTIME_NOT_FOUND for a missing volume.
   */
  async mountSource(name: string, options: { subpath?: string } = {}): Promise<VolumeMountSource> {
    const rec = await this.mustRead(name);
    const kind = volumeKind(rec);
    const base =
      kind.kind === 'mount' ? await this.locked(() => this.hostMount(rec, kind)) : this.dataDir(rec, kind);
    try {
      const st = await stat(base);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (err) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `failed to mount local volume ${name}: ${base}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
        { hint: kind.kind === 'bind' ? 'create the device directory first' : undefined, cause: err },
      );
    }
    const source = options.subpath ? await resolveSubpath(base, options.subpath, name) : base;
    return { type: 'bind', source, options: kind.kind === 'bind' ? ['rbind', ...kind.options] : ['rbind'] };
  }

  /**
   * Unmounts the host mount of a tmpfs (or other filesystem) volume, dropping its content; for when no
   * container uses it any more. A no-op for other volumes or when it is not mounted.
   */
  async unmount(name: string): Promise<void> {
    await this.locked(async () => {
      const rec = await this.mustRead(name);
      if (volumeKind(rec).kind === 'mount') await this.unmountData(name);
    });
  }

  /**
   * Docker's copy-up: copies the content of `fromDir` (the image's directory at the mount target) into
   * the volume when the volume is empty, keeping owners, modes, timestamps, symlinks and xattrs; the
   * volume root takes `fromDir`'s owner and mode. Returns whether it copied. Nothing happens with
   * `noCopy` or when `fromDir` is missing or not a directory. A tmpfs volume is mounted first.
   */
  async populate(name: string, fromDir: string, options: PopulateOptions = {}): Promise<boolean> {
    if (options.noCopy) return false;
    return this.locked(async () => {
      const rec = await this.mustRead(name);
      const kind = volumeKind(rec);
      try {
        const st = await lstat(fromDir);
        if (!st.isDirectory()) return false;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
      const data = kind.kind === 'mount' ? await this.hostMount(rec, kind) : this.dataDir(rec, kind);
      let entries: string[];
      try {
        entries = await readdir(data);
      } catch (err) {
        throw new RuntimeError(
          'RUNTIME_ERROR',
          `cannot read volume ${name} at ${data}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      if (entries.length > 0) return false;
      try {
        await run('cp', ['-a', '--', `${fromDir}/.`, `${data}/`], { maxBuffer: 16 * 1024 * 1024 });
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
        throw new RuntimeError(
          'RUNTIME_ERROR',
          `copying ${fromDir} into volume ${name} failed: ${stderr || (err as Error).message}`,
          { cause: err },
        );
      }
      return true;
    });
  }

  /**
   * `populate` from an image root filesystem: `target` (the mount target inside the container) is
   * resolved inside `rootfs` with the image's symlinks, never leaving it.
   */
  async populateFromRootfs(
    name: string,
    rootfs: string,
    target: string,
    options: PopulateOptions = {},
  ): Promise<boolean> {
    if (options.noCopy) return false;
    const from = await resolveInRoot(rootfs, target);
    if (!isWithin(rootfs, from)) return false;
    return this.populate(name, from, options);
  }

  /** Where the content of a plain or bind-type volume is. */
  private dataDir(rec: VolumeRecord, kind: VolumeKind): string {
    return kind.kind === 'bind' ? kind.device : join(this.dir, rec.name, '_data');
  }

  /** Mounts a tmpfs/filesystem volume at its `_data` unless it is mounted; call under the lock. */
  private async hostMount(rec: VolumeRecord, kind: Extract<VolumeKind, { kind: 'mount' }>): Promise<string> {
    const data = join(this.dir, rec.name, '_data');
    if ((await mountsUnder(data)).includes(data)) return data;
    await mkdir(data, { recursive: true, mode: 0o755 });
    const args = [
      '-t',
      kind.fstype,
      ...(kind.options.length > 0 ? ['-o', kind.options.join(',')] : []),
      kind.device,
      data,
    ];
    try {
      await run('mount', args);
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `failed to mount local volume ${rec.name}: mount ${kind.device}:${data}, type ${kind.fstype}: ${stderr || (err as Error).message}`,
        { cause: err },
      );
    }
    return data;
  }

  /** Unmounts `_data` if it is a mount point; call under the lock. */
  private async unmountData(name: string): Promise<void> {
    const data = join(this.dir, name, '_data');
    if (!(await mountsUnder(data)).includes(data)) return;
    try {
      await run('umount', [data]);
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
      throw new RuntimeError(
        'RUNTIME_CONFLICT',
        `volume ${name} is in use: unmounting ${data} failed: ${stderr}`,
        {
          hint: 'stop the containers using it first',
          cause: err,
        },
      );
    }
  }

  private details(rec: VolumeRecord): VolumeDetails {
    return {
      name: rec.name,
      driver: 'local',
      labels: { ...rec.labels },
      mountpoint: join(this.dir, rec.name, '_data'),
      options: { ...rec.options },
      createdAt: rec.createdAt,
      scope: 'local',
      anonymous: rec.anonymous,
    };
  }

  private async mustRead(name: string): Promise<VolumeRecord> {
    const rec = VALID_NAME.test(name) ? await this.readRecord(name) : undefined;
    if (!rec) throw new RuntimeError('RUNTIME_NOT_FOUND', `get ${name}: no such volume`);
    return rec;
  }

  private async readRecord(name: string): Promise<VolumeRecord | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, name, 'volume.json'), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
    const raw = JSON.parse(text) as Partial<VolumeRecord>;
    return {
      name: raw.name ?? name,
      driver: 'local',
      labels: raw.labels ?? {},
      options: raw.options ?? {},
      createdAt: raw.createdAt ?? new Date(0).toISOString(),
      anonymous: raw.anonymous ?? false,
    };
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.lockPath, { timeoutMs: this.options.lockTimeoutMs }, fn);
  }
}

type VolumeKind =
  | { kind: 'dir' }
  | { kind: 'bind'; device: string; options: string[] }
  | { kind: 'mount'; fstype: string; device: string; options: string[] };

function volumeKind(rec: VolumeRecord): VolumeKind {
  const { type, device, o } = rec.options;
  if (!type && !device) return { kind: 'dir' };
  const opts = (o ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const isBind = opts.includes('bind') || opts.includes('rbind');
  if (isBind && device) {
    return { kind: 'bind', device, options: opts.filter((s) => s !== 'bind' && s !== 'rbind') };
  }
  return { kind: 'mount', fstype: type ?? 'none', device: device ?? 'none', options: opts };
}

/** Validates a name the way Docker's local driver does. */
function checkName(name: string): void {
  if (VALID_NAME.test(name)) return;
  if (name.length < 2 && /^[a-zA-Z0-9]?$/.test(name)) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `volume name is too short, names should be at least two alphanumeric characters`,
    );
  }
  throw new RuntimeError(
    'RUNTIME_ERROR',
    `${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`,
    { hint: 'if you intended to pass a host directory, use an absolute path (a bind mount)' },
  );
}

/** moby volume/local's option rules. */
function checkLocalOptions(name: string, opts: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(opts)) {
    if (!LOCAL_OPTIONS.has(key)) {
      throw new RuntimeError('RUNTIME_ERROR', `create ${name}: invalid option: ${JSON.stringify(key)}`, {
        hint: 'the local driver takes type, device and o',
      });
    }
  }
  for (const [key, needs] of Object.entries(MANDATORY_OPTIONS)) {
    if (opts[key] === undefined) continue;
    for (const need of needs) {
      if (opts[need] === undefined) {
        throw new RuntimeError(
          'RUNTIME_ERROR',
          `create ${name}: missing required option: ${JSON.stringify(need)}`,
        );
      }
    }
  }
  if (opts.size !== undefined) {
    throw new RuntimeError(
      'UNSUPPORTED',
      `create ${name}: the local driver option "size" (quota) is not supported by the built-in engine`,
    );
  }
  const o = (opts.o ?? '').split(',').map((s) => s.trim());
  if ((o.includes('bind') || o.includes('rbind')) && opts.device && !opts.device.startsWith('/')) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `create ${name}: a bind device must be an absolute path, got ${JSON.stringify(opts.device)}`,
    );
  }
  return { ...opts };
}

/** `key: value` requires that value, `key: true` only the label. */
/** Mount points at or below `dir`, from /proc/self/mountinfo. */
async function mountsUnder(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    const point = fields[4]!.replace(/\\([0-7]{3})/g, (_m, oct: string) =>
      String.fromCharCode(Number.parseInt(oct, 8)),
    );
    if (isWithin(dir, point)) out.push(point);
  }
  return out;
}
