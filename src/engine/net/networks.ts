/**
 * Networks of the built-in engine: bridge networks with DNS between containers, on netavark +
 * aardvark-dns. This class is what the builtin runtime adapter calls; it owns the records
 * (records.ts), picks subnets and addresses (ipam.ts), makes container netns (netns.ts) and runs
 * netavark (netavark.ts). Errors follow Docker's wording and berth's codes: a taken name or a network
 * with endpoints is RUNTIME_CONFLICT, an unknown one RUNTIME_NOT_FOUND.
 *
 * A network's bridge exists only while a container is attached: netavark creates it with the first
 * setup and removes it (and stops aardvark-dns) with the last teardown. Each network is set up with
 * its own netavark call, so `connect`/`disconnect` of one network is the same operation as attach;
 * a container's published ports ride on the first network it is attached to.
 *
 * Locks: the root's records lock (`<root>/locks/networks.lock`) around every record change and netavark
 * call; inside it, for create/remove only, the host-wide subnet claims lock (claims.ts). Always in that
 * order. Internal networks get one extra FORWARD rule (firewall.ts) so their containers reach each other
 * on hosts where Docker set the FORWARD policy to DROP.
 */

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type {
  EndpointSpec,
  ListFilter,
  NetworkInfo,
  NetworkSpec,
  PortBinding,
} from '../../runtime/runtime.js';
import { matchLabels } from '../labels.js';
import { randomBytes } from '../lazy-crypto.js';
import type { EnginePaths } from '../paths.js';
import { SubnetClaims } from './claims.js';
import { allowIntraBridge, removeIntraBridge } from './firewall.js';
import {
  allocateAddress,
  type Cidr,
  DEFAULT_POOLS,
  DEFAULT_POOLS_V6,
  parseCidr,
  parseIp,
  planSubnets,
  probeHostSubnets,
  type SubnetPool,
} from './ipam.js';
import {
  buildNetavarkOptions,
  type NetavarkBinaries,
  netavarkBinaries,
  resolvePorts,
  runNetavark,
  type TakenPort,
} from './netavark.js';
import { createNetns, netnsKey, removeNetns } from './netns.js';
import {
  type EndpointRecord,
  type NetworkRecord,
  NetworkRecords,
  type PortMappingRecord,
} from './records.js';

export interface NetworksOptions {
  paths: EnginePaths;
  /** Subnet pools (default: 10.89.0.0/16 then 172.29–31 in /24s; fd89:b347:1a3c::/48 in /64s). */
  pools?: { v4?: readonly SubnetPool[]; v6?: readonly SubnetPool[] };
  /** Environment for binary overrides (BERTH_NETAVARK, BERTH_AARDVARK_DNS). */
  env?: NodeJS.ProcessEnv;
  /** The host's used prefixes (default: `ip -j route`, `ip -j -6 route`, `ip -j addr`). */
  probeHost?: () => Promise<Cidr[]>;
  /** Host-wide subnet claims shared by every berth root (default /run/lock/berth-ipam). */
  claimsDir?: string;
}

/** What `attach` sets up: one container (its netns) on some networks. */
export interface AttachRequest {
  containerId: string;
  containerName: string;
  netnsPath: string;
  /** Network name (or id) → endpoint settings; attached in this order (eth0, eth1, …). */
  networks: Record<string, EndpointSpec>;
  /** Published ports; installed with the first network (ignored when the container has them already). */
  ports: PortBinding[];
}

export interface AttachedNetwork {
  networkId: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  ipv6Address?: string;
  ipv6PrefixLen?: number;
  ipv6Gateway?: string;
  interfaceName: string;
}

export interface AttachResult {
  /** By the name the request used. */
  networks: Record<string, AttachedNetwork>;
  /** Published ports with the host port resolved (ephemeral and ranges). */
  ports: Array<PortBinding & { published: number }>;
  /** aardvark-dns servers (the gateways of DNS-enabled networks). */
  dnsServers: string[];
  dnsSearch: string[];
}

/** What `detach` tears down; `networks` empty or missing = every network of the container. */
export interface DetachRequest {
  containerId: string;
  networks?: Record<string, unknown> | string[];
}

/** `inspect` output: NetworkInfo plus what the engine knows. */
export interface NetworkDetails extends NetworkInfo {
  containers: string[];
  created: string;
  bridge: string;
  ipv6: boolean;
  dnsEnabled: boolean;
  subnets: NetworkRecord['subnets'];
  gateway: string;
  options: Record<string, string>;
  endpoints: Record<string, EndpointRecord>;
}

