/**
 * IP address management for the built-in engine. netavark 1.4 has no IPAM of its own (it insists on
 * `static_ips`), so the engine picks each network's subnet and each container's address itself, as
 * podman does in its database.
 *
 * The core is pure (addresses as bigint, tested with tables): subnet choice from a pool skipping
 * everything in use, address allocation (gateway first, then the lowest free). `probeHostSubnets`
 * is the one impure part: it asks `ip -j` for the host's routes and interface addresses, so a new
 * network never shadows Docker's bridges (172.17/16 …), the LAN, or another tenant's networks.
 */
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { RuntimeError } from '../../api/errors.js';

const execFileP = promisify(execFile);

export type IpFamily = 4 | 6;

/** A network prefix, normalized: `addr` is the network address (host bits zero). */
export interface Cidr {
  family: IpFamily;
  addr: bigint;
  prefix: number;
}

/** One subnet of a network record, in text form (what records and netavark use). */
export interface SubnetConfig {
  subnet: string;
  gateway: string;
  /** Allocate container addresses only inside this range (compose `ip_range`). */
  ipRange?: string;
  /** Addresses never handed out (compose `aux_addresses`). */
  auxAddresses?: string[];
}

/** A pool of subnets: `base` cut into consecutive blocks of `/size`. */
export interface SubnetPool {
  base: string;
  size: number;
}

/** Docker's defaults would collide with Docker's own networks; podman's 10.89/16 first, then 172.29–31. */
export const DEFAULT_POOLS: readonly SubnetPool[] = [
  { base: '10.89.0.0/16', size: 24 },
  { base: '172.29.0.0/16', size: 24 },
  { base: '172.30.0.0/16', size: 24 },
  { base: '172.31.0.0/16', size: 24 },
];

/** Unique-local IPv6 pool for `enable_ipv6` networks without a configured IPv6 subnet. */
export const DEFAULT_POOLS_V6: readonly SubnetPool[] = [{ base: 'fd89:b347:1a3c::/48', size: 64 }];

const bits = (family: IpFamily): number => (family === 4 ? 32 : 128);

function invalid(message: string): RuntimeError {
  return new RuntimeError('RUNTIME_ERROR', message);
}

/** Parses an IPv4 or IPv6 address to a bigint. Throws on anything else. */
export function parseIp(text: string): { family: IpFamily; addr: bigint } {
  const kind = isIP(text);
  if (kind === 4) {
    const addr = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, addr };
  }
  if (kind === 6) {
    let s = text.toLowerCase();
    const pct = s.indexOf('%');
    if (pct >= 0) s = s.slice(0, pct);
    // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (v4) {
      const n = parseIp(v4[1]!).addr;
      s = `${s.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
    const h = head ? head.split(':') : [];
    const t = tail === undefined ? [] : tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const addr = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
    return { family: 6, addr };
  }
  throw invalid(`invalid IP address "${text}"`);
}

/** Formats an address: dotted quad, or RFC 5952 IPv6 (longest zero run compressed). */
export function formatIp(family: IpFamily, addr: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((addr >> s) & 0xffn).toString()).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((addr >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses `a.b.c.d/n` or `x::/n`; a bare address is a host prefix (/32, /128). Host bits are cleared. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  const max = bits(ip.family);
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > max) throw invalid(`invalid subnet "${text}"`);
  return { family: ip.family, addr: ip.addr & netmask(ip.family, prefix), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.addr)}/${c.prefix}`;
}

function netmask(family: IpFamily, prefix: number): bigint {
  const max = bits(family);
  return ((1n << BigInt(max)) - 1n) ^ ((1n << BigInt(max - prefix)) - 1n);
}

/** First and last address of a prefix. */
export function cidrRange(c: Cidr): { first: bigint; last: bigint } {
  const size = 1n << BigInt(bits(c.family) - c.prefix);
  return { first: c.addr, last: c.addr + size - 1n };
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const ra = cidrRange(a);
  const rb = cidrRange(b);
  return ra.first <= rb.last && rb.first <= ra.last;
}

export function cidrContains(c: Cidr, family: IpFamily, addr: bigint): boolean {
  if (c.family !== family) return false;
  const r = cidrRange(c);
  return addr >= r.first && addr <= r.last;
}

