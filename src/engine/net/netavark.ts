/**
 * Drives netavark (podman's network backend) for the built-in engine: it creates the bridge, the veth
 * pair, the addresses and routes, the iptables NAT/forward/port-forward rules, and runs aardvark-dns
 * for name resolution between containers. berth hands it one JSON document per network on stdin
 * (`netavark setup|teardown <netns>`), with addresses berth allocated itself (netavark 1.4 has no
 * IPAM). The JSON shape is netavark's `NetworkOptions` (verified against 1.4; see
 * docs builtin-engine-notes §3). Publishing picks ephemeral/range host ports here, before setup,
 * because netavark only installs DNAT rules and never binds the port.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { RuntimeError } from '../../api/errors.js';
import type { PortBinding } from '../../runtime/runtime.js';
import type { NetworkRecord, PortMappingRecord } from './records.js';

export const DEFAULT_NETAVARK = '/usr/lib/podman/netavark';
export const DEFAULT_AARDVARK_DNS = '/usr/lib/podman/aardvark-dns';

export interface NetavarkBinaries {
  netavark: string;
  aardvarkDns: string;
  /** `--config`: netavark's state dir (aardvark-dns config and pid live under it). */
  configDir: string;
}

/** Binary paths: BERTH_NETAVARK / BERTH_AARDVARK_DNS override the Debian locations. */
export function netavarkBinaries(configDir: string, env: NodeJS.ProcessEnv = process.env): NetavarkBinaries {
  return {
    netavark: env.BERTH_NETAVARK || DEFAULT_NETAVARK,
    aardvarkDns: env.BERTH_AARDVARK_DNS || DEFAULT_AARDVARK_DNS,
    configDir,
  };
}

/** netavark's `NetworkOptions` (the stdin of setup/teardown). */
export interface NetavarkOptions {
  container_id: string;
  container_name: string;
  port_mappings: Array<{
    host_ip: string;
    container_port: number;
    host_port: number;
    range: number;
    protocol: string;
  }>;
  networks: Record<
    string,
    {
      static_ips: string[];
      aliases: string[];
      dns_names: string[];
      interface_name: string;
      static_mac?: string;
    }
  >;
  network_info: Record<
    string,
    {
      name: string;
      id: string;
      driver: 'bridge';
      network_interface: string;
      subnets: Array<{ subnet: string; gateway: string }>;
      ipv6_enabled: boolean;
      internal: boolean;
      dns_enabled: boolean;
      options?: Record<string, string>;
      ipam_options: { driver: 'host-local' };
    }
  >;
}

/** netavark's per-network `StatusBlock` (the stdout of setup). */
export interface NetavarkStatus {
  dns_search_domains?: string[];
  dns_server_ips?: string[];
  interfaces?: Record<string, { mac_address: string; subnets?: Array<{ ipnet: string; gateway?: string }> }>;
}

export interface NetavarkEndpoint {
  containerId: string;
  containerName: string;
  ips: string[];
  aliases: string[];
  interfaceName: string;
  macAddress?: string;
  ports: PortMappingRecord[];
}

/** The JSON netavark gets for one container on one network. Pure. */
export function buildNetavarkOptions(net: NetworkRecord, ep: NetavarkEndpoint): NetavarkOptions {
  const aliases = unique(ep.aliases.filter((a) => a && a !== ep.containerName));
  const perNetwork: NetavarkOptions['networks'][string] = {
    static_ips: ep.ips,
    // netavark 1.4 registers container_name plus `aliases`; newer versions read `dns_names` only.
    aliases,
    dns_names: unique([ep.containerName, ...aliases]),
    interface_name: ep.interfaceName,
  };
  if (ep.macAddress) perNetwork.static_mac = ep.macAddress;
  const info: NetavarkOptions['network_info'][string] = {
    name: net.name,
    id: net.id,
    driver: 'bridge',
    network_interface: net.bridge,
    subnets: net.subnets.map((s) => ({ subnet: s.subnet, gateway: s.gateway })),
    ipv6_enabled: net.ipv6,
    internal: net.internal,
    dns_enabled: net.dnsEnabled,
    ipam_options: { driver: 'host-local' },
  };
  if (Object.keys(net.options).length > 0) info.options = net.options;
  return {
    container_id: ep.containerId,
    container_name: ep.containerName,
    port_mappings: ep.ports.map((p) => ({
      host_ip: p.hostIp,
      container_port: p.containerPort,
      host_port: p.hostPort,
      range: 1,
      protocol: p.protocol,
    })),
    networks: { [net.name]: perNetwork },
    network_info: { [net.name]: info },
  };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Runs `netavark setup|teardown <netns>` with `options` on stdin; returns the parsed result of setup.
 * netavark reports failures as `{"error": "..."}` and a non-zero exit; that becomes a RuntimeError.
 */
export async function runNetavark(
  bins: NetavarkBinaries,
  command: 'setup' | 'teardown',
  netnsPath: string,
  options: NetavarkOptions,
): Promise<Record<string, NetavarkStatus>> {
  // netavark does not create its config dir ("failed to create aardvark-dns directory").
  await mkdir(bins.configDir, { recursive: true });
  const args = ['--config', bins.configDir, '-a', bins.aardvarkDns, command, netnsPath];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      // aardvark-dns is spawned by netavark and daemonizes (netavark 1.4 gives it /dev/null stdio).
      const child = spawn(bins.netavark, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) =>
        reject(
          new RuntimeError('RUNTIME_ERROR', `cannot run netavark (${bins.netavark}): ${e.message}`, {
            hint: 'install the netavark and aardvark-dns packages, or set BERTH_NETAVARK / BERTH_AARDVARK_DNS',
            cause: e,
          }),
        ),
      );
      const done = (c: number | null) =>
        resolve({ code: c, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      // `close` comes once the output is drained; if a grandchild kept the pipes open it never would,
      // so `exit` plus a grace period settles it too.
      child.on('close', (c) => done(c));
      child.on('exit', (c) => setTimeout(() => done(c), 2000).unref());
      child.stdin.on('error', () => {
        // netavark may exit before reading stdin (bad arguments); the exit code tells.
      });
      child.stdin.end(JSON.stringify(options));
    },
  );
  if (code !== 0) {
    const message = netavarkError(stdout) ?? netavarkError(stderr) ?? (stderr.trim() || stdout.trim());
    throw new RuntimeError('RUNTIME_ERROR', `netavark ${command} failed: ${message || `exit code ${code}`}`);
  }
  if (command === 'teardown') return {};
  try {
    return JSON.parse(stdout) as Record<string, NetavarkStatus>;
  } catch {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `netavark ${command} printed something that is not JSON: ${stdout.slice(0, 200)}`,
    );
  }
}