/** netavark's bridge options; Docker's `com.docker.network.*` keys it has no use for are dropped. */
const NETAVARK_OPTIONS = new Set(['mtu', 'vlan', 'isolate']);
const DNS_SEARCH = 'dns.podman';

export class Networks {
  private constructor(
    readonly paths: EnginePaths,
    private readonly records: NetworkRecords,
    private readonly bins: NetavarkBinaries,
    private readonly pools: { v4: readonly SubnetPool[]; v6: readonly SubnetPool[] },
    private readonly probeHost: () => Promise<Cidr[]>,
    private readonly claims: SubnetClaims,
  ) {}

  static async open(options: NetworksOptions): Promise<Networks> {
    const { paths } = options;
    return new Networks(
      paths,
      new NetworkRecords(paths.networks, join(paths.locks, 'networks.lock')),
      netavarkBinaries(paths.netavark, options.env),
      { v4: options.pools?.v4 ?? DEFAULT_POOLS, v6: options.pools?.v6 ?? DEFAULT_POOLS_V6 },
      options.probeHost ?? probeHostSubnets,
      new SubnetClaims(options.claimsDir),
    );
  }

  // ---- networks -------------------------------------------------------------------------------

  async create(spec: NetworkSpec): Promise<NetworkDetails> {
    const driver = spec.driver ?? 'bridge';
    if (driver !== 'bridge') {
      throw new RuntimeError(
        'UNSUPPORTED',
        `network driver "${driver}" is not supported by the built-in engine`,
        {
          hint: 'use the bridge driver (the default), or run with the docker runtime',
        },
      );
    }
    if (spec.ipam?.driver && spec.ipam.driver !== 'default') {
      throw new RuntimeError(
        'UNSUPPORTED',
        `ipam driver "${spec.ipam.driver}" is not supported by the built-in engine`,
      );
    }
    const { options, bridgeName } = bridgeOptions(spec.driverOpts ?? {});
    return this.records.locked(async () => {
      const all = await this.records.all();
      if (all.some((r) => r.name === spec.name)) {
        throw new RuntimeError('RUNTIME_CONFLICT', `network with name ${spec.name} already exists`);
      }
      const taken = all.flatMap((r) => r.subnets.map((s) => parseCidr(s.subnet)));
      // Other roots on this host claim subnets too: choose and claim under the host-wide lock.
      return this.claims.locked(async () => {
        const claimed = await this.claims.taken();
        const hostUsed = await this.probeHost();
        const subnets = planSubnets(
          { config: spec.ipam?.config, enableIPv6: spec.enableIPv6 },
          { taken: [...taken, ...claimed], hostUsed },
          this.pools,
        );
        const rec = await this.newRecord(spec, all, subnets, options, bridgeName);
        await this.records.write(rec);
        await this.claims.claim(
          this.records.file(rec.id),
          subnets.map((s) => s.subnet),
        );
        return details(rec);
      });
    });
  }

  private async newRecord(
    spec: NetworkSpec,
    all: NetworkRecord[],
    subnets: NetworkRecord['subnets'],
    options: Record<string, string>,
    bridgeName: string | undefined,
  ): Promise<NetworkRecord> {
    let id = '';
    let bridge = bridgeName ?? '';
    for (let i = 0; i < 20; i++) {
      id = randomBytes(32).toString('hex');
      if (bridgeName) break;
      bridge = `berth${id.slice(0, 8)}`;
      if (!all.some((r) => r.bridge === bridge) && !(await linkExists(bridge))) break;
    }
    if (bridgeName && all.some((r) => r.bridge === bridgeName)) {
      throw new RuntimeError('RUNTIME_CONFLICT', `bridge name ${bridgeName} is used by another network`);
    }
    const v4 = subnets.find((s) => parseIp(s.gateway).family === 4);
    return {
      id,
      name: spec.name,
      driver: 'bridge',
      labels: { ...spec.labels },
      internal: spec.internal ?? false,
      ipv6: subnets.some((s) => parseIp(s.gateway).family === 6),
      dnsEnabled: true,
      subnets,
      gateway: (v4 ?? subnets[0]!).gateway,
      bridge,
      options,
      created: new Date().toISOString(),
      endpoints: {},
    };
  }

  async list(filter: ListFilter = {}): Promise<NetworkDetails[]> {
    const all = await this.records.all();
    return all.filter((r) => matches(r, filter)).map(details);
  }

  async inspect(nameOrId: string): Promise<NetworkDetails> {
    return details(await this.mustFind(nameOrId));
  }

  /** The raw record (for the adapter's inspect output). */
  async record(nameOrId: string): Promise<NetworkRecord> {
    return this.mustFind(nameOrId);
  }