/** The first block of `pool` (in order) that overlaps nothing in `used`; undefined when exhausted. */
export function chooseSubnet(pools: readonly SubnetPool[], used: readonly Cidr[]): Cidr | undefined {
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    if (pool.size < base.prefix || pool.size > bits(base.family)) {
      throw invalid(`invalid pool ${pool.base} split in /${pool.size}`);
    }
    const step = 1n << BigInt(bits(base.family) - pool.size);
    const { last } = cidrRange(base);
    for (let addr = base.addr; addr <= last; addr += step) {
      const candidate: Cidr = { family: base.family, addr, prefix: pool.size };
      if (!used.some((u) => cidrOverlaps(u, candidate))) return candidate;
    }
  }
  return undefined;
}

/** The first usable host address of a subnet (the default gateway). */
export function firstHost(c: Cidr): bigint {
  return c.prefix >= bits(c.family) - 1 ? c.addr : c.addr + 1n;
}

export interface IpamRequest {
  /** `ipam.config` of the network spec. */
  config?: Array<{
    subnet?: string;
    ipRange?: string;
    gateway?: string;
    auxAddresses?: Record<string, string>;
  }>;
  enableIPv6?: boolean;
}

/**
 * The subnets of a new network. Configured subnets are taken as given (checked for overlap with
 * `taken`, other berth networks, like Docker does: host routes are the user's call then); missing
 * ones come from the pools, skipping `taken` and `hostUsed`.
 */
export function planSubnets(
  req: IpamRequest,
  used: { taken: readonly Cidr[]; hostUsed: readonly Cidr[] },
  pools: { v4: readonly SubnetPool[]; v6: readonly SubnetPool[] } = {
    v4: DEFAULT_POOLS,
    v6: DEFAULT_POOLS_V6,
  },
): SubnetConfig[] {
  const out: SubnetConfig[] = [];
  const chosen: Cidr[] = [];
  for (const cfg of req.config ?? []) {
    if (!cfg.subnet) {
      if (cfg.gateway || cfg.ipRange)
        throw invalid('an ipam config with a gateway or ip_range needs a subnet');
      continue;
    }
    const subnet = parseCidr(cfg.subnet);
    const clash = [...used.taken, ...chosen].find((t) => cidrOverlaps(t, subnet));
    if (clash) {
      throw new RuntimeError(
        'RUNTIME_CONFLICT',
        `invalid pool request: Pool overlaps with other one on this address space (${formatCidr(subnet)} overlaps ${formatCidr(clash)})`,
      );
    }
    let gateway = firstHost(subnet);
    if (cfg.gateway) {
      const gw = parseIp(cfg.gateway);
      if (!cidrContains(subnet, gw.family, gw.addr)) {
        throw invalid(`gateway ${cfg.gateway} is not in subnet ${formatCidr(subnet)}`);
      }
      gateway = gw.addr;
    }
    const entry: SubnetConfig = { subnet: formatCidr(subnet), gateway: formatIp(subnet.family, gateway) };
    if (cfg.ipRange) {
      const range = parseCidr(cfg.ipRange);
      if (!cidrContains(subnet, range.family, range.addr) || range.prefix < subnet.prefix) {
        throw invalid(`ip_range ${cfg.ipRange} is not inside subnet ${formatCidr(subnet)}`);
      }
      entry.ipRange = formatCidr(range);
    }
    const aux = Object.values(cfg.auxAddresses ?? {});
    if (aux.length > 0) entry.auxAddresses = aux.map((a) => formatIp(subnet.family, parseIp(a).addr));
    out.push(entry);
    chosen.push(subnet);
  }
  const avoid = (): Cidr[] => [...used.taken, ...used.hostUsed, ...chosen];
  const families = new Set(chosen.map((c) => c.family));
  const wanted: IpFamily[] = req.enableIPv6 ? [4, 6] : [4];
  for (const family of wanted) {
    if (families.has(family)) continue;
    // An explicit IPv6-only config does not get an automatic IPv4 subnet added.
    if (family === 4 && families.size > 0) continue;
    const subnet = chooseSubnet(family === 4 ? pools.v4 : pools.v6, avoid());
    if (!subnet) {
      throw new RuntimeError('RUNTIME_ERROR', `no free IPv${family} subnet left in berth's address pools`, {
        hint: 'remove unused networks (berth network prune) or give the network an explicit ipam subnet',
      });
    }
    out.push({ subnet: formatCidr(subnet), gateway: formatIp(family, firstHost(subnet)) });
    chosen.push(subnet);
  }
  return out;
}

