/** IPAM of the built-in engine: address parsing, subnet choice from pools, address allocation, host probes. */
import { describe, expect, it } from 'vitest';
import {
  allocateAddress,
  type Cidr,
  chooseSubnet,
  cidrOverlaps,
  DEFAULT_POOLS,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  parseIpAddrJson,
  parseIpRouteJson,
  planSubnets,
} from '../../../../src/engine/net/ipam.js';

const cidrs = (...xs: string[]): Cidr[] => xs.map(parseCidr);

describe('address parsing', () => {
  it.each([
    ['10.89.0.1', '10.89.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['fd00::1', 'fd00::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s round-trips as %s', (text, formatted) => {
    const ip = parseIp(text);
    expect(formatIp(ip.family, ip.addr)).toBe(formatted);
  });

  it.each(['10.0.0', '10.0.0.256', 'fd00:::1', 'host', ''])('rejects %j', (text) => {
    expect(() => parseIp(text)).toThrow(/invalid IP address/);
  });

  it.each([
    ['10.89.3.7/24', '10.89.3.0/24'],
    ['172.17.0.0/16', '172.17.0.0/16'],
    ['10.0.0.5', '10.0.0.5/32'],
    ['fd89:b347:1a3c:5::9/64', 'fd89:b347:1a3c:5::/64'],
    ['fe80::1', 'fe80::1/128'],
  ])('normalizes %s to %s', (text, normalized) => {
    expect(formatCidr(parseCidr(text))).toBe(normalized);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/x', 'fd00::/129'])('rejects the prefix %s', (text) => {
    expect(() => parseCidr(text)).toThrow(/invalid subnet/);
  });

  it.each([
    ['10.0.0.0/8', '10.89.0.0/24', true],
    ['10.89.0.0/24', '10.89.1.0/24', false],
    ['10.89.0.0/23', '10.89.1.0/24', true],
    ['172.17.0.0/16', '172.17.255.0/24', true],
    ['10.0.0.0/8', 'fd00::/8', false],
    ['10.89.0.5/32', '10.89.0.0/24', true],
  ])('%s overlaps %s: %s', (a, b, want) => {
    expect(cidrOverlaps(parseCidr(a), parseCidr(b))).toBe(want);
    expect(cidrOverlaps(parseCidr(b), parseCidr(a))).toBe(want);
  });
});

describe('chooseSubnet', () => {
  it.each([
    ['nothing used', [], '10.89.0.0/24'],
    ['the first /24 routed', ['10.89.0.0/24'], '10.89.1.0/24'],
    ['a host address inside the first two', ['10.89.0.7/32', '10.89.1.0/25'], '10.89.2.0/24'],
    ['a wide route over the whole 10.89/16', ['10.0.0.0/8'], '172.29.0.0/24'],
    ['10.89/16 and 172.29/16 taken', ['10.89.0.0/16', '172.29.0.0/16'], '172.30.0.0/24'],
    ['docker0 172.17/16 (not in the pools)', ['172.17.0.0/16'], '10.89.0.0/24'],
  ])('with %s picks %s', (_what, used, want) => {
    expect(formatCidr(chooseSubnet(DEFAULT_POOLS, cidrs(...used))!)).toBe(want);
  });

  it('returns undefined when every pool is exhausted', () => {
    expect(chooseSubnet(DEFAULT_POOLS, cidrs('10.0.0.0/8', '172.16.0.0/12'))).toBeUndefined();
  });

  it('skips a pool that overlaps a host route as a whole', () => {
    const pools = [
      { base: '172.17.0.0/16', size: 24 },
      { base: '10.150.0.0/16', size: 24 },
    ];
    expect(formatCidr(chooseSubnet(pools, cidrs('172.17.0.0/16'))!)).toBe('10.150.0.0/24');
  });
});

describe('planSubnets', () => {
  const none = { taken: [], hostUsed: [] };

  it('picks a pool subnet with .1 as gateway', () => {
    expect(planSubnets({}, { taken: cidrs('10.89.0.0/24'), hostUsed: cidrs('10.89.1.0/24') })).toEqual([
      { subnet: '10.89.2.0/24', gateway: '10.89.2.1' },
    ]);
  });

  it('adds an IPv6 subnet for enable_ipv6', () => {
    expect(planSubnets({ enableIPv6: true }, none)).toEqual([
      { subnet: '10.89.0.0/24', gateway: '10.89.0.1' },
      { subnet: 'fd89:b347:1a3c::/64', gateway: 'fd89:b347:1a3c::1' },
    ]);
  });

  it('takes a configured subnet, gateway, ip_range and aux addresses as given', () => {
    expect(
      planSubnets(
        {
          config: [
            {
              subnet: '192.168.77.0/24',
              gateway: '192.168.77.254',
              ipRange: '192.168.77.128/25',
              auxAddresses: { a: '192.168.77.130' },
            },
          ],
        },
        { taken: [], hostUsed: cidrs('192.168.77.0/24') },
      ),
    ).toEqual([
      {
        subnet: '192.168.77.0/24',
        gateway: '192.168.77.254',
        ipRange: '192.168.77.128/25',
        auxAddresses: ['192.168.77.130'],
      },
    ]);
  });

  it('keeps an IPv6-only config IPv6-only', () => {
    expect(planSubnets({ config: [{ subnet: 'fd12::/64' }], enableIPv6: true }, none)).toEqual([
      { subnet: 'fd12::/64', gateway: 'fd12::1' },
    ]);
  });

  it('refuses a configured subnet overlapping another berth network', () => {
    expect(() =>
      planSubnets({ config: [{ subnet: '10.89.0.0/16' }] }, { taken: cidrs('10.89.5.0/24'), hostUsed: [] }),
    ).toThrow(/Pool overlaps with other one on this address space/);
  });

  it.each([
    [{ subnet: '10.1.0.0/24', gateway: '10.2.0.1' }, /gateway 10.2.0.1 is not in subnet/],
    [{ subnet: '10.1.0.0/24', ipRange: '10.1.1.0/25' }, /ip_range 10.1.1.0\/25 is not inside/],
    [{ gateway: '10.1.0.1' }, /needs a subnet/],
  ])('rejects %j', (cfg, message) => {
    expect(() => planSubnets({ config: [cfg] }, none)).toThrow(message);
  });

  it('says so when the pools are exhausted', () => {
    expect(() => planSubnets({}, { taken: [], hostUsed: cidrs('10.0.0.0/8', '172.16.0.0/12') })).toThrow(
      /no free IPv4 subnet/,
    );
  });
});

describe('allocateAddress', () => {
  const sub = { subnet: '10.89.0.0/24', gateway: '10.89.0.1' };

  it.each([
    ['an empty network', [], '10.89.0.2'],
    ['.2 and .3 taken', ['10.89.0.2', '10.89.0.3'], '10.89.0.4'],
    ['a hole at .3', ['10.89.0.2', '10.89.0.4'], '10.89.0.3'],
    ['other-family addresses ignored', ['fd00::2'], '10.89.0.2'],
  ])('in %s gives %s', (_what, used, want) => {
    expect(allocateAddress(sub, used)).toBe(want);
  });

  it('never hands out the gateway, the network address, the broadcast or aux addresses', () => {
    const small = { subnet: '10.9.0.0/29', gateway: '10.9.0.6', auxAddresses: ['10.9.0.1'] };
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(allocateAddress(small, got));
    expect(got).toEqual(['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5']);
    expect(() => allocateAddress(small, got)).toThrow(/no free address left in subnet 10.9.0.0\/29/);
  });

  it('allocates inside ip_range', () => {
    expect(allocateAddress({ ...sub, ipRange: '10.89.0.128/25' }, ['10.89.0.128'])).toBe('10.89.0.129');
  });

  it('honours a requested address and refuses a taken or foreign one', () => {
    expect(allocateAddress(sub, ['10.89.0.2'], '10.89.0.50')).toBe('10.89.0.50');
    expect(() => allocateAddress(sub, ['10.89.0.50'], '10.89.0.50')).toThrow(/Address already in use/);
    expect(() => allocateAddress(sub, [], '10.89.0.1')).toThrow(/Address already in use/);
    expect(() => allocateAddress(sub, [], '10.90.0.5')).toThrow(/not a usable address/);
    expect(() => allocateAddress(sub, [], '10.89.0.255')).toThrow(/not a usable address/);
  });

  it('allocates IPv6 after the gateway', () => {
    expect(allocateAddress({ subnet: 'fd89::/64', gateway: 'fd89::1' }, ['fd89::2'])).toBe('fd89::3');
  });
});

describe('host probes', () => {
  it('reads prefixes from ip -j route, skipping the default route', () => {
    const json = JSON.stringify([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '172.17.0.0/16', dev: 'docker0' },
      { dst: '192.0.2.0/24', dev: 'eth0' },
      { dst: '10.1.2.3', dev: 'tun0' },
      { type: 'multicast', dst: 'ff00::/8', dev: 'eth0' },
      { type: 'blackhole', dst: '10.200.0.0/16' },
    ]);
    expect(parseIpRouteJson(json).map(formatCidr)).toEqual([
      '172.17.0.0/16',
      '192.0.2.0/24',
      '10.1.2.3/32',
      '10.200.0.0/16',
    ]);
    expect(parseIpRouteJson('')).toEqual([]);
  });

  it('reads interface prefixes from ip -j addr, without IPv6 link-local', () => {
    const json = JSON.stringify([
      {
        ifname: 'lo',
        addr_info: [
          { local: '127.0.0.1', prefixlen: 8 },
          { local: '::1', prefixlen: 128 },
        ],
      },
      {
        ifname: 'eth0',
        addr_info: [
          { local: '192.0.2.2', prefixlen: 24 },
          { local: 'fe80::1', prefixlen: 64 },
        ],
      },
      { ifname: 'dummy0' },
    ]);
    expect(parseIpAddrJson(json).map(formatCidr)).toEqual(['127.0.0.0/8', '::1/128', '192.0.2.0/24']);
  });
});
