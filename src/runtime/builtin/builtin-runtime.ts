/**
 * The Runtime over berth's built-in engine (engine/): images from berth's store and registry
 * client, containers on runc + conmon (engine/run), bridge networks on netavark + aardvark-dns
 * (engine/net), local volumes (engine/volumes), restart policies and healthchecks in a per-project
 * supervisor process (engine/supervisor). A thin adapter: it joins the parts through the container
 * hooks (volumes and networks are set up when a container is created / started) and records every
 * change in the event journal (engine/events.ts), which `events()` tails — there is no daemon to ask.
 *
 * Differences from the docker runtime are listed in DEVELOPERS.md ("built-in engine"); the ones that
 * throw here say so: no image builds yet.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { arch } from 'node:os';
import { RuntimeError } from '../../api/errors.js';
import { appendEvent, followEvents } from '../../engine/events.js';
import { matchLabels } from '../../engine/labels.js';
import { networkHooks } from '../../engine/net/hooks.js';
import { Networks } from '../../engine/net/networks.js';
import { type EnginePaths, enginePaths } from '../../engine/paths.js';
import { Containers } from '../../engine/run/containers.js';
import { containersInUse } from '../../engine/run/in-use.js';
import type { ContainerHooks, ContainerRecord } from '../../engine/run/types.js';
import { ImageStore } from '../../engine/store/image-store.js';
import { supervisorPid } from '../../engine/supervisor/client.js';
import { newRestartTracker, shouldRestart } from '../../engine/supervisor/restart.js';
import { Volumes } from '../../engine/volumes/volumes.js';
import { berthVersion } from '../../verbs/version.js';
import type {
  AttachHandle,
  AttachSpec,
  BuildSpec,
  ContainerInfo,
  ContainerPathStat,
  ContainerSpec,
  ContainerStats,
  Credentials,
  EndpointSpec,
  ExecResult,
  ExecSpec,
  ImageInfo,
  ListFilter,
  LogLine,
  LogOptions,
  NetworkInfo,
  NetworkSpec,
  ProcessList,
  Progress,
  Runtime,
  RuntimeEvent,
  RuntimeInfo,
  TtySize,
  VolumeInfo,
  VolumeSpec,
} from '../runtime.js';
import { getArchiveFrom, putArchiveInto, statPathIn } from './archive.js';
import { imageInfoOf, pullInto, pushFrom } from './images.js';
import { assertBuiltinUsable } from './preflight.js';
import {
  ensureProjectSupervisor,
  exitHookCommand,
  restartPendingFile,
  stoppingMarker,
  supervisedProject,
} from './supervision.js';

export interface BuiltinRuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** State dir (default BERTH_ROOT or /var/lib/berth). */
  root?: string;
  /** Volatile dir (default BERTH_RUNROOT or /run/berth). */
  runRoot?: string;
  /** Skip the host checks (tests that check them separately). */
  skipPreflight?: boolean;
}

/** The network a container without networks joins (`network_mode: bridge`), like Docker's default. */
export const DEFAULT_NETWORK = 'bridge';

function unsupported(what: string, hint: string): RuntimeError {
  return new RuntimeError('UNSUPPORTED', `the built-in engine cannot ${what} yet`, { hint });
}

export async function createBuiltinRuntime(options: BuiltinRuntimeOptions = {}): Promise<BuiltinRuntime> {
  const env = options.env ?? process.env;
  if (!options.skipPreflight) assertBuiltinUsable(env);
  const paths = enginePaths({ root: options.root, runRoot: options.runRoot, env });
  return BuiltinRuntime.open(paths, env);
}

export class BuiltinRuntime implements Runtime {
  readonly address: string;

  private constructor(
    readonly paths: EnginePaths,
    readonly store: ImageStore,
    readonly containers: Containers,
    readonly networks: Networks,
    readonly volumes: Volumes,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.address = `builtin://${paths.root}`;
  }