  async remove(nameOrId: string): Promise<void> {
    await this.records.locked(async () => {
      const rec = await this.mustFind(nameOrId);
      if (Object.keys(rec.endpoints).length > 0) {
        throw new RuntimeError(
          'RUNTIME_CONFLICT',
          `error while removing network: network ${rec.name} id ${rec.id} has active endpoints`,
          { hint: 'stop and remove the containers attached to it first' },
        );
      }
      await this.records.delete(rec.id);
      await this.claims.release(
        this.records.file(rec.id),
        rec.subnets.map((s) => s.subnet),
      );
    });
  }

  private async mustFind(nameOrId: string): Promise<NetworkRecord> {
    const rec = await this.records.find(nameOrId);
    if (!rec) throw new RuntimeError('RUNTIME_NOT_FOUND', `network ${nameOrId} not found`);
    return rec;
  }

  // ---- container netns -------------------------------------------------------------------------

  /** `/run/netns/berth-<id12>` with loopback up; idempotent. */
  createNetns(containerId: string): Promise<string> {
    return createNetns(containerId);
  }

  /** Deletes the container's netns; idempotent. Detach first (netavark needs the netns to tear down). */
  removeNetns(containerId: string): Promise<void> {
    return removeNetns(containerId);
  }

  // ---- endpoints -------------------------------------------------------------------------------

  /**
   * Sets up the container's netns on each requested network (idempotent: a network it is already on
   * in this netns is reported, not set up again). On a failure, what this call set up is torn down.
   */
  async attach(req: AttachRequest): Promise<AttachResult> {
    return this.records.locked(async () => {
      const all = await this.records.all();
      const cid = req.containerId;
      const result: AttachResult = { networks: {}, ports: [], dnsServers: [], dnsSearch: [] };
      const done: Array<{ rec: NetworkRecord; ep: EndpointRecord }> = [];
      const key = await netnsKey(req.netnsPath);
      if (!key) throw new RuntimeError('RUNTIME_ERROR', `network namespace ${req.netnsPath} does not exist`);
      const sameNetns = (e: EndpointRecord) => e.netnsPath === req.netnsPath && e.netnsKey === key;
      const mine = () =>
        all.flatMap((r) => (r.endpoints[cid] && sameNetns(r.endpoints[cid]) ? [r.endpoints[cid]] : []));
      let portsPlaced = mine().some((e) => e.ports.length > 0);
      try {
        for (const [name, spec] of Object.entries(req.networks)) {
          const rec = findIn(all, name);
          if (!rec) throw new RuntimeError('RUNTIME_NOT_FOUND', `network ${name} not found`);
          let ep: EndpointRecord | undefined = rec.endpoints[cid];
          if (ep && !sameNetns(ep)) {
            // Left from an earlier netns of this container (a crash, a reboot): gone or never set up here.
            await this.teardown(rec, cid, ep, key).catch(() => undefined);
            delete rec.endpoints[cid];
            ep = undefined;
          }
          if (!ep) {
            const used = new Set(mine().map((e) => e.interfaceName));
            let n = 0;
            while (used.has(`eth${n}`)) n++;
            const inUse = Object.values(rec.endpoints).flatMap((e) => e.ips);
            const ips = rec.subnets.map((s) =>
              allocateAddress(
                s,
                inUse,
                parseIp(s.gateway).family === 4 ? spec.ipv4Address : spec.ipv6Address,
              ),
            );
            const ports =
              !portsPlaced && req.ports.length > 0 ? await resolvePorts(req.ports, takenPorts(all)) : [];
            portsPlaced ||= ports.length > 0;
            ep = {
              name: req.containerName,
              ip: ips.find((ip) => parseIp(ip).family === 4) ?? '',
              ips,
              mac: spec.macAddress ?? '',
              aliases: [...new Set(spec.aliases ?? [])],
              interfaceName: `eth${n}`,
              netnsPath: req.netnsPath,
              netnsKey: key,
              ports,
            };
            // Reserve first: a crash after setup still leaves a record that detach can tear down.
            rec.endpoints[cid] = ep;
            await this.records.write(rec);
            let status: Awaited<ReturnType<typeof runNetavark>>;
            try {
              status = await runNetavark(
                this.bins,
                'setup',
                req.netnsPath,
                buildNetavarkOptions(rec, this.endpointInput(cid, ep)),
              );
            } catch (err) {
              delete rec.endpoints[cid];
              await this.records.write(rec);
              throw err;
            }
            done.push({ rec, ep });
            if (rec.internal) await allowIntraBridge(rec.bridge, rec.id);
            const block = status[rec.name];
            const iface = block?.interfaces?.[ep.interfaceName];
            if (iface?.mac_address) ep.mac = iface.mac_address;
            await this.records.write(rec);
            for (const s of block?.dns_server_ips ?? []) pushUnique(result.dnsServers, s);
            for (const s of block?.dns_search_domains ?? []) pushUnique(result.dnsSearch, s);
          } else if (rec.dnsEnabled) {
            for (const s of rec.subnets) pushUnique(result.dnsServers, s.gateway);
            pushUnique(result.dnsSearch, DNS_SEARCH);
          }
          result.networks[name] = attached(rec, ep);
          for (const p of ep.ports) result.ports.push(toBinding(p));
        }
      } catch (err) {
        for (const { rec, ep } of done.reverse()) {
          await this.teardown(rec, cid, ep).catch(() => undefined);
          delete rec.endpoints[cid];
          await this.records.write(rec).catch(() => undefined);
          if (rec.internal && Object.keys(rec.endpoints).length === 0) {
            await removeIntraBridge(rec.bridge, rec.id).catch(() => undefined);
          }
        }
        throw err;
      }
      // Ports carried by a network this call did not touch are still the container's.
      if (result.ports.length === 0) {
        for (const e of mine()) for (const p of e.ports) result.ports.push(toBinding(p));
      }
      return result;
    });
  }

