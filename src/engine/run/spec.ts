/**
 * ContainerSpec + image config + the rootfs's /etc/passwd and /etc/group → an OCI runtime config.json
 * for runc, with Docker's semantics (moby daemon/oci_linux.go, oci/defaults.go). Pure: everything that
 * needs the host (volume directories, device numbers, netns paths, the hosts/resolv.conf files) is
 * resolved by the caller and passed in, so the whole mapping is table-tested.
 *
 * Differences from Docker, said plainly: no seccomp profile and no AppArmor profile are applied
 * (Docker applies its default seccomp filter), `privileged` does not add the host's devices (it only
 * lifts the device cgroup, masks and capability limits), `image` mounts are not supported.
 */
import { posix } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type { ContainerSpec } from '../../runtime/runtime.js';
import type { ContainerConfig } from '../store/types.js';
import type { ProcessConfig } from './types.js';
import { type ExecUser, resolveUser } from './user.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;
export const DEFAULT_NOFILE = 1048576;
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;
/** Where `init: true` mounts tini, as Docker does. */
export const INIT_PATH = '/sbin/docker-init';

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability Linux defines (0…40), in number order: `ALL` and `privileged`. */
export const ALL_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Docker's masked and read-only /proc and /sys paths (moby oci/defaults.go). */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

// ---- OCI types (the fields berth writes) ------------------------------------------------------------

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
}

export interface OciProcess {
  terminal: boolean;
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}

export interface OciDevice {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices: OciDeviceRule[];
  memory?: { limit?: number; reservation?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  domainname?: string;
  mounts: OciMount[];
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    cgroupsPath: string;
    resources: OciResources;
    devices?: OciDevice[];
    sysctl?: Record<string, string>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

// ---- process (create time) ----------------------------------------------------------------------

/** `KEY=value` list merge: later entries replace earlier ones with the same key, in place. */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = [...base];
  for (const kv of overrides) {
    const key = kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv;
    const i = out.findIndex((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e) === key);
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}

/**
 * The container's process from the spec and the image config (moby's merge + CreateDaemonEnvironment):
 * - an entrypoint given and non-empty drops the image's Cmd unless a command is given; an empty or
 *   missing entrypoint with no command takes the image Cmd; a missing one takes the image Entrypoint;
 * - env: PATH default, HOSTNAME, TERM=xterm with a TTY, then the image's env, then the spec's;
 * - cwd: spec, else image, else `/`; user: spec, else image; stop signal: spec, image, SIGTERM.
 * @throws RuntimeError RUNTIME_ERROR when nothing is left to run (Docker: "no command specified").
 */
export function resolveProcess(
  spec: ContainerSpec,
  image: ContainerConfig | undefined,
  id: string,
): ProcessConfig {
  let entrypoint: string[] | undefined = spec.entrypoint;
  let cmd: string[] | undefined = spec.command;
  if (entrypoint === undefined || entrypoint.length === 0) {
    if (cmd === undefined || cmd.length === 0) cmd = image?.Cmd ?? undefined;
    if (entrypoint === undefined) entrypoint = image?.Entrypoint ?? undefined;
  }
  const args = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (args.length === 0) {
    throw new RuntimeError('RUNTIME_ERROR', 'no command specified', {
      hint: 'give the service a command or an entrypoint, or use an image that has one',
    });
  }
  const hostname = spec.hostname || id.slice(0, 12);
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  if (spec.tty) defaults.push('TERM=xterm');
  const specEnv = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const env = mergeEnv(mergeEnv(defaults, image?.Env ?? []), specEnv);
  const cwd = spec.workingDir || image?.WorkingDir || '/';
  if (!cwd.startsWith('/')) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `the working directory '${cwd}' is invalid, it needs to be an absolute path`,
    );
  }
  return {
    args,
    env,
    cwd,
    user: spec.user ?? image?.User ?? '',
    stopSignal: spec.stopSignal || image?.StopSignal || 'SIGTERM',
    stopTimeoutSeconds: spec.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
    hostname,
    ...(spec.domainname ? { domainname: spec.domainname } : {}),
    tty: spec.tty === true,
  };
}