  static async open(paths: EnginePaths, env: NodeJS.ProcessEnv): Promise<BuiltinRuntime> {
    // The parts refer to each other (the store asks which images containers use, volumes which
    // containers mount them, containers call the network and volume hooks): tied through `self`.
    let self: BuiltinRuntime | undefined;
    const store = await ImageStore.open({
      root: paths.root,
      env,
      inUse: () => containersInUse(paths.containers),
    });
    const volumes = await Volumes.open({
      paths,
      inUse: async (name) =>
        ((await self?.records()) ?? [])
          .filter((r) => r.volumes.some((v) => v.name === name))
          .map((r) => r.id),
    });
    const networks = await Networks.open({ paths, env });
    const net = networkHooks(networks, { defaultNetwork: DEFAULT_NETWORK });
    const hooks: ContainerHooks = {
      volumeSource: (mount, ctx) => self!.volumeSource(mount, ctx),
      networkUp: (rec) => net.networkUp(rec),
      networkDown: (rec) => net.networkDown(rec),
    };
    const containers = await Containers.open({
      paths,
      store,
      hooks,
      runc: env.BERTH_RUNC,
      conmon: env.BERTH_CONMON,
      exitCommand: exitHookCommand(paths),
    });
    self = new BuiltinRuntime(paths, store, containers, networks, volumes, env);
    return self;
  }

  // ---- hooks --------------------------------------------------------------------------------------

  private async records(): Promise<ContainerRecord[]> {
    const infos = await this.containers.list({ all: true });
    const out: ContainerRecord[] = [];
    for (const c of infos) {
      const r = await this.containers.record(c.id);
      if (r) out.push(r);
    }
    return out;
  }

  private async volumeSource(
    mount: Parameters<NonNullable<ContainerHooks['volumeSource']>>[0],
    ctx: { containerId: string; rootfs: string },
  ): Promise<string> {
    let name = mount.source;
    if (!name) {
      name = (await this.volumes.createAnonymous({})).name;
      await appendEvent(this.paths.runRoot, { type: 'volume', action: 'create', id: name, attributes: {} });
    } else if (!(await this.volumes.inspect(name))) {
      // Docker creates a named volume a container mounts when it does not exist.
      await this.volumes.create({ name, labels: {} });
      await appendEvent(this.paths.runRoot, { type: 'volume', action: 'create', id: name, attributes: {} });
    }
    await this.volumes.populateFromRootfs(name, ctx.rootfs, mount.target, { noCopy: mount.noCopy });
    // The volume's directory itself: engine/run resolves `subpath` and names the volume from it.
    return this.volumes.mountpoint(name);
  }

  private async event(
    type: RuntimeEvent['type'],
    action: string,
    id: string,
    attributes: Record<string, string> = {},
  ): Promise<void> {
    await appendEvent(this.paths.runRoot, { type, action, id, attributes });
  }

  private async containerEvent(
    action: string,
    id: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const rec = await this.containers.record(id).catch(() => undefined);
    const attrs = rec ? { ...rec.labels, name: rec.name, image: rec.image } : {};
    await this.event('container', action, rec?.id ?? id, { ...attrs, ...extra });
  }

  // ---- engine ---------------------------------------------------------------------------------------

  async info(): Promise<RuntimeInfo> {
    const runc = await new Promise<string>((resolve) =>
      execFile(this.containers.runc.binary, ['--version'], (err, out) =>
        resolve(err ? '' : (out.split('\n')[0] ?? '')),
      ),
    );
    return {
      runtime: 'builtin',
      endpoint: this.paths.root,
      serverVersion: `berth ${berthVersion()}${runc ? ` (${runc})` : ''}`,
      os: 'linux',
      arch: arch() === 'x64' ? 'amd64' : arch(),
    };
  }