  /** Tears the container off the given networks (all of them when none are named); idempotent. */
  async detach(req: DetachRequest): Promise<void> {
    const wanted = Array.isArray(req.networks) ? req.networks : Object.keys(req.networks ?? {});
    // Nothing to do (the common second call: stop settles a container, then remove tears it down
    // again): records are renamed into place whole, so an unlocked read cannot miss an endpoint that
    // exists, and this skips a flock spawn and a place in the queue behind other containers' netavark.
    if (!(await this.records.all()).some((r) => r.endpoints[req.containerId])) return;
    await this.records.locked(async () => {
      const all = await this.records.all();
      const targets =
        wanted.length === 0
          ? all.filter((r) => r.endpoints[req.containerId])
          : wanted.flatMap((n) => {
              const rec = findIn(all, n);
              return rec?.endpoints[req.containerId] ? [rec] : [];
            });
      const errors: string[] = [];
      for (const rec of targets) {
        const ep = rec.endpoints[req.containerId]!;
        try {
          await this.teardown(rec, req.containerId, ep);
        } catch (err) {
          errors.push((err as Error).message);
        }
        // The address is freed either way: a teardown that failed cannot be retried more usefully later.
        delete rec.endpoints[req.containerId];
        await this.records.write(rec);
        if (rec.internal && Object.keys(rec.endpoints).length === 0) {
          await removeIntraBridge(rec.bridge, rec.id).catch((err: Error) => errors.push(err.message));
        }
      }
      if (errors.length > 0) throw new RuntimeError('RUNTIME_ERROR', errors.join('; '));
    });
  }

  /** Attaches a running container's netns to one more network (the next free ethN). */
  connect(req: Omit<AttachRequest, 'networks' | 'ports'> & { network: string; endpoint?: EndpointSpec }) {
    return this.attach({ ...req, networks: { [req.network]: req.endpoint ?? {} }, ports: [] });
  }

  /** Detaches one network. */
  disconnect(containerId: string, network: string): Promise<void> {
    return this.detach({ containerId, networks: [network] });
  }

  /** The container's endpoints, by network name. */
  async endpointsOf(containerId: string): Promise<Record<string, AttachedNetwork>> {
    const out: Record<string, AttachedNetwork> = {};
    for (const rec of await this.records.all()) {
      const ep = rec.endpoints[containerId];
      if (ep) out[rec.name] = attached(rec, ep);
    }
    return out;
  }

  private endpointInput(containerId: string, ep: EndpointRecord) {
    return {
      containerId,
      containerName: ep.name,
      ips: ep.ips,
      aliases: ep.aliases,
      interfaceName: ep.interfaceName,
      macAddress: ep.mac || undefined,
      ports: ep.ports,
    };
  }

