/** netavark JSON generation, binary overrides, host port resolution (bind tests on 127.0.0.1 only). */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildNetavarkOptions,
  netavarkBinaries,
  netavarkHostIp,
  portFree,
  resolvePorts,
} from '../../../../src/engine/net/netavark.js';
import type { NetworkRecord } from '../../../../src/engine/net/records.js';

const NET: NetworkRecord = {
  id: 'a'.repeat(64),
  name: 'proj_default',
  driver: 'bridge',
  labels: {},
  internal: false,
  ipv6: false,
  dnsEnabled: true,
  subnets: [{ subnet: '10.89.7.0/24', gateway: '10.89.7.1' }],
  gateway: '10.89.7.1',
  bridge: 'bertha1b2c3d4',
  options: {},
  created: '2026-01-01T00:00:00.000Z',
  endpoints: {},
};

describe('buildNetavarkOptions', () => {
  it('builds netavark 1.4 NetworkOptions with aliases and dns_names', () => {
    expect(
      buildNetavarkOptions(NET, {
        containerId: 'c'.repeat(64),
        containerName: 'proj-web-1',
        ips: ['10.89.7.3'],
        aliases: ['web', 'proj-web-1', 'web'],
        interfaceName: 'eth0',
        ports: [{ hostIp: '127.0.0.1', containerPort: 8080, hostPort: 18080, protocol: 'tcp' }],
      }),
    ).toEqual({
      container_id: 'c'.repeat(64),
      container_name: 'proj-web-1',
      port_mappings: [
        { host_ip: '127.0.0.1', container_port: 8080, host_port: 18080, range: 1, protocol: 'tcp' },
      ],
      networks: {
        proj_default: {
          static_ips: ['10.89.7.3'],
          aliases: ['web'],
          dns_names: ['proj-web-1', 'web'],
          interface_name: 'eth0',
        },
      },
      network_info: {
        proj_default: {
          name: 'proj_default',
          id: 'a'.repeat(64),
          driver: 'bridge',
          network_interface: 'bertha1b2c3d4',
          subnets: [{ subnet: '10.89.7.0/24', gateway: '10.89.7.1' }],
          ipv6_enabled: false,
          internal: false,
          dns_enabled: true,
          ipam_options: { driver: 'host-local' },
        },
      },
    });
  });

  it('passes options, a static MAC, internal and IPv6 through', () => {
    const opts = buildNetavarkOptions(
      {
        ...NET,
        internal: true,
        ipv6: true,
        options: { mtu: '1400' },
        subnets: [...NET.subnets, { subnet: 'fd89::/64', gateway: 'fd89::1' }],
      },
      {
        containerId: 'c'.repeat(64),
        containerName: 'x',
        ips: ['10.89.7.3', 'fd89::2'],
        aliases: [],
        interfaceName: 'eth1',
        macAddress: '02:42:ac:11:00:02',
        ports: [],
      },
    );
    expect(opts.networks.proj_default).toMatchObject({
      static_mac: '02:42:ac:11:00:02',
      interface_name: 'eth1',
    });
    expect(opts.network_info.proj_default).toMatchObject({
      internal: true,
      ipv6_enabled: true,
      options: { mtu: '1400' },
      subnets: [
        { subnet: '10.89.7.0/24', gateway: '10.89.7.1' },
        { subnet: 'fd89::/64', gateway: 'fd89::1' },
      ],
    });
    expect(opts.port_mappings).toEqual([]);
  });
});

describe('binaries and host IPs', () => {
  it('uses Debian paths unless BERTH_NETAVARK / BERTH_AARDVARK_DNS say otherwise', () => {
    expect(netavarkBinaries('/run/x/netavark', {})).toEqual({
      netavark: '/usr/lib/podman/netavark',
      aardvarkDns: '/usr/lib/podman/aardvark-dns',
      configDir: '/run/x/netavark',
    });
    expect(
      netavarkBinaries('/c', { BERTH_NETAVARK: '/opt/nv', BERTH_AARDVARK_DNS: '/opt/ad' }),
    ).toMatchObject({
      netavark: '/opt/nv',
      aardvarkDns: '/opt/ad',
    });
  });

  it.each([
    [undefined, ''],
    ['0.0.0.0', ''],
    ['::', ''],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
  ])('host_ip of %j is %j', (ip, want) => {
    expect(netavarkHostIp(ip)).toBe(want);
  });
});

