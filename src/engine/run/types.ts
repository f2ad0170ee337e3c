/**
 * The built-in engine's container record and the hooks the runtime adapter plugs in (shared contract,
 * /work/notes/briefs/contracts.md). The record is the persistent truth about a container's
 * configuration; its *state* is only a hint written by the last berth process that touched it — the
 * live state is derived at read time from the record + conmon's exit file + `runc state`, so a berth
 * killed halfway leaves nothing that lies.
 */
import type { ContainerSpec, Mount, PortBinding } from '../../runtime/runtime.js';

/** What the container runs, resolved at create time from the spec and the image config. */
export interface ProcessConfig {
  /** Entrypoint + command (without the init in front). */
  args: string[];
  /** `KEY=value`, image env then spec env, PATH default and HOSTNAME included. */
  env: string[];
  /** Absolute working directory in the container. */
  cwd: string;
  /** `name|uid[:group|gid]`, resolved against the rootfs at start; empty = root. */
  user: string;
  /** Signal `stop` sends first (`SIGTERM` unless the spec or image says otherwise). */
  stopSignal: string;
  /** Seconds `stop` waits before SIGKILL when the caller gives none. */
  stopTimeoutSeconds: number;
  hostname: string;
  domainname?: string;
  tty: boolean;
}

/** One attached network, as the network hook reported it. */
export interface RecordNetwork {
  networkId?: string;
  ipAddress?: string;
  aliases?: string[];
  macAddress?: string;
}

/** A volume mounted into the container: its host directory and (for ContainerInfo.volumes) its name. */
export interface RecordVolume {
  target: string;
  /** Host directory bind-mounted at `target`. */
  path: string;
  /** Volume name (a random 64-hex name for an anonymous one). */
  name: string;
  anonymous: boolean;
  readOnly?: boolean;
}

export type RecordStatus = 'created' | 'running' | 'exited';

export interface RecordState {
  /** The last status berth wrote; `running` is checked against runc and the exit file when read. */
  status: RecordStatus;
  /** Container init pid (host namespace) of the current/last run. */
  pid?: number;
  /** conmon's pid for the current/last run. */
  conmonPid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  restartCount: number;
  health?: 'healthy' | 'unhealthy' | 'starting';
  /** Set by stop, and by kill with SIGKILL or the stop signal (Docker's ExitOnNext): a restart policy
   * must not bring it back. */
  stoppedByUser?: boolean;
  /** Set by any kill (Docker's HasBeenManuallyStopped): `unless-stopped` must not bring it back. */
  manuallyStopped?: boolean;
  /** The last start failure, as runc/conmon said it. */
  error?: string;
}

export interface ContainerRecord {
  version: 1;
  id: string;
  name: string;
  /** The image reference as given. */
  image: string;
  /** Image id (config digest). */
  imageId: string;
  /** The image's layer diff_ids (bottom first): the store must not collect them while this exists. */
  layers: string[];
  created: string;
  labels: Record<string, string>;
  spec: ContainerSpec;
  process: ProcessConfig;
  volumes: RecordVolume[];
  networks: Record<string, RecordNetwork>;
  ports: Array<PortBinding & { published?: number }>;
  /** The netns the current run uses (from the network hook); undefined = runc's private one or host. */
  netnsPath?: string;
  state: RecordState;
}

/** Implemented by the runtime adapter with engine/net and engine/volumes. */
export interface ContainerHooks {
  /** Host directory for a volume mount (named or anonymous); `ctx.rootfs` lets the volume be
   * populated from the image on first use. */
  volumeSource?(
    mount: Extract<Mount, { type: 'volume' }>,
    ctx: { containerId: string; rootfs: string },
  ): Promise<string>;
  /** Before the process starts: network namespace path + contents of /etc/hosts and /etc/resolv.conf.
   * `ports` (optional): the published ports as resolved (ephemeral ones filled in). */
  networkUp?(rec: ContainerRecord): Promise<{
    netnsPath?: string;
    hosts: string;
    resolvConf: string;
    networks: ContainerRecord['networks'];
    ports?: ContainerRecord['ports'];
  }>;
  /** After the process is gone (stop, exit noticed, remove): idempotent. */
  networkDown?(rec: ContainerRecord): Promise<void>;
}
