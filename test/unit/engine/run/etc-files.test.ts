import { describe, expect, it } from 'vitest';
import { defaultHosts, hostResolvConf } from '../../../../src/engine/run/etc-files.js';
import type { ContainerSpec } from '../../../../src/runtime/runtime.js';

const spec = (extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: 'c',
  image: 'i',
  env: {},
  labels: {},
  mounts: [],
  ports: [],
  networks: {},
  ...extra,
});
const proc = {
  args: ['sh'],
  env: [],
  cwd: '/',
  user: '',
  stopSignal: 'SIGTERM',
  stopTimeoutSeconds: 10,
  tty: false,
};

describe('defaultHosts', () => {
  it('localhost lines, the container’s names, extra hosts in both forms', () => {
    const text = defaultHosts({
      process: { ...proc, hostname: 'web', domainname: 'example.org' },
      spec: spec({ extraHosts: ['db:10.0.0.5', 'v6=[::1]', 'gw:::2'] }),
    });
    expect(text.split('\n')).toEqual([
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'ff00::0\tip6-mcastprefix',
      'ff02::1\tip6-allnodes',
      'ff02::2\tip6-allrouters',
      '127.0.1.1\tweb web.example.org',
      '10.0.0.5\tdb',
      '::1\tv6',
      '::2\tgw',
      '',
    ]);
  });
});

describe('hostResolvConf', () => {
  const host =
    '# generated\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nnameserver ::1\nsearch corp.example\noptions edns0\n';
  it.each<[string, Partial<ContainerSpec>, string]>([
    ['drops loopback servers', {}, '# generated\nnameserver 10.1.1.1\nsearch corp.example\noptions edns0\n'],
    [
      'dns replaces the servers',
      { dns: ['9.9.9.9'] },
      '# generated\nsearch corp.example\noptions edns0\nnameserver 9.9.9.9\n',
    ],
    [
      'dns_search and dns_opt replace theirs',
      { dnsSearch: ['a.b'], dnsOpt: ['ndots:2'] },
      '# generated\nnameserver 10.1.1.1\nsearch a.b\noptions ndots:2\n',
    ],
  ])('%s', (_, s, expected) => {
    expect(hostResolvConf(host, spec(s))).toBe(expected);
  });
  it('empty host file gives an empty file', () => {
    expect(hostResolvConf('nameserver 127.0.0.1\n', spec())).toBe('');
  });
});