  /**
   * netavark teardown of one endpoint. netavark needs a netns even to remove only firewall rules and
   * DNS entries; when the container's is gone already, a scratch one stands in.
   */
  private async teardown(
    rec: NetworkRecord,
    containerId: string,
    ep: EndpointRecord,
    /** The live netns at ep.netnsPath, when the caller knows it is a different instance than ep's. */
    notThisKey?: string,
  ): Promise<void> {
    const opts = buildNetavarkOptions(rec, this.endpointInput(containerId, ep));
    const current = await netnsKey(ep.netnsPath);
    if (current && current !== notThisKey && (ep.netnsKey === undefined || ep.netnsKey === current)) {
      await runNetavark(this.bins, 'teardown', ep.netnsPath, opts);
      return;
    }
    const scratch = randomBytes(32).toString('hex');
    const path = await createNetns(scratch);
    try {
      await runNetavark(this.bins, 'teardown', path, opts).catch(() => undefined);
    } finally {
      await removeNetns(scratch);
    }
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function details(rec: NetworkRecord): NetworkDetails {
  return {
    id: rec.id,
    name: rec.name,
    driver: rec.driver,
    labels: rec.labels,
    internal: rec.internal,
    containers: Object.keys(rec.endpoints),
    created: rec.created,
    bridge: rec.bridge,
    ipv6: rec.ipv6,
    dnsEnabled: rec.dnsEnabled,
    subnets: rec.subnets,
    gateway: rec.gateway,
    options: rec.options,
    endpoints: rec.endpoints,
  };
}

function attached(rec: NetworkRecord, ep: EndpointRecord): AttachedNetwork {
  const out: AttachedNetwork = {
    networkId: rec.id,
    ipAddress: ep.ip,
    prefixLen: 0,
    gateway: '',
    macAddress: ep.mac,
    aliases: ep.aliases,
    interfaceName: ep.interfaceName,
  };
  rec.subnets.forEach((s, i) => {
    const cidr = parseCidr(s.subnet);
    if (cidr.family === 4) {
      out.prefixLen = cidr.prefix;
      out.gateway = s.gateway;
    } else if (out.ipv6Address === undefined) {
      out.ipv6Address = ep.ips[i];
      out.ipv6PrefixLen = cidr.prefix;
      out.ipv6Gateway = s.gateway;
    }
  });
  return out;
}

function toBinding(p: PortMappingRecord): PortBinding & { published: number } {
  const b: PortBinding & { published: number } = {
    target: p.containerPort,
    published: p.hostPort,
    protocol: p.protocol,
  };
  if (p.hostIp) b.hostIp = p.hostIp;
  return b;
}

function findIn(all: NetworkRecord[], nameOrId: string): NetworkRecord | undefined {
  return (
    all.find((r) => r.name === nameOrId) ??
    all.find((r) => r.id === nameOrId) ??
    (/^[0-9a-f]{12,}$/.test(nameOrId) ? all.find((r) => r.id.startsWith(nameOrId)) : undefined)
  );
}

/** Host ports published by any container of this root (overlapping host IPs: '' is every address). */
function takenPorts(all: NetworkRecord[]): TakenPort {
  const held = all.flatMap((r) => Object.values(r.endpoints).flatMap((e) => e.ports));
  return (ip, port, proto) =>
    held.some(
      (p) => p.hostPort === port && p.protocol === proto && (p.hostIp === '' || ip === '' || p.hostIp === ip),
    );
}

export function matches(rec: { name: string; labels: Record<string, string> }, filter: ListFilter): boolean {
  if (filter.names && filter.names.length > 0 && !filter.names.includes(rec.name)) return false;
  return matchLabels(rec.labels, filter.labels);
}

/** Splits driver_opts into netavark's options and an explicit bridge name. */
export function bridgeOptions(driverOpts: Record<string, string>): {
  options: Record<string, string>;
  bridgeName?: string;
} {
  const options: Record<string, string> = {};
  let bridgeName: string | undefined;
  for (const [key, value] of Object.entries(driverOpts)) {
    if (NETAVARK_OPTIONS.has(key)) options[key] = String(value);
    else if (key === 'com.docker.network.driver.mtu') options.mtu = String(value);
    else if (key === 'com.docker.network.bridge.name') {
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(value)) {
        throw new RuntimeError('RUNTIME_ERROR', `invalid bridge name "${value}" (1-15 characters)`);
      }
      bridgeName = value;
    } else if (key.startsWith('com.docker.network.')) {
      // Docker-daemon knobs (icc, masquerade, host binding): netavark decides these itself.
    } else {
      throw new RuntimeError(
        'UNSUPPORTED',
        `network driver option "${key}" is not supported by the built-in engine`,
        {
          hint: `netavark's bridge options are ${[...NETAVARK_OPTIONS].join(', ')}`,
        },
      );
    }
  }
  return bridgeName === undefined ? { options } : { options, bridgeName };
}

function pushUnique(xs: string[], x: string): void {
  if (!xs.includes(x)) xs.push(x);
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function linkExists(name: string): Promise<boolean> {
  return pathExists(`/sys/class/net/${name}`);
}