// ---- capabilities ---------------------------------------------------------------------------------

function normalizeCap(cap: string): string {
  const up = cap.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** Docker's TweakCapabilities: defaults (or all when privileged), then cap_add, then cap_drop; ALL works
 * in both lists (`cap_drop: [ALL]` + `cap_add: [X]` = only X). */
export function capabilities(spec: Pick<ContainerSpec, 'capAdd' | 'capDrop' | 'privileged'>): string[] {
  if (spec.privileged) return [...ALL_CAPS];
  const add = (spec.capAdd ?? []).map(normalizeCap);
  const drop = (spec.capDrop ?? []).map(normalizeCap);
  for (const c of [...add, ...drop]) {
    if (c !== 'ALL' && !ALL_CAPS.includes(c)) {
      throw new RuntimeError('RUNTIME_ERROR', `unknown capability: "${c}"`);
    }
  }
  if (add.includes('ALL')) {
    return ALL_CAPS.filter((c) => !drop.includes(c));
  }
  const base = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.includes(c));
  for (const c of add) if (!base.includes(c)) base.push(c);
  return base;
}

// ---- rlimits ------------------------------------------------------------------------------------

/**
 * Docker's containers get containerd's NOFILE (1048576 soft and hard); a process without
 * CAP_SYS_RESOURCE cannot raise its hard limit, so the default is capped at `maxNofile` (the caller's
 * own hard limit). ulimits given in the spec are passed as they are.
 */
export function rlimits(
  ulimits: ContainerSpec['ulimits'],
  maxNofile: number = DEFAULT_NOFILE,
): OciProcess['rlimits'] {
  const out = new Map<string, { type: string; hard: number; soft: number }>();
  const nofile = Math.min(DEFAULT_NOFILE, maxNofile);
  out.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile });
  for (const u of ulimits ?? []) {
    const type = `RLIMIT_${u.name.toUpperCase().replace(/^RLIMIT_/, '')}`;
    // -1 means unlimited: the kernel's RLIM_INFINITY (runc takes uint64; 2^64-1 is not exact in JSON numbers).
    const v = (n: number): number => (n < 0 ? RLIM_INFINITY : n);
    out.set(type, { type, hard: v(u.hard), soft: v(u.soft) });
  }
  return [...out.values()];
}

// ---- mounts --------------------------------------------------------------------------------------

/** A volume mount as the caller resolved it: host directory + target. */
export interface ResolvedVolume {
  target: string;
  source: string;
  readOnly?: boolean;
}

const SYS_MOUNT = (privileged: boolean): OciMount => ({
  destination: '/sys',
  type: 'sysfs',
  source: 'sysfs',
  options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'],
});