  // ---- images ---------------------------------------------------------------------------------------

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    const r = await this.store.find(ref);
    return r ? imageInfoOf(r) : undefined;
  }

  async pullImage(
    ref: string,
    options: {
      credentials?: Credentials;
      platform?: string;
      onProgress?: (p: Progress) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<void> {
    await pullInto(this.store, ref, options);
    await this.event('image', 'pull', ref, { name: ref });
  }

  async pushImage(
    ref: string,
    options: { credentials?: Credentials; onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<void> {
    await pushFrom(this.store, ref, options);
    await this.event('image', 'push', ref, { name: ref });
  }

  async buildImage(_spec: BuildSpec): Promise<string> {
    throw unsupported(
      'build images',
      'build with a Docker engine (`berth --runtime docker build`), then move the image over with `docker save | berth image load`, or push it to a registry and pull it',
    );
  }

  async tagImage(source: string, target: string): Promise<void> {
    await this.store.tag(source, target);
    await this.event('image', 'tag', source, { name: target });
  }

  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<void> {
    await this.store.removeImage(ref, { force: options.force });
    await this.event('image', 'delete', ref, { name: ref });
  }

  async listImages(filter: ListFilter = {}): Promise<ImageInfo[]> {
    const all = (await this.store.list()).map(imageInfoOf);
    return all.filter((i) => matchLabels(i.labels, filter.labels));
  }

  // ---- networks -------------------------------------------------------------------------------------

  async listNetworks(filter?: ListFilter): Promise<NetworkInfo[]> {
    return this.networks.list(filter);
  }

  async inspectNetwork(nameOrId: string): Promise<NetworkInfo | undefined> {
    try {
      return await this.networks.inspect(nameOrId);
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'RUNTIME_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async createNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    const n = await this.networks.create(spec);
    await this.event('network', 'create', n.id, { ...n.labels, name: n.name, type: n.driver });
    return n;
  }

  async removeNetwork(nameOrId: string): Promise<void> {
    const n = await this.inspectNetwork(nameOrId);
    await this.networks.remove(nameOrId);
    if (n) await this.event('network', 'destroy', n.id, { ...n.labels, name: n.name, type: n.driver });
  }

  async connectNetwork(network: string, container: string, endpoint: EndpointSpec): Promise<void> {
    const rec = await this.mustRecord(container);
    if (rec.netnsPath === undefined) {
      throw unsupported(
        'connect a container that is not running to a network',
        'start it first, or list the network in its service',
      );
    }
    await this.networks.connect({
      containerId: rec.id,
      containerName: rec.name,
      netnsPath: rec.netnsPath,
      network,
      endpoint,
    });
    await this.event('network', 'connect', network, { container: rec.id, name: network });
  }

  async disconnectNetwork(network: string, container: string): Promise<void> {
    const rec = await this.mustRecord(container);
    await this.networks.disconnect(rec.id, network);
    await this.event('network', 'disconnect', network, { container: rec.id, name: network });
  }

  // ---- volumes --------------------------------------------------------------------------------------

  async listVolumes(filter?: ListFilter): Promise<VolumeInfo[]> {
    return this.volumes.list(filter);
  }

  async inspectVolume(name: string): Promise<VolumeInfo | undefined> {
    return this.volumes.inspect(name);
  }

  async createVolume(spec: VolumeSpec): Promise<VolumeInfo> {
    const v = await this.volumes.create(spec);
    await this.event('volume', 'create', v.name, { ...v.labels, driver: v.driver });
    return v;
  }

  async removeVolume(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.volumes.remove(name, { force: options.force });
    await this.event('volume', 'destroy', name, {});
  }

  // ---- containers -----------------------------------------------------------------------------------

  private async mustRecord(nameOrId: string): Promise<ContainerRecord> {
    const r = await this.containers.record(nameOrId);
    if (!r) throw new RuntimeError('RUNTIME_NOT_FOUND', `No such container: ${nameOrId}`);
    return r;
  }

  async listContainers(filter?: ListFilter & { all?: boolean }): Promise<ContainerInfo[]> {
    return Promise.all((await this.containers.list(filter)).map((c) => this.withRestarting(c)));
  }

  async inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined> {
    const info = await this.containers.inspect(nameOrId);
    return info && this.withRestarting(info);
  }

  /**
   * An exited container its restart policy will bring back is `restarting`, as dockerd reports it
   * between the exit and the restart (the supervisor decides with the same rule, moby's
   * RestartManager): an attached `up` keeps following it, `ps` shows it.
   */
  private async withRestarting(info: ContainerInfo): Promise<ContainerInfo> {
    if (info.state !== 'exited') return info;
    const rec = await this.containers.record(info.id);
    const project = rec ? supervisedProject(rec) : undefined;
    if (!rec || project === undefined) return info;
    // Only a running supervisor brings it back (after a reboot none runs until the next berth command).
    if ((await supervisorPid({ paths: this.paths, project })) === undefined) return info;
    const pending = existsSync(restartPendingFile(this.containers.dir(info.id)));
    const decision = pending
      ? { restart: true }
      : shouldRestart(rec.spec.restart, newRestartTracker(rec.state.restartCount), {
          exitCode: info.exitCode ?? 0,
          stoppedByUser: rec.state.stoppedByUser === true,
          ranForMs: 0,
        });
    if (!decision.restart) return info;
    return {
      ...info,
      state: 'restarting',
      status: `Restarting (${info.exitCode ?? 0}) Less than a second ago`,
    };
  }

  async createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<{ id: string }> {
    if (!(await this.store.find(spec.image))) {
      throw new RuntimeError('IMAGE_NOT_FOUND', `No such image: ${spec.image}`, {
        hint: `pull it first (\`berth image pull ${spec.image}\`) or load it (\`berth image load\`)`,
      });
    }
    const r = await this.containers.create(await this.withVolumesFrom(spec), signal);
    await this.containerEvent('create', r.id);
    return r;
  }

  /**
   * `volumes_from`: the other containers' volumes and binds at the same targets, read-only with `:ro`
   * (else as they are there), as dockerd does it; the container's own mounts win at a target.
   */
  private async withVolumesFrom(spec: ContainerSpec): Promise<ContainerSpec> {
    if (!spec.volumesFrom?.length) return spec;
    const mounts = [...spec.mounts];
    const taken = new Set(mounts.map((m) => m.target));
    for (const entry of spec.volumesFrom) {
      const m = /^(.*?)(?::(ro|rw))?$/.exec(entry)!;
      const source = await this.mustRecord(m[1]!);
      const ro = m[2] === 'ro' ? true : m[2] === 'rw' ? false : undefined;
      for (const v of source.volumes) {
        if (taken.has(v.target)) continue;
        taken.add(v.target);
        mounts.push({
          type: 'volume',
          source: v.name,
          target: v.target,
          readOnly: ro ?? v.readOnly,
          noCopy: true,
        });
      }
      for (const b of source.spec.mounts) {
        if (b.type !== 'bind' || taken.has(b.target)) continue;
        taken.add(b.target);
        mounts.push({ ...b, readOnly: ro ?? b.readOnly });
      }
    }
    return { ...spec, mounts, volumesFrom: undefined };
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.containers.start(id, signal);
    const rec = await this.mustRecord(id);
    await this.containerEvent('start', rec.id);
    if (supervisedProject(rec) !== undefined) await ensureProjectSupervisor(this.paths, rec, this.env);
  }

  async stopContainer(
    id: string,
    options: { timeoutSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const before = await this.containers.inspect(id);
    const running = before !== undefined && (before.state === 'running' || before.state === 'paused');
    if (!running) {
      await this.containers.stop(id, options);
      return;
    }
    // dockerd's order: kill (the stop signal), die, stop. The `die` is journalled here, and the
    // marker tells conmon's exit hook to leave it to us: a Node process per exit is what made a
    // `down` of many containers slow (exitHookCommand in supervision.ts).
    const rec = await this.containers.record(before.id);
    const marker = stoppingMarker(this.paths, before.id);
    await writeFile(marker, '');
    try {
      await this.containerEvent('kill', before.id, { signal: rec?.process.stopSignal ?? 'SIGTERM' });
      await this.containers.stop(before.id, options);
      const after = await this.containers.inspect(before.id);
      await this.containerEvent('die', before.id, { exitCode: String(after?.exitCode ?? 0) });
      await this.containerEvent('stop', before.id);
    } finally {
      await rm(marker, { force: true });
    }
    // As dockerd: a stopped `run --rm` container goes (its exit hook was told to stand aside).
    if (rec?.spec.autoRemove)
      await this.removeContainer(before.id, { force: true, volumes: true }).catch(() => {});
  }

  async killContainer(id: string, signal?: string): Promise<void> {
    await this.containers.kill(id, signal);
    await this.containerEvent('kill', id, { signal: signal ?? 'SIGKILL' });
  }

  async pauseContainer(id: string): Promise<void> {
    await this.containers.pause(id);
    await this.containerEvent('pause', id);
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.containers.unpause(id);
    await this.containerEvent('unpause', id);
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.containers.rename(id, name);
    await this.containerEvent('rename', id);
  }

  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = await this.mustRecord(id);
    const attrs = { ...rec.labels, name: rec.name, image: rec.image };
    await this.containers.remove(rec.id, options);
    await this.event('container', 'destroy', rec.id, attrs);
    if (options.volumes) {
      for (const v of rec.volumes.filter((x) => x.anonymous)) {
        await this.volumes.remove(v.name, { force: true, inUse: [] }).catch(() => {});
      }
    }
  }

  waitContainer(
    id: string,
    options?: {
      condition?: 'not-running' | 'next-exit' | 'removed';
      signal?: AbortSignal;
      onWaiting?: () => void;
    },
  ): Promise<{ exitCode: number }> {
    return this.containers.wait(id, options);
  }

  logs(id: string, options?: LogOptions): AsyncIterable<LogLine> {
    return this.containers.logs(id, options);
  }

  exec(id: string, spec: ExecSpec): Promise<ExecResult> {
    return this.containers.exec(id, spec);
  }

  resizeExec(execId: string, size: TtySize): Promise<void> {
    return this.containers.resizeExec(execId, size);
  }

  async attachContainer(id: string, spec: AttachSpec): Promise<AttachHandle> {
    const handle = await this.containers.attach(id, spec);
    await this.containerEvent('attach', id);
    return handle;
  }

  resizeContainer(id: string, size: TtySize): Promise<void> {
    return this.containers.resize(id, size);
  }

  statContainerPath(id: string, path: string): Promise<ContainerPathStat | undefined> {
    return statPathIn(this.containers, id, path);
  }

  getArchive(
    id: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<{ stat: ContainerPathStat; content: NodeJS.ReadableStream }> {
    return getArchiveFrom(this.containers, id, path, signal);
  }

  putArchive(
    id: string,
    path: string,
    content: NodeJS.ReadableStream,
    options?: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean; signal?: AbortSignal },
  ): Promise<void> {
    return putArchiveInto(this.containers, id, path, content, options);
  }

  events(
    filter?: ListFilter & { since?: string; until?: string; signal?: AbortSignal },
  ): AsyncIterable<RuntimeEvent> {
    return followEvents(this.paths.runRoot, filter);
  }

  topContainer(id: string, options?: { psArgs?: string; signal?: AbortSignal }): Promise<ProcessList> {
    return this.containers.top(id, options);
  }

  statsContainer(id: string, options?: { signal?: AbortSignal }): Promise<ContainerStats> {
    return this.containers.stats(id, options);
  }

  streamStats(id: string, options?: { signal?: AbortSignal }): AsyncIterable<ContainerStats> {
    return this.containers.streamStats(id, options);
  }

  async close(): Promise<void> {}
}
