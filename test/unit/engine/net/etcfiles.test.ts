/** /etc/hosts and /etc/resolv.conf of built-in engine containers. */
import { describe, expect, it } from 'vitest';
import {
  hostsFile,
  parseExtraHost,
  parseResolvConf,
  resolvConf,
} from '../../../../src/engine/net/etcfiles.js';

const LOCALHOST = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];
const file = (...lines: string[]) => `${[...LOCALHOST, ...lines].join('\n')}\n`;

describe('hostsFile', () => {
  it('lists the container address with its hostname after the localhost lines', () => {
    expect(
      hostsFile({
        hostname: 'abc123',
        networks: { p_default: { ipAddress: '10.89.0.2', gateway: '10.89.0.1' } },
      }),
    ).toBe(file('10.89.0.2\tabc123'));
  });

  it('has only the localhost lines without a network', () => {
    expect(hostsFile({ hostname: 'abc123' })).toBe(file());
  });

  it('lists every address once, IPv6 too, with the domain name', () => {
    expect(
      hostsFile({
        hostname: 'web',
        domainname: 'example.org',
        networks: [
          { ipAddress: '10.89.0.2', ipv6Address: 'fd89::2', gateway: '10.89.0.1' },
          { ipAddress: '10.89.1.5', gateway: '10.89.1.1' },
          { ipAddress: '10.89.0.2' },
        ],
      }),
    ).toBe(
      file(
        '10.89.0.2\tweb.example.org web',
        'fd89::2\tweb.example.org web',
        '10.89.1.5\tweb.example.org web',
      ),
    );
  });

  it('adds extra_hosts before the own address, host-gateway meaning the first gateway', () => {
    expect(
      hostsFile({
        hostname: 'web',
        networks: {
          a: { ipAddress: '10.89.3.4', gateway: '10.89.3.1' },
          b: { ipAddress: '10.89.9.4', gateway: '10.89.9.1' },
        },
        extraHosts: [
          'somehost:162.242.195.82',
          'other=50.31.209.229',
          'v6host:[::1]',
          'host.docker.internal:host-gateway',
        ],
      }),
    ).toBe(
      file(
        '162.242.195.82\tsomehost',
        '50.31.209.229\tother',
        '::1\tv6host',
        '10.89.3.1\thost.docker.internal',
        '10.89.3.4\tweb',
        '10.89.9.4\tweb',
      ),
    );
  });

  it('uses an explicit host gateway, and fails without any', () => {
    expect(hostsFile({ hostname: 'h', extraHosts: ['gw:host-gateway'], hostGateway: '192.0.2.1' })).toBe(
      file('192.0.2.1\tgw'),
    );
    expect(() => hostsFile({ hostname: 'h', extraHosts: ['gw:host-gateway'] })).toThrow(
      /host-gateway needs a network/,
    );
  });

  it.each([
    ['a:1.2.3.4', { name: 'a', ip: '1.2.3.4' }],
    ['a=::1', { name: 'a', ip: '::1' }],
    ['a:::1', { name: 'a', ip: '::1' }],
    ['a:[fd00::5]', { name: 'a', ip: 'fd00::5' }],
  ])('parses extra host %s', (entry, want) => {
    expect(parseExtraHost(entry)).toEqual(want);
  });

  it('rejects an extra host without a name', () => {
    expect(() => parseExtraHost('1.2.3.4')).toThrow(/invalid extra_hosts entry/);
  });
});

describe('resolvConf', () => {
  const host =
    '# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\nsearch corp.example lan\noptions edns0 trust-ad\n';

  it('points at aardvark-dns on a DNS network, keeping the host search domains and options', () => {
    expect(resolvConf({ dnsServers: ['10.89.0.1'], dnsSearch: ['dns.podman'], hostResolvConf: host })).toBe(
      'search dns.podman corp.example lan\nnameserver 10.89.0.1\noptions edns0 trust-ad\n',
    );
  });

  it('adds compose dns / dns_search / dns_opt after the network DNS', () => {
    expect(
      resolvConf({
        dnsServers: ['10.89.0.1', '10.89.1.1'],
        dnsSearch: ['dns.podman'],
        dns: ['9.9.9.9'],
        dnsSearchUser: ['svc.local'],
        dnsOpt: ['ndots:2'],
        hostResolvConf: host,
      }),
    ).toBe(
      'search dns.podman svc.local\nnameserver 10.89.0.1\nnameserver 10.89.1.1\nnameserver 9.9.9.9\noptions ndots:2\n',
    );
  });

  it('uses the host servers minus loopback ones without network DNS', () => {
    expect(resolvConf({ hostResolvConf: host })).toBe(
      'search corp.example lan\nnameserver 192.0.2.53\noptions edns0 trust-ad\n',
    );
  });

  it('treats empty compose lists as not set', () => {
    expect(resolvConf({ dns: [], dnsSearchUser: [], dnsOpt: [], hostResolvConf: host })).toBe(
      'search corp.example lan\nnameserver 192.0.2.53\noptions edns0 trust-ad\n',
    );
  });

  it('falls back to public resolvers when the host has only loopback ones, like Docker', () => {
    expect(resolvConf({ hostResolvConf: 'nameserver 127.0.0.1\n' })).toBe(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
  });

  it('uses compose dns alone without network DNS, and dns_search "." clears the search list', () => {
    expect(resolvConf({ dns: ['1.1.1.1'], dnsSearchUser: ['.'], hostResolvConf: host })).toBe(
      'nameserver 1.1.1.1\noptions edns0 trust-ad\n',
    );
  });

  it('parses resolv.conf with comments and the last search line winning', () => {
    expect(
      parseResolvConf('nameserver 1.2.3.4 # x\nsearch a\nsearch b c\n; c\noptions ndots:1\noptions rotate\n'),
    ).toEqual({
      nameservers: ['1.2.3.4'],
      search: ['b', 'c'],
      options: ['ndots:1', 'rotate'],
    });
  });
});