export function defaultMounts(o: {
  shmSizeBytes?: number;
  ipcHost: boolean;
  privileged: boolean;
}): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    SYS_MOUNT(o.privileged),
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', o.privileged ? 'rw' : 'ro'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    o.ipcHost
      ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate', 'rw'] }
      : {
          destination: '/dev/shm',
          type: 'tmpfs',
          source: 'shm',
          options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${o.shmSizeBytes ?? DEFAULT_SHM_BYTES}`],
        },
  ];
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

function bindOptions(readOnly: boolean | undefined, propagation?: string): string[] {
  const p = propagation || 'rprivate';
  if (!PROPAGATIONS.has(p)) throw new RuntimeError('RUNTIME_ERROR', `invalid mount propagation: ${p}`);
  return ['rbind', p, readOnly ? 'ro' : 'rw'];
}

function depth(path: string): number {
  return path.split('/').filter((s) => s !== '').length;
}

/** `/a//b/../c/` → `/a/c`: absolute, normalized, never above `/`. */
export function cleanPath(path: string): string {
  return posix.resolve('/', path);
}

/** The user's mounts (binds, volumes, tmpfs) sorted parents first, as Docker sorts them. */
export function userMounts(spec: ContainerSpec, volumes: readonly ResolvedVolume[]): OciMount[] {
  const out: OciMount[] = [];
  const byTarget = new Map(volumes.map((v) => [cleanPath(v.target), v]));
  for (const m of spec.mounts) {
    const destination = cleanPath(m.target);
    if (m.type === 'bind') {
      out.push({
        destination,
        type: 'bind',
        source: m.source,
        options: bindOptions(m.readOnly, m.propagation),
      });
    } else if (m.type === 'tmpfs') {
      const options = ['nosuid', 'nodev', 'noexec'];
      if (m.sizeBytes !== undefined) options.push(`size=${m.sizeBytes}`);
      if (m.mode !== undefined) options.push(`mode=${m.mode.toString(8)}`);
      out.push({ destination, type: 'tmpfs', source: 'tmpfs', options });
    } else if (m.type === 'volume') {
      const v = byTarget.get(destination);
      if (!v)
        throw new RuntimeError('RUNTIME_ERROR', `volume mount at ${destination} has no resolved source`);
      out.push({
        destination,
        type: 'bind',
        source: v.source,
        options: bindOptions(m.readOnly ?? v.readOnly),
      });
    } else {
      throw new RuntimeError(
        'UNSUPPORTED',
        `image mounts (at ${destination}) are not supported by the built-in engine`,
      );
    }
  }
  // Image VOLUMEs (anonymous volumes the spec does not mount itself).
  const covered = new Set(out.map((m) => m.destination));
  for (const v of volumes) {
    const destination = cleanPath(v.target);
    if (covered.has(destination)) continue;
    covered.add(destination);
    out.push({ destination, type: 'bind', source: v.source, options: bindOptions(v.readOnly) });
  }
  const dup = out.find((m, i) => out.findIndex((o) => o.destination === m.destination) !== i);
  if (dup) throw new RuntimeError('RUNTIME_ERROR', `duplicate mount point: ${dup.destination}`);
  return out.sort((a, b) => depth(a.destination) - depth(b.destination));
}

// ---- the spec -------------------------------------------------------------------------------------

export interface SpecInput {
  id: string;
  spec: ContainerSpec;
  process: ProcessConfig;
  /** Absolute path of the mounted rootfs (the overlay's merged dir). */
  rootfs: string;
  /** Contents of the rootfs's /etc/passwd and /etc/group (undefined when absent). */
  passwd?: string;
  group?: string;
  /** Volume mounts resolved to host directories (spec volume mounts and image VOLUMEs). */
  volumes: readonly ResolvedVolume[];
  /** Host files bind-mounted at /etc/hosts, /etc/hostname, /etc/resolv.conf (skipped when undefined or
   * when a user mount covers that path). */
  etc: { hosts?: string; hostname?: string; resolvConf?: string };
  /** Namespaces joined instead of created (`container:`, the network hook's netns). `network: 'host'`
   * shares the host's. */
  namespaces?: { network?: string; pid?: string; ipc?: string };
  /** Devices resolved on the host (type and numbers). */
  devices?: readonly OciDevice[];
  /** Host path of tini for `init: true`. */
  initBinary?: string;
  /** The hard NOFILE limit berth itself has (the default is capped at it; see rlimits). */
  maxNofile?: number;
  /** The host has memory+swap accounting (memory.memsw.*); without it swap limits are left out as Docker does. */
  swapAccounting?: boolean;
}

function nsType(mode: string | undefined): 'host' | 'private' | { container: string } {
  if (mode === 'host') return 'host';
  if (mode?.startsWith('container:')) return { container: mode.slice('container:'.length) };
  return 'private';
}

function parseSecurityOpts(opts: readonly string[] | undefined): { noNewPrivileges: boolean } {
  let noNewPrivileges = false;
  for (const o of opts ?? []) {
    const [k, v] = o.includes('=') ? o.split('=', 2) : o.split(':', 2);
    if (k === 'no-new-privileges') noNewPrivileges = v === undefined || v === 'true';
    else if (k === 'seccomp' || k === 'apparmor' || k === 'label') {
      // Not applied by the built-in engine (see the file comment); unconfined is what it does anyway.
    } else throw new RuntimeError('UNSUPPORTED', `security_opt ${o} is not supported by the built-in engine`);
  }
  return { noNewPrivileges };
}

/** Builds config.json. @throws RuntimeError for unknown users/groups/capabilities and bad mounts. */
export function buildOciSpec(input: SpecInput): OciSpec {
  const { spec, process: proc } = input;
  const privileged = spec.privileged === true;
  const user: ExecUser = resolveUser(proc.user, input.passwd, input.group, spec.groupAdd ?? []);
  const caps = capabilities(spec);
  const { noNewPrivileges } = parseSecurityOpts(spec.securityOpt);

  const args = spec.init ? [INIT_PATH, '--', ...proc.args] : [...proc.args];
  const process: OciProcess = {
    terminal: proc.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    args,
    env: [...proc.env],
    cwd: proc.cwd,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: rlimits(spec.ulimits, input.maxNofile),
    noNewPrivileges,
  };
  if (spec.oomScoreAdj !== undefined) process.oomScoreAdj = spec.oomScoreAdj;

  // Mounts: defaults, minus those a user mount replaces (or lives under, for /dev and /sys).
  const user_ = userMounts(spec, input.volumes);
  const userDest = new Set(user_.map((m) => m.destination));
  const ipcHost = spec.ipc === 'host';
  const defaults = defaultMounts({ shmSizeBytes: spec.shmSizeBytes, ipcHost, privileged }).filter(
    (m) => !userDest.has(m.destination) && !(m.destination.startsWith('/dev/') && userDest.has('/dev')),
  );
  const etc: OciMount[] = [];
  const etcFile = (destination: string, source: string | undefined, ro: boolean): void => {
    if (source !== undefined && !userDest.has(destination)) {
      etc.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', ro ? 'ro' : 'rw'] });
    }
  };
  etcFile('/etc/resolv.conf', input.etc.resolvConf, spec.readOnly === true);
  etcFile('/etc/hostname', input.etc.hostname, spec.readOnly === true);
  etcFile('/etc/hosts', input.etc.hosts, spec.readOnly === true);
  const init: OciMount[] = [];
  if (spec.init) {
    if (!input.initBinary) {
      throw new RuntimeError('RUNTIME_ERROR', 'init: true needs tini on the host', {
        hint: 'apt-get install tini (it provides /usr/bin/tini-static)',
      });
    }
    init.push({
      destination: INIT_PATH,
      type: 'bind',
      source: input.initBinary,
      options: ['rbind', 'rprivate', 'ro'],
    });
  }
  const mounts = [...defaults, ...etc, ...init, ...user_];

  // Namespaces.
  const namespaces: Array<{ type: string; path?: string }> = [];
  const pid = nsType(spec.pid);
  if (pid !== 'host')
    namespaces.push(input.namespaces?.pid ? { type: 'pid', path: input.namespaces.pid } : { type: 'pid' });
  const ipc = nsType(spec.ipc);
  if (ipc !== 'host')
    namespaces.push(input.namespaces?.ipc ? { type: 'ipc', path: input.namespaces.ipc } : { type: 'ipc' });
  if (spec.uts !== 'host') namespaces.push({ type: 'uts' });
  namespaces.push({ type: 'mount' });
  const net = input.namespaces?.network;
  if (spec.networkMode !== 'host' && net !== 'host') {
    namespaces.push(net ? { type: 'network', path: net } : { type: 'network' });
  }
  for (const [what, mode] of [
    ['pid', pid],
    ['ipc', ipc],
  ] as const) {
    if (typeof mode === 'object' && !input.namespaces?.[what]) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `${what}: container:${mode.container} needs that container's namespace path`,
      );
    }
  }

  // Resources.
  const resources: OciResources = {
    devices: privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
  };
  const r = spec.resources ?? {};
  if (r.memoryBytes || r.memoryReservationBytes || r.memorySwapBytes) {
    const memory: NonNullable<OciResources['memory']> = {};
    if (r.memoryBytes) memory.limit = r.memoryBytes;
    if (r.memoryReservationBytes) memory.reservation = r.memoryReservationBytes;
    if (input.swapAccounting && r.memoryBytes) {
      // Docker: memory+swap total; unset = twice the memory; -1 = unlimited.
      memory.swap = r.memorySwapBytes ?? r.memoryBytes * 2;
    }
    resources.memory = memory;
  }
  if (r.nanoCpus || r.cpuShares || r.cpusetCpus) {
    const cpu: NonNullable<OciResources['cpu']> = {};
    if (r.cpuShares) cpu.shares = r.cpuShares;
    if (r.nanoCpus) {
      cpu.period = 100_000;
      cpu.quota = Math.round((r.nanoCpus * cpu.period) / 1e9);
    }
    if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
    resources.cpu = cpu;
  }
  if (r.pidsLimit !== undefined && r.pidsLimit !== 0) resources.pids = { limit: r.pidsLimit };

  const devices = [...(input.devices ?? [])];
  for (const d of devices) {
    if (!privileged) {
      const access = spec.devices?.find((s) => s.target === d.path)?.permissions || 'rwm';
      resources.devices.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access });
    }
  }

  const linux: OciSpec['linux'] = {
    namespaces,
    cgroupsPath: `${spec.cgroupParent ? cleanPath(spec.cgroupParent) : '/berth'}/${input.id}`,
    resources,
  };
  if (devices.length > 0) linux.devices = devices;
  if (spec.sysctls && Object.keys(spec.sysctls).length > 0) linux.sysctl = { ...spec.sysctls };
  if (!privileged) {
    linux.maskedPaths = [...MASKED_PATHS];
    linux.readonlyPaths = [...READONLY_PATHS];
  }

  const out: OciSpec = {
    ociVersion: '1.0.2-dev',
    process,
    root: { path: input.rootfs, readonly: spec.readOnly === true },
    hostname: proc.hostname,
    mounts,
    linux,
  };
  if (proc.domainname) out.domainname = proc.domainname;
  return out;
}

/** The process of an exec (runc exec --process): the container's identity with the exec's overrides. */
export function execProcess(input: {
  container: OciProcess;
  cmd: string[];
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  privileged?: boolean;
  tty?: boolean;
  passwd?: string;
  group?: string;
  groupAdd?: readonly string[];
}): OciProcess {
  const p = input.container;
  let user = p.user;
  if (input.user) {
    const u = resolveUser(input.user, input.passwd, input.group, input.groupAdd ?? []);
    user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
  }
  const caps = input.privileged ? [...ALL_CAPS] : p.capabilities.bounding;
  return {
    ...p,
    terminal: input.tty === true,
    user,
    args: [...input.cmd],
    env: mergeEnv(
      p.env,
      Object.entries(input.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ),
    cwd: input.workingDir || p.cwd,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
  };
}

/** RLIM_INFINITY as runc reads it (a uint64); a JS number cannot hold it exactly. */
export const RLIM_INFINITY = 2 ** 64; // serializeSpec writes it as 2^64-1

/** config.json text: JSON, with RLIM_INFINITY written exactly. */
export function serializeSpec(spec: OciSpec | OciProcess): string {
  return JSON.stringify(spec, null, 2).replace(/\b18446744073709552000\b/g, '18446744073709551615');
}
