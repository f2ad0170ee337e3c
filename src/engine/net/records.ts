/**
 * Network records of the built-in engine: one JSON file per network, `<root>/networks/<id>.json`,
 * written atomically. There is no daemon holding this state, so every read-modify-write of records
 * (creating a network, allocating or freeing an address, removing) runs under one flock lock,
 * `<root>/locks/networks.lock`: two berth processes never hand out the same subnet or address.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type { PortBinding } from '../../runtime/runtime.js';
import { writeFileAtomic } from '../store/fsutil.js';
import { withLock } from '../store/lock.js';
import type { SubnetConfig } from './ipam.js';

/** A published port as netavark got it: the host port is always concrete here. */
export interface PortMappingRecord {
  hostIp: string;
  containerPort: number;
  hostPort: number;
  protocol: PortBinding['protocol'];
}

/** One container's attachment to a network. */
export interface EndpointRecord {
  /** Container name (registered in DNS next to the aliases). */
  name: string;
  /** IPv4 address (empty on an IPv6-only network). */
  ip: string;
  /** Every address, IPv4 and IPv6, in subnet order. */
  ips: string[];
  mac: string;
  aliases: string[];
  /** `eth0`, `eth1`, … inside the container's netns. */
  interfaceName: string;
  /** The netns it was set up in (teardown needs the same one). */
  netnsPath: string;
  /** Which instance of that netns (netns.ts netnsKey): a re-created one at the same path is not set up. */
  netnsKey?: string;
  /** Port mappings netavark installed through this network (one network per container carries them). */
  ports: PortMappingRecord[];
}

export interface NetworkRecord {
  /** 64 hex. */
  id: string;
  name: string;
  driver: 'bridge';
  labels: Record<string, string>;
  internal: boolean;
  ipv6: boolean;
  /** Whether aardvark-dns serves names on this network. */
  dnsEnabled: boolean;
  subnets: SubnetConfig[];
  /** The IPv4 gateway (or the first subnet's gateway). */
  gateway: string;
  /** Host bridge, `berth<8 hex>`. */
  bridge: string;
  /** Driver options (`driver_opts`), passed to netavark. */
  options: Record<string, string>;
  /** RFC 3339. */
  created: string;
  /** Container id → endpoint. */
  endpoints: Record<string, EndpointRecord>;
}

const ID_RE = /^[0-9a-f]{64}$/;

/** Reads and writes the records of one root; `locked` serializes changes across processes. */
export class NetworkRecords {
  constructor(
    readonly dir: string,
    readonly lockPath: string,
  ) {}

  /** Runs `fn` holding the networks lock (exclusive, cross-process). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.lockPath, {}, fn);
  }

  /** The record file of network `id`. */
  file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** Every record, sorted by name. Unreadable files are skipped (a record being written is renamed in). */
  async all(): Promise<NetworkRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: NetworkRecord[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || !ID_RE.test(n.slice(0, -5))) continue;
      const rec = await this.read(n.slice(0, -5));
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async read(id: string): Promise<NetworkRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as NetworkRecord;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) {
        throw new RuntimeError('RUNTIME_ERROR', `network record ${this.file(id)} is corrupt: ${err.message}`);
      }
      throw err;
    }
  }

  async write(rec: NetworkRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(rec.id), `${JSON.stringify(rec, null, 2)}\n`);
  }

  async delete(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  /** By exact name, exact id, or a unique id prefix (Docker's lookup order). */
  async find(nameOrId: string): Promise<NetworkRecord | undefined> {
    const all = await this.all();
    const byName = all.find((r) => r.name === nameOrId);
    if (byName) return byName;
    const byId = all.find((r) => r.id === nameOrId);
    if (byId) return byId;
    if (/^[0-9a-f]+$/.test(nameOrId)) {
      const matches = all.filter((r) => r.id.startsWith(nameOrId));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) {
        throw new RuntimeError(
          'RUNTIME_CONFLICT',
          `network ${nameOrId} is ambiguous (${matches.length} matches found)`,
        );
      }
    }
    return undefined;
  }
}
