/**
 * The built-in engine's containers (shared contract: contracts.md "engine/run"): create / start / stop
 * / kill / pause / rename / remove / list / inspect / wait / logs / exec / top / attach / resize over
 * runc + conmon, with the methods mirroring the Runtime interface so runtime/builtin stays a thin
 * adapter. Interactive I/O goes through conmon's attach socket and ctl fifo (attach.ts); an exec with a
 * TTY is a conmon exec session (tty.ts); kill follows Docker's restart-policy rule (signals.ts).
 *
 * On disk: `<root>/containers/<id>/` holds container.json (the record, written atomically), upper/,
 * work/, merged/ (the overlay rootfs, mounted at create), bundle/config.json, hosts, hostname,
 * resolv.conf, ctr.log (conmon's k8s-file log) and volumes/ (anonymous volumes without hooks);
 * `<runRoot>/exits/<id>` is conmon's exit file, `<runRoot>/runc` runc's state.
 *
 * Truth: the record says what the container is; whether it runs is derived at read time from the
 * record + the exit file + runc's state (status.ts), so a berth process killed at any point leaves
 * nothing that lies. Locks: `containers.lock` (flock) around name reservation and renames, one
 * `ctr-<id>.lock` per container around lifecycle changes (stop can take its whole grace period without
 * blocking other containers).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type {
  AttachHandle,
  AttachSpec,
  ContainerInfo,
  ContainerSpec,
  ContainerStats,
  ExecResult,
  ExecSpec,
  ListFilter,
  LogLine,
  LogOptions,
  Mount,
  ProcessList,
  TtySize,
} from '../../runtime/runtime.js';
import { matchLabels } from '../labels.js';
import { randomBytes } from '../lazy-crypto.js';
import type { EnginePaths } from '../paths.js';
import { pidAlive, writeFileAtomic } from '../store/fsutil.js';
import type { ImageStore, InUse } from '../store/image-store.js';
import { tryLock, withLock } from '../store/lock.js';
import { resolveSubpath } from '../volumes/scoped-path.js';
import { connectAttach, writeResize } from './attach.js';
import { conmonCreate, which } from './conmon.js';
import { defaultHosts, hostResolvConf } from './etc-files.js';
import { hardNofile, populate, readRootfsFile, removeCgroupDirs, resolveDevices } from './host.js';
import { containersInUse } from './in-use.js';
import { readLog } from './logs.js';
import { isMounted, mountOverlay, unmountAll } from './mount.js';
import { Runc, type RuncState, run } from './runc.js';
import { killEffect, signalNumber } from './signals.js';
import {
  buildOciSpec,
  cleanPath,
  execProcess,
  type OciSpec,
  type ResolvedVolume,
  resolveProcess,
  serializeSpec,
} from './spec.js';
import { readStats, type StatsReading, type StatsTarget, toContainerStats } from './stats.js';
import { type LiveState, liveState, statusText } from './status.js';
import { parsePs } from './top.js';
import { runExecSession } from './tty.js';
import type { ContainerHooks, ContainerRecord, RecordVolume } from './types.js';

export interface ContainersOptions {
  paths: EnginePaths;
  store: ImageStore;
  hooks?: ContainerHooks;
  /** runc binary (default: `runc` from PATH). */
  runc?: string;
  /** conmon binary (default: `conmon` from PATH). */
  conmon?: string;
  /** tini for `init: true` (default /usr/bin/tini-static when present). */
  initBinary?: string;
  /** argv conmon runs after a container exits (the supervisor's hook); the id is appended. */
  exitCommand?: string[];
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** Docker's container name rule. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ID_RE = /^[0-9a-f]{64}$/;
/** Grace after SIGKILL for conmon to write the exit file. */
const KILL_WAIT_MS = 15_000;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function aborted(what: string): RuntimeError {
  return new RuntimeError('ABORTED', `${what}: aborted`);
}

function notFound(ref: string): RuntimeError {
  return new RuntimeError('RUNTIME_NOT_FOUND', `No such container: ${ref}`);
}

function notRunning(id: string, what: string): RuntimeError {
  return new RuntimeError('RUNTIME_CONFLICT', `${what}: Container ${id} is not running`);
}

export class Containers {
  readonly paths: EnginePaths;
  readonly store: ImageStore;
  readonly hooks: ContainerHooks;
  readonly runc: Runc;
  private readonly conmonBinary: string;
  private readonly initBinary: string | undefined;
  private readonly exitCommand: string[] | undefined;
  /** Attachments to containers not started yet, connected by `start` (this process only). */
  private readonly pendingAttach = new Map<string, Set<(bundleDir: string) => Promise<void>>>();
  /** TTY sizes given before the start, applied by this process's next `start` (before the process runs). */
  private readonly pendingSize = new Map<string, TtySize>();

  private constructor(options: ContainersOptions, runcPath: string) {
    this.paths = options.paths;
    this.store = options.store;
    this.hooks = options.hooks ?? {};
    this.runc = new Runc({ root: options.paths.runc, binary: runcPath });
    this.conmonBinary = options.conmon ?? 'conmon';
    const tini = options.initBinary ?? '/usr/bin/tini-static';
    this.initBinary = existsSync(tini) ? tini : undefined;
    this.exitCommand = options.exitCommand;
  }