function netavarkError(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text.trim()) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** netavark's host_ip: empty for "every address" (Docker's 0.0.0.0 / ::). */
export function netavarkHostIp(hostIp: string | undefined): string {
  if (!hostIp || hostIp === '0.0.0.0' || hostIp === '::') return '';
  return hostIp.startsWith('[') && hostIp.endsWith(']') ? hostIp.slice(1, -1) : hostIp;
}

/** True when nothing on the host holds `port` on `hostIp` (a bind test; sctp is not tested). */
export async function portFree(
  hostIp: string,
  port: number,
  protocol: PortBinding['protocol'],
): Promise<boolean> {
  const host = hostIp || '0.0.0.0';
  if (protocol === 'sctp') return true;
  if (protocol === 'udp') {
    return new Promise((resolve) => {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', () => {
        sock.close();
        resolve(false);
      });
      sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
    });
  }
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel hands out as free on `hostIp` (bind to port 0). */
async function kernelPort(hostIp: string, protocol: PortBinding['protocol']): Promise<number> {
  const host = hostIp || '0.0.0.0';
  if (protocol === 'udp') {
    return new Promise((resolve, reject) => {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', reject);
      sock.bind({ address: host, port: 0 }, () => {
        const { port } = sock.address();
        sock.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host, port: 0 }, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Ports the engine's own records hold (netavark's DNAT rules bind nothing, so bind tests miss them). */
export type TakenPort = (hostIp: string, port: number, protocol: PortBinding['protocol']) => boolean;

/**
 * Concrete host ports for a container's published ports: a fixed port is checked (RUNTIME_PORT_IN_USE
 * when bound or published already), a range gets its first free port, an ephemeral one a free port
 * from the kernel.
 */
export async function resolvePorts(
  ports: readonly PortBinding[],
  taken: TakenPort,
): Promise<PortMappingRecord[]> {
  const out: PortMappingRecord[] = [];
  const mine: TakenPort = (ip, port, proto) =>
    taken(ip, port, proto) ||
    out.some(
      (p) => p.hostPort === port && p.protocol === proto && (p.hostIp === '' || ip === '' || p.hostIp === ip),
    );
  for (const p of ports) {
    const hostIp = netavarkHostIp(p.hostIp);
    const base = { hostIp, containerPort: p.target, protocol: p.protocol };
    const shown = `${hostIp || '0.0.0.0'}:${p.published ?? ''}`;
    if (p.published !== undefined && (p.publishedEnd === undefined || p.publishedEnd === p.published)) {
      if (mine(hostIp, p.published, p.protocol) || !(await portFree(hostIp, p.published, p.protocol))) {
        throw new RuntimeError('RUNTIME_PORT_IN_USE', `Bind for ${shown} failed: port is already allocated`, {
          hint: 'stop what uses the port or publish another one',
        });
      }
      out.push({ ...base, hostPort: p.published });
      continue;
    }
    if (p.published !== undefined && p.publishedEnd !== undefined) {
      let found: number | undefined;
      for (let port = p.published; port <= p.publishedEnd && found === undefined; port++) {
        if (!mine(hostIp, port, p.protocol) && (await portFree(hostIp, port, p.protocol))) found = port;
      }
      if (found === undefined) {
        throw new RuntimeError(
          'RUNTIME_PORT_IN_USE',
          `Bind for ${hostIp || '0.0.0.0'}:${p.published}-${p.publishedEnd} failed: every port of the range is allocated`,
        );
      }
      out.push({ ...base, hostPort: found });
      continue;
    }
    let found: number | undefined;
    for (let attempt = 0; attempt < 50 && found === undefined; attempt++) {
      const port = await kernelPort(hostIp, p.protocol === 'sctp' ? 'tcp' : p.protocol);
      if (port > 0 && !mine(hostIp, port, p.protocol)) found = port;
    }
    if (found === undefined) {
      throw new RuntimeError(
        'RUNTIME_PORT_IN_USE',
        `no free host port for container port ${p.target}/${p.protocol}`,
      );
    }
    out.push({ ...base, hostPort: found });
  }
  return out;
}