describe('resolvePorts (binds on 127.0.0.1)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const listen = (): Promise<number> =>
    new Promise((resolve) => {
      const s = createServer();
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
    });
  const nothingTaken = () => false;

  it('keeps a free fixed port and refuses a bound one', async () => {
    const bound = await listen();
    expect(await portFree('127.0.0.1', bound, 'tcp')).toBe(false);
    await expect(
      resolvePorts([{ target: 80, published: bound, hostIp: '127.0.0.1', protocol: 'tcp' }], nothingTaken),
    ).rejects.toMatchObject({
      code: 'RUNTIME_PORT_IN_USE',
      message: `Bind for 127.0.0.1:${bound} failed: port is already allocated`,
    });
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    expect(
      await resolvePorts(
        [{ target: 80, published: bound, hostIp: '127.0.0.1', protocol: 'tcp' }],
        nothingTaken,
      ),
    ).toEqual([{ hostIp: '127.0.0.1', containerPort: 80, hostPort: bound, protocol: 'tcp' }]);
  });

  it('refuses a port another container publishes (no socket holds it)', async () => {
    const port = await listen();
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    await expect(
      resolvePorts(
        [{ target: 80, published: port, protocol: 'tcp' }],
        (_ip, p, proto) => p === port && proto === 'tcp',
      ),
    ).rejects.toMatchObject({ code: 'RUNTIME_PORT_IN_USE' });
  });

  it('picks an ephemeral port that is free, distinct within one container', async () => {
    const got = await resolvePorts(
      [
        { target: 80, hostIp: '127.0.0.1', protocol: 'tcp' },
        { target: 81, hostIp: '127.0.0.1', protocol: 'tcp' },
        { target: 53, hostIp: '127.0.0.1', protocol: 'udp' },
      ],
      nothingTaken,
    );
    expect(got.map((p) => p.containerPort)).toEqual([80, 81, 53]);
    expect(got[0]!.hostPort).toBeGreaterThan(0);
    expect(got[0]!.hostPort).not.toBe(got[1]!.hostPort);
    expect(got[2]).toMatchObject({ protocol: 'udp', hostIp: '127.0.0.1' });
  });

  it('takes the first free port of a range, skipping bound and published ones', async () => {
    const bound = await listen();
    const start = bound - 1;
    const got = await resolvePorts(
      [{ target: 80, published: start, publishedEnd: start + 5, hostIp: '127.0.0.1', protocol: 'tcp' }],
      (_ip, p) => p === start,
    );
    // start is "published" by another container, start+1 is bound: start+2 unless something else holds it.
    expect(got[0]!.hostPort).toBeGreaterThan(bound);
    expect(got[0]!.hostPort).toBeLessThanOrEqual(start + 5);
  });

  it('fails when a whole range is taken', async () => {
    const bound = await listen();
    await expect(
      resolvePorts(
        [{ target: 80, published: bound, publishedEnd: bound, hostIp: '127.0.0.1', protocol: 'tcp' }],
        nothingTaken,
      ),
    ).rejects.toMatchObject({ code: 'RUNTIME_PORT_IN_USE' });
    await expect(
      resolvePorts(
        [{ target: 80, published: bound, publishedEnd: bound + 1, hostIp: '127.0.0.1', protocol: 'tcp' }],
        (_ip, p) => p === bound + 1,
      ),
    ).rejects.toMatchObject({
      code: 'RUNTIME_PORT_IN_USE',
      message: expect.stringContaining('every port of the range'),
    });
  });
});