  static async open(options: ContainersOptions): Promise<Containers> {
    const p = options.paths;
    for (const dir of [p.containers, p.locks]) await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const dir of [p.runc, p.exits, p.conmon]) await mkdir(dir, { recursive: true, mode: 0o700 });
    const runcPath = which(options.runc ?? 'runc');
    if (!runcPath) {
      throw new RuntimeError('RUNTIME_ERROR', 'runc is not installed', { hint: 'apt-get install runc' });
    }
    return new Containers(options, runcPath);
  }

  // ---- paths and records -------------------------------------------------------------------------

  dir(id: string): string {
    return join(this.paths.containers, id);
  }

  private recordPath(id: string): string {
    return join(this.dir(id), 'container.json');
  }

  private exitFile(id: string): string {
    return join(this.paths.exits, id);
  }

  private logPath(id: string): string {
    return join(this.dir(id), 'ctr.log');
  }

  private ctrLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.paths.locks, `ctr-${id}.lock`), { timeoutMs: 120_000 }, fn);
  }

  private namesLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.paths.locks, 'containers.lock'), { timeoutMs: 60_000 }, fn);
  }

  private async readRecord(id: string): Promise<ContainerRecord | undefined> {
    try {
      // Synchronous, as the other small state reads (runc-state.ts): `ps` reads one per container.
      return JSON.parse(readFileSync(this.recordPath(id), 'utf8')) as ContainerRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  private async writeRecord(rec: ContainerRecord): Promise<void> {
    await writeFileAtomic(this.recordPath(rec.id), `${JSON.stringify(rec, null, 2)}\n`, 0o600);
  }

  private async allRecords(): Promise<ContainerRecord[]> {
    let ids: string[];
    try {
      ids = readdirSync(this.paths.containers);
    } catch {
      return [];
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      if (!ID_RE.test(id)) continue;
      const rec = await this.readRecord(id);
      if (rec) out.push(rec);
    }
    return out;
  }

  /** What the containers use of the image store (ImageStoreOptions.inUse). */
  inUse(): Promise<InUse> {
    return containersInUse(this.paths.containers);
  }

  /** The record of a container by id, name (`/name` too) or unique id prefix. */
  async record(nameOrId: string): Promise<ContainerRecord | undefined> {
    if (ID_RE.test(nameOrId)) {
      const r = await this.readRecord(nameOrId);
      if (r) return r;
    }
    const all = await this.allRecords();
    const name = nameOrId.replace(/^\//, '');
    const byName = all.find((r) => r.name === name);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(nameOrId)) {
      const matches = all.filter((r) => r.id.startsWith(nameOrId));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  private async mustRecord(nameOrId: string): Promise<ContainerRecord> {
    const r = await this.record(nameOrId);
    if (!r) throw notFound(nameOrId);
    return r;
  }

  // ---- state ---------------------------------------------------------------------------------------

  /** The exit file of the current run: code and when it was written. */
  private async readExit(id: string): Promise<{ code: number; at: string } | undefined> {
    try {
      // A running container has no exit file: ask without an exception (ps of 50 paid for 50).
      const st = statSync(this.exitFile(id), { throwIfNoEntry: false });
      if (!st) return undefined;
      const text = readFileSync(this.exitFile(id), 'utf8');
      const code = Number.parseInt(text.trim(), 10);
      if (Number.isNaN(code)) return undefined;
      return { code, at: st.mtime.toISOString() };
    } catch {
      return undefined;
    }
  }

  private async observe(rec: ContainerRecord, runcState?: RuncState | null): Promise<LiveState> {
    const runc = runcState === undefined ? await this.runc.state(rec.id) : (runcState ?? undefined);
    let exit = await this.readExit(rec.id);
    // The process is gone but conmon has not written the exit file yet: give it a moment rather than
    // report the code of a lost state (255).
    const conmonPid = rec.state.conmonPid;
    if (exit === undefined && rec.state.status === 'running' && runc?.status === 'stopped' && conmonPid) {
      for (let i = 0; i < 40 && exit === undefined && pidAlive(conmonPid); i++) {
        await sleep(50);
        exit = await this.readExit(rec.id);
      }
      exit ??= await this.readExit(rec.id);
    }
    return liveState({ record: rec.state, runc: runc?.status, exit });
  }

  private info(rec: ContainerRecord, live: LiveState, now = Date.now()): ContainerInfo {
    const up = live.state === 'running' || live.state === 'paused';
    const networks: ContainerInfo['networks'] = {};
    for (const [name, n] of Object.entries(rec.networks)) {
      networks[name] = {
        ...(n.networkId ? { networkId: n.networkId } : {}),
        ...(up && n.ipAddress ? { ipAddress: n.ipAddress } : {}),
        ...(n.aliases ? { aliases: [...n.aliases] } : {}),
      };
    }
    const volumes: Record<string, string> = {};
    for (const v of rec.volumes) volumes[v.target] = v.name;
    return {
      id: rec.id,
      name: rec.name,
      image: rec.image,
      imageId: rec.imageId,
      labels: { ...rec.labels },
      state: live.state,
      ...(live.health && up ? { health: live.health } : {}),
      exitCode: live.exitCode ?? 0,
      restartCount: rec.state.restartCount,
      status: statusText(live, now),
      created: rec.created,
      ports: up ? rec.ports.map((p) => ({ ...p })) : [],
      networks,
      volumes,
      command: rec.process.args.join(' '),
    };
  }

  async inspect(nameOrId: string): Promise<ContainerInfo | undefined> {
    const rec = await this.record(nameOrId);
    if (!rec) return undefined;
    return this.info(rec, await this.observe(rec));
  }

  /** `all: false` lists running (and paused) containers only; the default is all. */
  async list(filter: ListFilter & { all?: boolean } = {}): Promise<ContainerInfo[]> {
    const records = (await this.allRecords()).filter(
      (rec) => (!filter.names || filter.names.includes(rec.name)) && matchLabels(rec.labels, filter.labels),
    );
    // runc's state of the selected containers only: one project's `ps` need not read every project's.
    const out: ContainerInfo[] = [];
    const now = Date.now();
    for (const rec of records) {
      const live = await this.observe(rec);
      if (filter.all === false && live.state !== 'running' && live.state !== 'paused') continue;
      out.push(this.info(rec, live, now));
    }
    return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  // ---- create ----------------------------------------------------------------------------------------

  async create(spec: ContainerSpec, signal?: AbortSignal): Promise<{ id: string }> {
    const id = randomBytes(32).toString('hex');
    const name = spec.name ? spec.name.replace(/^\//, '') : `berth_${id.slice(0, 12)}`;
    if (!NAME_RE.test(name)) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    const image = await this.store.resolve(spec.image);
    await this.store.unpack(image.id);
    if (signal?.aborted) throw aborted(`create ${name}`);
    const lowerDirs = await this.store.lowerDirs(image.id);
    const imageConfig = image.config.config;
    // network_mode: host without a hostname: the host's, as docker does; container:x: x's.
    let named = spec.networkMode === 'host' && !spec.hostname ? { ...spec, hostname: osHostname() } : spec;
    if (spec.networkMode?.startsWith('container:') && !spec.hostname) {
      const peer = await this.record(spec.networkMode.slice('container:'.length));
      if (peer) {
        named = {
          ...spec,
          hostname: peer.process.hostname,
          ...(!spec.domainname && peer.process.domainname ? { domainname: peer.process.domainname } : {}),
        };
      }
    }
    const process = resolveProcess(named, imageConfig, id);

    const dir = this.dir(id);
    const rec: ContainerRecord = {
      version: 1,
      id,
      name,
      image: spec.image,
      imageId: image.id,
      layers: image.layers.map((l) => l.diffId),
      created: new Date().toISOString(),
      labels: { ...spec.labels },
      spec,
      process,
      volumes: [],
      networks: Object.fromEntries(
        Object.entries(spec.networks).map(([n, e]) => [n, e.aliases ? { aliases: [...e.aliases] } : {}]),
      ),
      ports: spec.ports.map((p) => ({ ...p })),
      state: { status: 'created', restartCount: 0 },
    };
    await this.namesLock(async () => {
      const taken = (await this.allRecords()).find((r) => r.name === name);
      if (taken) {
        throw new RuntimeError(
          'RUNTIME_CONFLICT',
          `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`,
          { hint: `remove it first (berth rm ${name}) or pick another name` },
        );
      }
      for (const sub of ['', 'upper', 'work', 'merged', 'bundle']) {
        await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
      }
      // The rootfs's / takes the upper dir's mode: 0755 as in an image, not the container dir's 0700.
      await chmod(join(dir, 'upper'), 0o755);
      await chmod(join(dir, 'merged'), 0o755);
      await this.writeRecord(rec);
    });
    try {
      const merged = join(dir, 'merged');
      await mountOverlay({
        lowerDirs,
        upperDir: join(dir, 'upper'),
        workDir: join(dir, 'work'),
        target: merged,
        linkDir: join(dir, 'lower'),
      });
      rec.volumes = await this.createVolumes(
        rec,
        imageConfig?.Volumes ? Object.keys(imageConfig.Volumes) : [],
      );
      await this.writeRecord(rec);
    } catch (err) {
      await this.removeLeftovers(id).catch(() => undefined);
      throw err;
    }
    return { id };
  }

  /** Volume mounts of the spec + the image's VOLUMEs no mount covers → host directories. */
  private async createVolumes(rec: ContainerRecord, imageVolumes: string[]): Promise<RecordVolume[]> {
    const merged = join(this.dir(rec.id), 'merged');
    const mounts: Array<Extract<Mount, { type: 'volume' }>> = rec.spec.mounts.filter(
      (m): m is Extract<Mount, { type: 'volume' }> => m.type === 'volume',
    );
    const covered = new Set(rec.spec.mounts.map((m) => cleanPath(m.target)));
    for (const v of imageVolumes) {
      const target = cleanPath(v);
      if (covered.has(target)) continue;
      covered.add(target);
      mounts.push({ type: 'volume', target });
    }
    const out: RecordVolume[] = [];
    for (const m of mounts) {
      let path: string;
      let name: string;
      if (this.hooks.volumeSource) {
        path = await this.hooks.volumeSource(m, { containerId: rec.id, rootfs: merged });
        name =
          m.source ??
          (path.endsWith('/_data') ? path.slice(0, -6).split('/').pop()! : path.split('/').pop()!);
      } else {
        if (m.source !== undefined && !NAME_RE.test(m.source)) {
          throw new RuntimeError('RUNTIME_ERROR', `invalid volume name "${m.source}"`);
        }
        name = m.source ?? randomBytes(32).toString('hex');
        path = m.source
          ? join(this.paths.volumes, m.source, '_data')
          : join(this.dir(rec.id), 'volumes', name);
        const fresh = !existsSync(path);
        await mkdir(path, { recursive: true, mode: 0o755 });
        if (fresh && !m.noCopy) await populate(merged, cleanPath(m.target), path);
      }
      // subpath: inside the volume, through its symlinks, never out of it (moby's safepath).
      const source = m.subpath ? await resolveSubpath(path, m.subpath, name) : path;
      out.push({
        target: cleanPath(m.target),
        path: source,
        name,
        anonymous: m.source === undefined,
        ...(m.readOnly ? { readOnly: true } : {}),
      });
    }
    return out;
  }

  // ---- start -----------------------------------------------------------------------------------------

  async start(nameOrId: string, signal?: AbortSignal): Promise<void> {
    const { id } = await this.mustRecord(nameOrId);
    await this.ctrLock(id, async () => {
      const rec = await this.mustRecord(id);
      const live = await this.observe(rec);
      if (live.state === 'running' || live.state === 'paused') return;
      if (signal?.aborted) throw aborted(`start ${rec.name}`);
      await this.cleanupRun(rec);
      await this.startLocked(rec);
    });
  }

  /** Removes what the previous run left: runc state, exit file, network. */
  private async cleanupRun(rec: ContainerRecord): Promise<void> {
    await this.runc.delete(rec.id, { force: true });
    // Kept as `.<id>.last` rather than deleted: conmon's exit command (the `die` event) may still be
    // on its way to read it when a restart policy starts the container again at once.
    await rename(this.exitFile(rec.id), join(this.paths.exits, `.${rec.id}.last`)).catch(() => undefined);
    if (rec.state.status !== 'created' || rec.state.startedAt || rec.state.error) {
      await this.hooks.networkDown?.(rec);
    }
  }

  private async startLocked(rec: ContainerRecord): Promise<void> {
    const dir = this.dir(rec.id);
    const merged = join(dir, 'merged');
    if (!(await isMounted(merged))) {
      const lowerDirs = await this.store.unpack(rec.imageId);
      await mountOverlay({
        lowerDirs,
        upperDir: join(dir, 'upper'),
        workDir: join(dir, 'work'),
        target: merged,
        linkDir: join(dir, 'lower'),
      });
    }
    const spec = rec.spec;
    const namespaces: { network?: string; pid?: string; ipc?: string } = {};
    let hosts: string;
    let resolvConf: string;
    let networkUp = false;
    const mode = spec.networkMode;
    try {
      if (mode === 'host') {
        namespaces.network = 'host';
        hosts = await readFile('/etc/hosts', 'utf8').catch(() => defaultHosts(rec));
        resolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
      } else if (mode?.startsWith('container:')) {
        const other = await this.runningPeer(mode.slice('container:'.length), 'network');
        namespaces.network = `/proc/${other.pid}/ns/net`;
        hosts = await readFile(join(this.dir(other.rec.id), 'hosts'), 'utf8').catch(() => defaultHosts(rec));
        resolvConf = await readFile(join(this.dir(other.rec.id), 'resolv.conf'), 'utf8').catch(() => '');
      } else if (mode !== 'none' && this.hooks.networkUp) {
        networkUp = true;
        const r = await this.hooks.networkUp(rec);
        if (r.netnsPath) namespaces.network = r.netnsPath;
        hosts = r.hosts;
        resolvConf = r.resolvConf;
        rec.networks = r.networks;
        if (r.ports) rec.ports = r.ports;
        rec.netnsPath = r.netnsPath;
      } else {
        hosts = defaultHosts(rec);
        resolvConf = hostResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''), spec);
      }
      for (const what of ['pid', 'ipc'] as const) {
        const m = spec[what];
        if (m?.startsWith('container:')) {
          const other = await this.runningPeer(m.slice('container:'.length), what);
          namespaces[what] = `/proc/${other.pid}/ns/${what}`;
        }
      }
      const etc = {
        hosts: join(dir, 'hosts'),
        hostname: join(dir, 'hostname'),
        resolvConf: join(dir, 'resolv.conf'),
      };
      await writeFile(etc.hosts, hosts, { mode: 0o644 });
      await writeFile(etc.hostname, `${rec.process.hostname}\n`, { mode: 0o644 });
      await writeFile(etc.resolvConf, resolvConf, { mode: 0o644 });

      const oci = buildOciSpec({
        id: rec.id,
        spec,
        process: rec.process,
        rootfs: merged,
        passwd: await readRootfsFile(merged, 'etc/passwd'),
        group: await readRootfsFile(merged, 'etc/group'),
        volumes: rec.volumes.map(
          (v): ResolvedVolume => ({ target: v.target, source: v.path, readOnly: v.readOnly }),
        ),
        etc,
        namespaces,
        devices: await resolveDevices(spec.devices ?? []),
        initBinary: this.initBinary,
        swapAccounting: existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
        maxNofile: await hardNofile(),
      });
      for (const m of oci.mounts) {
        if (m.type === 'bind' && !existsSync(m.source)) {
          const bind = spec.mounts.find((x) => x.type === 'bind' && cleanPath(x.target) === m.destination);
          if (bind?.type === 'bind' && bind.createHostPath === true) {
            await mkdir(m.source, { recursive: true });
          } else {
            throw new RuntimeError(
              'RUNTIME_ERROR',
              `invalid mount config for type "bind": bind source path does not exist: ${m.source}`,
            );
          }
        }
      }
      await writeFile(join(dir, 'bundle', 'config.json'), serializeSpec(oci), { mode: 0o600 });
      await rm(this.exitFile(rec.id), { force: true });
      const started = await conmonCreate({
        id: rec.id,
        name: rec.name,
        bundle: join(dir, 'bundle'),
        runtime: this.runc.binary,
        runtimeArgs: this.runc.globalArgs,
        pidFile: join(dir, 'ctr.pid'),
        conmonPidFile: join(dir, 'conmon.pid'),
        logPath: this.logPath(rec.id),
        exitDir: this.paths.exits,
        socketDir: this.paths.conmon,
        diagnosticsFile: join(dir, 'conmon.log'),
        tty: rec.process.tty,
        stdin: spec.stdinOpen === true,
        leaveStdinOpen: spec.stdinOnce !== true,
        conmonBinary: this.conmonBinary,
        exitCommand: this.exitCommand ? [...this.exitCommand, rec.id] : undefined,
      });
      try {
        // Attachments made before the start connect now: the process waits in runc create, so
        // none of its output is missed.
        await this.connectPending(rec.id);
        const size = this.pendingSize.get(rec.id);
        this.pendingSize.delete(rec.id);
        if (size && rec.process.tty) await writeResize(join(dir, 'bundle'), size).catch(() => undefined);
        await this.runc.start(rec.id);
      } catch (err) {
        await this.runc.delete(rec.id, { force: true }).catch(() => undefined);
        throw err;
      }
      rec.state = {
        status: 'running',
        pid: started.pid,
        conmonPid: started.conmonPid,
        startedAt: new Date().toISOString(),
        restartCount: rec.state.restartCount,
        ...(spec.healthcheck?.test && spec.healthcheck.test[0] !== 'NONE'
          ? { health: 'starting' as const }
          : {}),
      };
      await this.writeRecord(rec);
    } catch (err) {
      if (networkUp) await this.hooks.networkDown?.(rec).catch(() => undefined);
      await rm(this.exitFile(rec.id), { force: true }).catch(() => undefined);
      const message = err instanceof Error ? err.message : String(err);
      // Docker's exit codes for a process that could not be started.
      const exitCode = /not found|no such file/i.test(message)
        ? 127
        : /permission denied/i.test(message)
          ? 126
          : 128;
      rec.state = { ...rec.state, error: message, exitCode };
      await this.writeRecord(rec).catch(() => undefined);
      throw err instanceof RuntimeError
        ? err
        : new RuntimeError('RUNTIME_ERROR', `start ${rec.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** A running container another one joins a namespace of (`network_mode: container:x`, `pid`, `ipc`). */
  private async runningPeer(ref: string, what: string): Promise<{ rec: ContainerRecord; pid: number }> {
    const rec = await this.record(ref);
    if (!rec) throw new RuntimeError('RUNTIME_NOT_FOUND', `${what}: No such container: ${ref}`);
    const st = await this.runc.state(rec.id);
    if (!st || (st.status !== 'running' && st.status !== 'paused') || !st.pid) {
      throw new RuntimeError(
        'RUNTIME_CONFLICT',
        `cannot join the ${what} namespace of ${ref}: it is not running`,
      );
    }
    return { rec, pid: st.pid };
  }

  // ---- exit handling --------------------------------------------------------------------------------

  /**
   * Waits up to `ms` (Infinity allowed) for conmon's exit file. While conmon lives it will write one;
   * runc is asked (a process spawn) only every second or once conmon is gone, and a container runc no
   * longer knows ends the wait.
   */
  private async waitExitFile(
    id: string,
    ms: number,
    signal?: AbortSignal,
    conmonPid?: number,
  ): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (let i = 0; ; i++) {
      if (existsSync(this.exitFile(id))) return true;
      if (signal?.aborted) return false;
      if (Date.now() >= deadline) return false;
      const conmonAlive = conmonPid !== undefined && pidAlive(conmonPid);
      if (!conmonAlive || i % 20 === 19) {
        const st = await this.runc.state(id);
        if (!st) return existsSync(this.exitFile(id));
      }
      await sleep(Math.min(50, Math.max(0, deadline - Date.now())), signal);
    }
  }

  /**
   * After the process is gone: the exit code into the record, runc's state deleted (its cgroup with
   * it), the network released. Idempotent; the lock must be held.
   */
  private async settle(rec: ContainerRecord): Promise<void> {
    const exit = await this.readExit(rec.id);
    await this.runc.delete(rec.id, { force: true });
    if (rec.state.status === 'running') {
      rec.state = {
        ...rec.state,
        status: 'exited',
        exitCode: exit?.code ?? 255,
        finishedAt: exit?.at ?? new Date().toISOString(),
        pid: undefined,
      };
      if (rec.state.health) rec.state.health = undefined;
      await this.writeRecord(rec);
    }
    await this.hooks.networkDown?.(rec);
  }

  /** Settles a container whose process has exited (the supervisor and wait call it); no-op otherwise. */
  async reap(nameOrId: string): Promise<void> {
    const { id } = await this.mustRecord(nameOrId);
    await this.ctrLock(id, async () => {
      const rec = await this.readRecord(id);
      if (rec === undefined) return;
      if (rec.state.status !== 'running') return;
      const live = await this.observe(rec);
      if (live.state === 'exited') await this.settle(rec);
    });
  }

  /** Health and restart bookkeeping for the supervisor (healthchecks, restart policies). */
  async patchState(
    nameOrId: string,
    patch: { health?: ContainerRecord['state']['health'] | null; restartCount?: number },
  ): Promise<void> {
    const { id } = await this.mustRecord(nameOrId);
    await this.ctrLock(id, async () => {
      const rec = await this.mustRecord(id);
      if (patch.health !== undefined) rec.state.health = patch.health ?? undefined;
      if (patch.restartCount !== undefined) rec.state.restartCount = patch.restartCount;
      await this.writeRecord(rec);
    });
  }

  // ---- stop / kill / pause ----------------------------------------------------------------------

  async stop(
    nameOrId: string,
    options: { timeoutSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { id } = await this.mustRecord(nameOrId);
    await this.ctrLock(id, async () => {
      const rec = await this.mustRecord(id);
      const live = await this.observe(rec);
      if (live.state !== 'running' && live.state !== 'paused') {
        if (rec.state.status === 'running') await this.settle(rec);
        return;
      }
      rec.state.stoppedByUser = true;
      await this.writeRecord(rec);
      const timeout = options.timeoutSeconds ?? rec.process.stopTimeoutSeconds;
      const paused = live.state === 'paused';
      let exited = false;
      if (timeout !== 0) {
        await this.runc.kill(id, rec.process.stopSignal);
        if (paused) await this.runc.resume(id).catch(() => undefined);
        exited = await this.waitExitFile(
          id,
          timeout < 0 ? Number.POSITIVE_INFINITY : timeout * 1000,
          options.signal,
          rec.state.conmonPid,
        );
        if (!exited && options.signal?.aborted) throw aborted(`stop ${rec.name}`);
      }
      if (!exited) {
        await this.runc.kill(id, 'KILL');
        if (paused) await this.runc.resume(id).catch(() => undefined);
        exited = await this.waitExitFile(id, KILL_WAIT_MS, undefined, rec.state.conmonPid);
        if (!exited) {
          throw new RuntimeError(
            'RUNTIME_ERROR',
            `stop ${rec.name}: the container did not exit after SIGKILL`,
          );
        }
      }
      await this.settle(rec);
    });
  }

  /**
   * Sends a signal to the container's process, with Docker's effect on the restart policy
   * (signals.ts): the record says manuallyStopped, and stoppedByUser when the restart is cancelled.
   */
  async kill(nameOrId: string, signal = 'SIGKILL'): Promise<void> {
    const rec = await this.mustRecord(nameOrId);
    const sig = signalNumber(signal);
    if (sig === undefined) throw new RuntimeError('USAGE', `Invalid signal: ${signal}`);
    const live = await this.observe(rec);
    if (live.state !== 'running' && live.state !== 'paused') {
      throw notRunning(rec.id, `Cannot kill container: ${nameOrId}`);
    }
    const effect = killEffect(sig, await this.configuredStopSignal(rec));
    await this.markKilled(rec.id, effect.cancelsRestart);
    if (!(await this.runc.kill(rec.id, String(sig))))
      throw notRunning(rec.id, `Cannot kill container: ${nameOrId}`);
    if (live.state === 'paused' && effect.cancelsRestart)
      await this.runc.resume(rec.id).catch(() => undefined);
  }

  /** The stop signal the spec or the image sets (undefined: Docker's default, none configured). */
  private async configuredStopSignal(rec: ContainerRecord): Promise<string | undefined> {
    if (rec.spec.stopSignal) return rec.spec.stopSignal;
    try {
      return (await this.store.resolve(rec.imageId)).config.config?.StopSignal || undefined;
    } catch {
      return rec.process.stopSignal !== 'SIGTERM' ? rec.process.stopSignal : undefined;
    }
  }

  /** Records a kill for the supervisor. A stop holding the container's lock has marked it already. */
  private async markKilled(id: string, cancelsRestart: boolean): Promise<void> {
    const held = await tryLock(join(this.paths.locks, `ctr-${id}.lock`), { timeoutMs: 2_000 });
    if (!held) return;
    try {
      const rec = await this.readRecord(id);
      if (rec?.state.status !== 'running') return;
      rec.state.manuallyStopped = true;
      if (cancelsRestart) rec.state.stoppedByUser = true;
      await this.writeRecord(rec);
    } finally {
      await held.release();
    }
  }

  async pause(nameOrId: string): Promise<void> {
    const rec = await this.mustRecord(nameOrId);
    await this.ctrLock(rec.id, async () => {
      const live = await this.observe(rec);
      if (live.state === 'paused') {
        throw new RuntimeError('RUNTIME_CONFLICT', `Container ${rec.id} is already paused`);
      }
      if (live.state !== 'running') throw notRunning(rec.id, `Cannot pause container ${nameOrId}`);
      await this.runc.pause(rec.id);
    });
  }

  async unpause(nameOrId: string): Promise<void> {
    const rec = await this.mustRecord(nameOrId);
    await this.ctrLock(rec.id, async () => {
      const live = await this.observe(rec);
      if (live.state !== 'paused') {
        throw new RuntimeError('RUNTIME_CONFLICT', `Container ${rec.id} is not paused`);
      }
      await this.runc.resume(rec.id);
    });
  }

  async rename(nameOrId: string, newName: string): Promise<void> {
    const name = newName.replace(/^\//, '');
    if (!NAME_RE.test(name)) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    const { id } = await this.mustRecord(nameOrId);
    await this.namesLock(() =>
      this.ctrLock(id, async () => {
        const rec = await this.mustRecord(id);
        if (rec.name === name) {
          throw new RuntimeError(
            'RUNTIME_CONFLICT',
            `Renaming a container with the same name as its current name`,
          );
        }
        const taken = (await this.allRecords()).find((r) => r.name === name);
        if (taken) {
          throw new RuntimeError(
            'RUNTIME_CONFLICT',
            `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`,
          );
        }
        rec.name = name;
        await this.writeRecord(rec);
      }),
    );
  }

  // ---- remove -------------------------------------------------------------------------------------

  /**
   * Removes a container (force: kills it first): runc state, network, mounts, its directory (anonymous
   * volumes without hooks with it). Removing by full id also cleans up what a crashed create or remove
   * left without a record; an unknown name is RUNTIME_NOT_FOUND, as with docker.
   */
  async remove(nameOrId: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = await this.record(nameOrId);
    if (!rec) {
      if (ID_RE.test(nameOrId) && (existsSync(this.dir(nameOrId)) || (await this.runc.state(nameOrId)))) {
        await this.ctrLock(nameOrId, () => this.removeLeftovers(nameOrId));
        await rm(join(this.paths.locks, `ctr-${nameOrId}.lock`), { force: true });
        return;
      }
      throw notFound(nameOrId);
    }
    const id = rec.id;
    await this.ctrLock(id, async () => {
      const current = await this.readRecord(id);
      if (!current) return;
      const live = await this.observe(current);
      if (live.state === 'running' || live.state === 'paused') {
        if (!options.force) {
          throw new RuntimeError(
            'RUNTIME_CONFLICT',
            `You cannot remove a ${live.state} container ${id}. Stop the container before attempting removal or force remove`,
          );
        }
        await this.runc.kill(id, 'KILL');
        if (live.state === 'paused') await this.runc.resume(id).catch(() => undefined);
        await this.waitExitFile(id, KILL_WAIT_MS, undefined, current.state.conmonPid);
      }
      await this.hooks.networkDown?.(current);
      await this.removeLeftovers(id, current);
    });
    await rm(join(this.paths.locks, `ctr-${id}.lock`), { force: true });
  }

  /** The session directories detached TTY execs of the container left (tty.ts). */
  private async removeExecSessions(id: string): Promise<void> {
    const names = await readdir(this.paths.conmon).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith('exec-')) continue;
      const dir = join(this.paths.conmon, name);
      const owner = await readFile(join(dir, 'container'), 'utf8').catch(() => '');
      if (owner === id) await this.removeExecSession(name.slice('exec-'.length));
    }
  }

  private async removeExecSession(execId: string): Promise<void> {
    await rm(join(this.paths.conmon, `exec-${execId}`), { recursive: true, force: true });
    await rm(join(this.paths.conmon, execId), { force: true });
  }

  /** Everything of a container on the host, whatever state it is in. */
  private async removeLeftovers(id: string, rec?: ContainerRecord): Promise<void> {
    await this.runc.delete(id, { force: true });
    const dir = this.dir(id);
    await unmountAll(dir);
    // Without its record first: a half-removed directory never reads as a container.
    await rm(this.recordPath(id), { force: true });
    await rm(dir, { recursive: true, force: true });
    await rm(this.exitFile(id), { force: true });
    await rm(join(this.paths.exits, `.${id}.last`), { force: true });
    await rm(join(this.paths.conmon, id), { recursive: true, force: true });
    await this.removeExecSessions(id);
    const parent = rec?.spec.cgroupParent ? cleanPath(rec.spec.cgroupParent) : '/berth';
    await removeCgroupDirs(`${parent}/${id}`);
  }

  // ---- wait / logs ----------------------------------------------------------------------------------

  async wait(
    nameOrId: string,
    options: { condition?: WaitCondition; signal?: AbortSignal; onWaiting?: () => void } = {},
  ): Promise<{ exitCode: number }> {
    const first = await this.mustRecord(nameOrId);
    const id = first.id;
    const condition = options.condition ?? 'not-running';
    const { signal } = options;
    let live = await this.observe(first);
    let lastExit = live.exitCode ?? 0;
    const startedAt0 = first.state.startedAt;
    let sawRunning = live.state === 'running' || live.state === 'paused';
    options.onWaiting?.();
    let polls = 0;
    for (;;) {
      if (signal?.aborted) throw aborted(`wait for ${first.name}`);
      const rec = await this.readRecord(id);
      if (!rec) return { exitCode: lastExit };
      // Cheap checks first: the exit file, then conmon being alive; runc every 2 s.
      const exit = await this.readExit(id);
      const conmonAlive = rec.state.conmonPid !== undefined && pidAlive(rec.state.conmonPid);
      if (exit || !conmonAlive || polls % 20 === 0 || rec.state.status !== 'running')
        live = await this.observe(rec);
      polls++;
      const running = live.state === 'running' || live.state === 'paused';
      if (!running) lastExit = live.exitCode ?? 0;
      if (running) sawRunning = true;
      if (condition === 'not-running' && !running) {
        if (rec.state.status === 'running') await this.reap(id).catch(() => undefined);
        return { exitCode: lastExit };
      }
      if (
        condition === 'next-exit' &&
        !running &&
        (sawRunning || rec.state.startedAt !== startedAt0) &&
        live.state === 'exited'
      ) {
        if (rec.state.status === 'running') await this.reap(id).catch(() => undefined);
        return { exitCode: lastExit };
      }
      await sleep(100, signal);
    }
  }

  async *logs(nameOrId: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const rec = await this.mustRecord(nameOrId);
    yield* readLog(this.logPath(rec.id), {
      ...options,
      exited: async () => {
        const r = await this.readRecord(rec.id);
        if (!r) return true;
        const live = await this.observe(r);
        return live.state !== 'running' && live.state !== 'paused';
      },
    });
  }

  // ---- attach / resize -----------------------------------------------------------------------------

  /**
   * Connects `spec`'s streams to the container's stdio through conmon's attach socket (attach.ts).
   * A running container: connected now. One not running: the attachment is connected by this
   * process's next `start` of it, after `runc create` and before `runc start`, so the verb can attach
   * first and start next (`berth run`) without losing output; it resolves at once. stdin needs a
   * container created with `stdinOpen`.
   */
  async attach(nameOrId: string, spec: AttachSpec): Promise<AttachHandle> {
    const rec = await this.mustRecord(nameOrId);
    const streams = { ...spec, stdin: rec.spec.stdinOpen ? spec.stdin : undefined };
    const bundleDir = join(this.dir(rec.id), 'bundle');
    const live = await this.observe(rec);
    if (live.state === 'running' || live.state === 'paused') return connectAttach(bundleDir, streams);
    let inner: AttachHandle | undefined;
    let closed = false;
    let finish!: () => void;
    const done = new Promise<void>((r) => {
      finish = r;
    });
    const set = this.pendingAttach.get(rec.id) ?? new Set();
    const connect = async (dir: string): Promise<void> => {
      set.delete(connect);
      if (closed) return;
      try {
        inner = await connectAttach(dir, streams);
        void inner.done.then(finish);
      } catch {
        finish();
      }
    };
    set.add(connect);
    this.pendingAttach.set(rec.id, set);
    const close = (): void => {
      if (closed) return;
      closed = true;
      set.delete(connect);
      spec.signal?.removeEventListener('abort', close);
      inner?.close();
      finish();
    };
    if (spec.signal?.aborted) close();
    else spec.signal?.addEventListener('abort', close, { once: true });
    return { done, close };
  }

  private async connectPending(id: string): Promise<void> {
    const set = this.pendingAttach.get(id);
    if (!set) return;
    this.pendingAttach.delete(id);
    await Promise.all([...set].map((connect) => connect(join(this.dir(id), 'bundle'))));
  }

  /**
   * The TTY size of a running container (conmon's ctl fifo). Before its first start: kept for this
   * process's `start`, which sets it before the process runs (docker's create-time ConsoleSize).
   */
  async resize(nameOrId: string, size: TtySize): Promise<void> {
    const rec = await this.mustRecord(nameOrId);
    if (!rec.process.tty) {
      throw new RuntimeError('RUNTIME_CONFLICT', `resize ${rec.name}: the container has no TTY`);
    }
    const live = await this.observe(rec);
    if (live.state === 'created') {
      this.pendingSize.set(rec.id, size);
      return;
    }
    if (live.state !== 'running' && live.state !== 'paused') throw notRunning(rec.id, `resize ${rec.name}`);
    await writeResize(join(this.dir(rec.id), 'bundle'), size);
  }

  /** The TTY size of a running exec (the id `ExecSpec.onStart` received). */
  async resizeExec(execId: string, size: TtySize): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(execId))
      throw new RuntimeError('RUNTIME_NOT_FOUND', `No such exec instance: ${execId}`);
    try {
      await writeResize(join(this.paths.conmon, `exec-${execId}`), size);
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'RUNTIME_CONFLICT') {
        throw new RuntimeError('RUNTIME_NOT_FOUND', `No such exec instance: ${execId}`);
      }
      throw err;
    }
  }

  // ---- exec / top -----------------------------------------------------------------------------------

  /** Runs a process in a running container: runc exec, or with a TTY a conmon exec session (tty.ts). */
  async exec(nameOrId: string, spec: ExecSpec): Promise<ExecResult> {
    const rec = await this.mustRecord(nameOrId);
    const live = await this.observe(rec);
    if (live.state === 'paused') {
      throw new RuntimeError(
        'RUNTIME_CONFLICT',
        `Container ${rec.id} is paused, unpause the container before exec`,
      );
    }
    if (live.state !== 'running') throw notRunning(rec.id, `exec in ${rec.name}`);
    const dir = this.dir(rec.id);
    const merged = join(dir, 'merged');
    const oci = JSON.parse(await readFile(join(dir, 'bundle', 'config.json'), 'utf8')) as OciSpec;
    const proc = execProcess({
      container: oci.process,
      cmd: spec.cmd,
      env: spec.env,
      user: spec.user,
      workingDir: spec.workingDir,
      privileged: spec.privileged,
      passwd: await readRootfsFile(merged, 'etc/passwd'),
      group: await readRootfsFile(merged, 'etc/group'),
      groupAdd: rec.spec.groupAdd,
      tty: spec.tty,
    });
    const execId = randomBytes(32).toString('hex');
    if (spec.tty) return this.ttyExec(rec, execId, proc, spec);
    const processFile = join(this.paths.conmon, `exec-${execId}.json`);
    await writeFile(processFile, serializeSpec(proc), { mode: 0o600 });
    try {
      return await this.runExec(rec, execId, processFile, spec);
    } finally {
      await rm(processFile, { force: true });
    }
  }

  private async ttyExec(
    rec: ContainerRecord,
    execId: string,
    proc: OciSpec['process'],
    spec: ExecSpec,
  ): Promise<ExecResult> {
    const dir = join(this.paths.conmon, `exec-${execId}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const withSize =
      spec.ttySize && (spec.ttySize.rows > 0 || spec.ttySize.cols > 0)
        ? { ...proc, consoleSize: { height: spec.ttySize.rows, width: spec.ttySize.cols } }
        : proc;
    await writeFile(join(dir, 'process.json'), serializeSpec(withSize), { mode: 0o600 });
    await writeFile(join(dir, 'container'), rec.id, { mode: 0o600 });
    const out: Buffer[] = [];
    const collect = spec.stdout === undefined && spec.stderr === undefined;
    const sink = collect
      ? ({ write: (d: Buffer) => out.push(Buffer.from(d)) } as unknown as NodeJS.WritableStream)
      : spec.stdout;
    try {
      const { exitCode, startError } = await runExecSession(
        {
          conmonBinary: this.conmonBinary,
          runtime: this.runc.binary,
          runtimeArgs: this.runc.globalArgs,
          containerId: rec.id,
          containerName: rec.name,
          execId,
          dir,
          socketDir: this.paths.conmon,
          stdin: spec.stdin !== undefined && !spec.detach,
          detach: spec.detach,
        },
        {
          stdin: spec.detach ? undefined : spec.stdin,
          stdout: sink,
          tty: true,
          signal: spec.signal,
          ttySize: spec.ttySize,
          onStart: () => spec.onStart?.(execId),
        },
      );
      if (startError !== undefined) {
        if (spec.detach) throw new RuntimeError('RUNTIME_ERROR', `exec in ${rec.name}: ${startError}`);
        if (!collect) spec.stderr?.write(`${startError}\n`);
      } else if (spec.detach) return { exitCode: -1 };
      const stderr = startError !== undefined ? `${startError}\n` : '';
      return collect ? { exitCode, stdout: Buffer.concat(out).toString(), stderr } : { exitCode };
    } finally {
      // A detached session keeps its directory (its ctl fifo) until the container is removed.
      // conmon's `<socket dir>/<exec id>` symlink too (conmon leaves it after a TTY exec).
      if (!spec.detach) await this.removeExecSession(execId);
    }
  }

  private runExec(
    rec: ContainerRecord,
    execId: string,
    processFile: string,
    spec: ExecSpec,
  ): Promise<ExecResult> {
    const args = this.runc.execArgs(rec.id, processFile, { detach: spec.detach });
    return new Promise<ExecResult>((resolve, reject) => {
      const child = spawn(this.runc.binary, args, {
        stdio: [spec.stdin && !spec.detach ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const collect = spec.stdout === undefined && spec.stderr === undefined;
      child.stdout!.on('data', (d: Buffer) => {
        if (spec.stdout) spec.stdout.write(d);
        else out.push(d);
      });
      child.stderr!.on('data', (d: Buffer) => {
        if (spec.stderr) spec.stderr.write(d);
        else err.push(d);
      });
      if (spec.stdin && child.stdin) {
        child.stdin.on('error', () => undefined);
        spec.stdin.pipe(child.stdin);
      }
      const onAbort = (): void => {
        child.kill('SIGTERM'); // runc forwards it to the process
      };
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) =>
        reject(new RuntimeError('RUNTIME_ERROR', `exec in ${rec.name}: ${e.message}`, { cause: e })),
      );
      child.on('spawn', () => {
        if (!spec.detach) spec.onStart?.(execId);
      });
      child.on('close', (code, sig) => {
        spec.signal?.removeEventListener('abort', onAbort);
        if (spec.signal?.aborted) return reject(aborted(`exec in ${rec.name}`));
        const stderr = Buffer.concat(err).toString();
        let exitCode = code ?? (sig ? 128 : 1);
        if (spec.detach) {
          if (exitCode !== 0)
            return reject(new RuntimeError('RUNTIME_ERROR', `exec in ${rec.name}: ${stderr.trim()}`));
          return resolve({ exitCode: -1 });
        }
        // runc's own failures (the command cannot be started) as docker reports them.
        if (exitCode === 255 && /level=error/.test(stderr)) {
          exitCode = /not found|no such file/i.test(stderr) ? 127 : 126;
        }
        resolve(collect ? { exitCode, stdout: Buffer.concat(out).toString(), stderr } : { exitCode });
      });
    });
  }

  // ---- stats ---------------------------------------------------------------------------------------

  private async statsTarget(nameOrId: string): Promise<StatsTarget> {
    const rec = await this.mustRecord(nameOrId);
    const live = await this.observe(rec);
    const running = live.state === 'running' || live.state === 'paused';
    const st = running ? await this.runc.state(rec.id) : undefined;
    const parent = rec.spec.cgroupParent ? cleanPath(rec.spec.cgroupParent) : '/berth';
    return { id: rec.id, name: rec.name, cgroupPath: `${parent}/${rec.id}`, pid: st?.pid || undefined };
  }

  /** One sample with `precpu` filled in: two readings about a second apart (`docker stats --no-stream`). */
  async stats(
    nameOrId: string,
    options: { signal?: AbortSignal; intervalMs?: number } = {},
  ): Promise<ContainerStats> {
    const target = await this.statsTarget(nameOrId);
    const before = await readStats(target);
    await sleep(options.intervalMs ?? 1000, options.signal);
    if (options.signal?.aborted) throw aborted(`stats of ${target.name}`);
    return toContainerStats(target, await readStats(target), before);
  }

  /** A sample about every `intervalMs` (1 s) until the container stops or `signal` aborts. */
  async *streamStats(
    nameOrId: string,
    options: { signal?: AbortSignal; intervalMs?: number } = {},
  ): AsyncIterable<ContainerStats> {
    const { signal } = options;
    let before: StatsReading | undefined;
    for (;;) {
      if (signal?.aborted) return;
      const target = await this.statsTarget(nameOrId).catch(() => undefined);
      if (!target?.pid) return;
      const now = await readStats(target);
      if (before) yield toContainerStats(target, now, before);
      before = now;
      await sleep(options.intervalMs ?? 1000, signal);
    }
  }

  /** `docker top`: the host's `ps` (psArgs, default -ef) rows of the container's processes. */
  async top(nameOrId: string, options: { psArgs?: string } = {}): Promise<ProcessList> {
    const rec = await this.mustRecord(nameOrId);
    const live = await this.observe(rec);
    if (live.state !== 'running' && live.state !== 'paused') throw notRunning(rec.id, `top ${rec.name}`);
    const pids = new Set(await this.runc.ps(rec.id));
    const psArgs = (options.psArgs ?? '-ef').split(/\s+/).filter((a) => a !== '');
    const res = await run('ps', psArgs, { timeoutMs: 30_000 });
    if (res.code !== 0)
      throw new RuntimeError('RUNTIME_ERROR', `ps ${psArgs.join(' ')}: ${res.stderr.trim()}`);
    return parsePs(res.stdout, pids);
  }
}
