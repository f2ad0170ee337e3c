/**
 * `port`: which container compose picks (running, lowest number unless --index, one-off last), the
 * binding it prints, and compose's errors.
 */
import { describe, expect, it } from 'vitest';
import { parsePrivatePort } from '../../../src/cli/commands/port.js';
import type { ContainerInfo } from '../../../src/runtime/runtime.js';
import { findBinding, pickContainer, port } from '../../../src/verbs/port.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

function c(
  service: string,
  n: number | undefined,
  ports: ContainerInfo['ports'],
  extra: Partial<ContainerInfo> & { oneOff?: boolean } = {},
): ContainerInfo {
  const { oneOff, ...rest } = extra;
  return {
    id: `${service}-${n ?? 'run'}`,
    name: `p-${service}-${n ?? 'run-abc'}`,
    image: 'img',
    labels: {
      'com.docker.compose.project': 'p',
      'com.docker.compose.service': service,
      'com.docker.compose.oneoff': oneOff ? 'True' : 'False',
      ...(n === undefined ? {} : { 'com.docker.compose.container-number': String(n) }),
    },
    state: 'running',
    status: 'Up',
    created: new Date(0).toISOString(),
    ports,
    networks: {},
    ...rest,
  };
}

const web = (n: number, published: number) =>
  c('web', n, [
    { target: 80, published, hostIp: '127.0.0.1', protocol: 'tcp' },
    { target: 53, published: published + 1000, hostIp: '0.0.0.0', protocol: 'udp' },
    { target: 9000, protocol: 'tcp' },
  ]);

describe('pickContainer', () => {
  it('takes the lowest container number, one-off containers last', () => {
    const oneOff = c('web', undefined, [], { oneOff: true });
    expect(pickContainer([web(3, 1), oneOff, web(2, 2)])?.name).toBe('p-web-2');
    expect(pickContainer([oneOff])?.name).toBe('p-web-run-abc');
    expect(pickContainer([])).toBeUndefined();
  });
});

describe('findBinding', () => {
  it('finds the published binding of the port and protocol', () => {
    expect(findBinding(web(1, 49153), 80, 'tcp')).toEqual({ ip: '127.0.0.1', port: 49153 });
    expect(findBinding(web(1, 49153), 53, 'udp')).toEqual({ ip: '0.0.0.0', port: 50153 });
  });

  it("fails as compose does, listing the container's ports", () => {
    expect(() => findBinding(web(1, 49153), 53, 'tcp')).toThrow(
      'no port 53/tcp for container p-web-1: 80/tcp, 53/udp, 9000/tcp',
    );
    // Exposed but not published: no public address.
    expect(() => findBinding(web(1, 49153), 9000, 'tcp')).toThrow('no port 9000/tcp');
  });
});

describe('port (verb)', () => {
  const runtime = () =>
    new FakeRuntime({
      containers: [web(1, 49153), web(2, 49154), { ...web(3, 49155), state: 'exited' }, c('db', 1, [])],
    });

  it('answers for the first replica, or the one --index names', async () => {
    expect(await port('p', 'web', 80, { runtime: runtime() })).toEqual({ ip: '127.0.0.1', port: 49153 });
    expect(await port('p', 'web', 80, { runtime: runtime(), index: 2 })).toEqual({
      ip: '127.0.0.1',
      port: 49154,
    });
    expect(await port('p', 'web', 53, { runtime: runtime(), protocol: 'UDP' })).toEqual({
      ip: '0.0.0.0',
      port: 50153,
    });
  });

  it('fails when the service (or that replica) has no running container', async () => {
    await expect(port('p', 'nope', 80, { runtime: runtime() })).rejects.toThrow(
      'service "nope" is not running',
    );
    await expect(port('p', 'web', 80, { runtime: runtime(), index: 3 })).rejects.toThrow(
      'service "web" is not running container #3',
    );
    await expect(port('p', 'db', 80, { runtime: runtime() })).rejects.toMatchObject({
      code: 'RUNTIME_NOT_FOUND',
    });
  });
});

describe('parsePrivatePort', () => {
  it('accepts an unsigned 16-bit decimal only', () => {
    expect(parsePrivatePort('80')).toBe(80);
    expect(parsePrivatePort('65535')).toBe(65535);
    expect(parsePrivatePort('65536')).toBeUndefined();
    expect(parsePrivatePort('-1')).toBeUndefined();
    expect(parsePrivatePort('80/tcp')).toBeUndefined();
    expect(parsePrivatePort('')).toBeUndefined();
  });
});
