/**
 * The /etc/hosts and /etc/resolv.conf a built-in engine container gets (bind-mounted, like Docker
 * does): pure text generation, so the rules are unit-tested.
 *
 * hosts: Docker's localhost/IPv6 lines, then `extra_hosts` (`host-gateway` = the gateway of the first
 * network), then the container's own address(es) with its hostname.
 * resolv.conf: on a network with DNS, aardvark-dns at the gateway (`search dns.podman`) so service
 * names resolve, then the compose `dns` servers; without network DNS, compose `dns` or the host's
 * servers minus loopback ones (unreachable from a container netns), falling back to Google's like
 * Docker. Search domains and options follow compose `dns_search` / `dns_opt`, else the host's.
 */
import { readFile } from 'node:fs/promises';

export interface HostsNetwork {
  ipAddress?: string;
  ipv6Address?: string;
  gateway?: string;
}

export interface HostsFileOptions {
  hostname: string;
  domainname?: string;
  /** The container's networks, in attach order (a record keeps insertion order). */
  networks?: Record<string, HostsNetwork> | HostsNetwork[];
  /** Compose `extra_hosts`: `name:ip`, `name=ip`, `name:[v6]`; `host-gateway` as the ip. */
  extraHosts?: string[];
  /** What `host-gateway` means; default the first network's gateway. */
  hostGateway?: string;
}

const LOCALHOST_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Splits one `extra_hosts` entry into name and address. */
export function parseExtraHost(entry: string): { name: string; ip: string } {
  const eq = entry.indexOf('=');
  const sep = eq >= 0 ? eq : entry.indexOf(':');
  if (sep <= 0) throw new Error(`invalid extra_hosts entry "${entry}" (expected name:ip)`);
  let ip = entry.slice(sep + 1).trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  return { name: entry.slice(0, sep).trim(), ip };
}

export function hostsFile(opts: HostsFileOptions): string {
  const nets = Array.isArray(opts.networks) ? opts.networks : Object.values(opts.networks ?? {});
  const gateway = opts.hostGateway ?? nets.find((n) => n.gateway)?.gateway;
  const lines = [...LOCALHOST_LINES];
  for (const entry of opts.extraHosts ?? []) {
    const { name, ip } = parseExtraHost(entry);
    if (ip === 'host-gateway') {
      if (!gateway) throw new Error(`extra_hosts "${entry}": host-gateway needs a network with a gateway`);
      lines.push(`${gateway}\t${name}`);
    } else lines.push(`${ip}\t${name}`);
  }
  const names = opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname;
  const own = new Set<string>();
  for (const n of nets) {
    for (const ip of [n.ipAddress, n.ipv6Address]) {
      if (ip && !own.has(ip)) {
        own.add(ip);
        lines.push(`${ip}\t${names}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The parts of a resolv.conf that matter here. */
export interface ResolvConfParts {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConfParts {
  const out: ResolvConfParts = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip === '0:0:0:0:0:0:0:1';
}

export interface ResolvConfOptions {
  /** DNS servers of the container's networks (aardvark-dns), from attach. */
  dnsServers?: string[];
  /** Search domains of those networks (`dns.podman`). */
  dnsSearch?: string[];
  /** Compose `dns`. */
  dns?: string[];
  /** Compose `dns_search`. */
  dnsSearchUser?: string[];
  /** Compose `dns_opt`. */
  dnsOpt?: string[];
  /** The host's resolv.conf text. */
  hostResolvConf?: string;
}

export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export function resolvConf(opts: ResolvConfOptions): string {
  const host = parseResolvConf(opts.hostResolvConf ?? '');
  const networkDns = opts.dnsServers ?? [];
  let servers: string[];
  if (networkDns.length > 0) servers = [...networkDns, ...(opts.dns ?? [])];
  else if (opts.dns && opts.dns.length > 0) servers = [...opts.dns];
  else {
    servers = host.nameservers.filter((s) => !isLoopback(s));
    if (servers.length === 0) servers = [...FALLBACK_NAMESERVERS];
  }
  // An empty compose list means "not set", as in Docker; `dns_search: .` clears the host's list.
  const userSearch = opts.dnsSearchUser?.filter((s) => s !== '.') ?? [];
  const search = dedupe([
    ...(networkDns.length > 0 ? (opts.dnsSearch ?? []) : []),
    ...(opts.dnsSearchUser?.length ? userSearch : host.search),
  ]);
  const options = opts.dnsOpt?.length ? opts.dnsOpt : host.options;
  const lines: string[] = [];
  if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  for (const s of dedupe(servers)) lines.push(`nameserver ${s}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * The host's resolv.conf: with systemd-resolved's stub (127.0.0.53) the real upstream list in
 * /run/systemd/resolve/resolv.conf is used instead, as Docker does.
 */
export async function readHostResolvConf(path = '/etc/resolv.conf'): Promise<string> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return '';
  }
  if (path === '/etc/resolv.conf' && parseResolvConf(text).nameservers.includes('127.0.0.53')) {
    try {
      return await readFile('/run/systemd/resolve/resolv.conf', 'utf8');
    } catch {
      // Keep the stub file; its loopback server is dropped later.
    }
  }
  return text;
}