/**
 * One container address in `sub`: the requested one (checked), or the lowest free address of the
 * ip range (or the subnet), never the network address, the IPv4 broadcast, the gateway, an aux address
 * or anything in `inUse`.
 */
export function allocateAddress(sub: SubnetConfig, inUse: Iterable<string>, requested?: string): string {
  const subnet = parseCidr(sub.subnet);
  const family = subnet.family;
  const busy = new Set<bigint>();
  for (const ip of inUse) {
    const p = parseIp(ip);
    if (p.family === family) busy.add(p.addr);
  }
  busy.add(parseIp(sub.gateway).addr);
  for (const a of sub.auxAddresses ?? []) busy.add(parseIp(a).addr);
  const { first, last } = cidrRange(subnet);
  const lo = first + (subnet.prefix < bits(family) - 1 ? 1n : 0n);
  const hi = family === 4 && subnet.prefix < 31 ? last - 1n : last;
  if (requested) {
    const want = parseIp(requested);
    if (want.family !== family || want.addr < lo || want.addr > hi) {
      throw invalid(`requested address ${requested} is not a usable address of subnet ${sub.subnet}`);
    }
    if (busy.has(want.addr)) {
      throw new RuntimeError(
        'RUNTIME_CONFLICT',
        `Address already in use: ${requested} on subnet ${sub.subnet}`,
      );
    }
    return formatIp(family, want.addr);
  }
  let start = lo;
  let end = hi;
  if (sub.ipRange) {
    const r = cidrRange(parseCidr(sub.ipRange));
    start = r.first > lo ? r.first : lo;
    end = r.last < hi ? r.last : hi;
  }
  for (let a = start; a <= end; a++) {
    if (!busy.has(a)) return formatIp(family, a);
  }
  throw new RuntimeError('RUNTIME_ERROR', `no free address left in subnet ${sub.subnet}`);
}

/** Prefixes used on the host, from `ip -j route` JSON (the `default` route is skipped). */
export function parseIpRouteJson(text: string): Cidr[] {
  const out: Cidr[] = [];
  const rows = JSON.parse(text || '[]') as Array<{ dst?: string; type?: string }>;
  for (const row of rows) {
    if (!row.dst || row.dst === 'default') continue;
    if (row.type === 'multicast' || row.type === 'broadcast') continue;
    try {
      out.push(parseCidr(row.dst));
    } catch {
      // Not an address prefix (e.g. a multicast or unreachable entry with a keyword): nothing to avoid.
    }
  }
  return out;
}

/** The prefixes of every address configured on a host interface, from `ip -j addr` JSON. */
export function parseIpAddrJson(text: string): Cidr[] {
  const out: Cidr[] = [];
  const links = JSON.parse(text || '[]') as Array<{
    addr_info?: Array<{ local?: string; prefixlen?: number }>;
  }>;
  for (const link of links) {
    for (const a of link.addr_info ?? []) {
      if (!a.local) continue;
      try {
        const c = parseCidr(`${a.local}/${a.prefixlen ?? (isIP(a.local) === 6 ? 128 : 32)}`);
        // Link-local IPv6 (fe80::/10) is on every interface and never allocated from the pools.
        if (c.family === 6 && c.addr >> 118n === 0x3fan) continue;
        out.push(c);
      } catch {
        // Ignore what is not an address.
      }
    }
  }
  return out;
}

/** Everything the host already routes or owns: the subnets a new network must not overlap. */
export async function probeHostSubnets(): Promise<Cidr[]> {
  const ip = async (args: string[]): Promise<string> => {
    try {
      return (await execFileP('ip', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (err) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `cannot list host routes (ip ${args.join(' ')}): ${(err as Error).message}`,
        {
          hint: 'install iproute2',
          cause: err,
        },
      );
    }
  };
  const [v4, v6, addrs] = await Promise.all([
    ip(['-j', 'route']),
    ip(['-j', '-6', 'route']),
    ip(['-j', 'addr']),
  ]);
  return [...parseIpRouteJson(v4), ...parseIpRouteJson(v6), ...parseIpAddrJson(addrs)];
}
