/**
 * Network records without netavark: create/list/inspect/remove, Docker-like errors, driver options,
 * label filters, and concurrent creates from two handles on one root (the lock keeps subnets apart).
 * The host probe is replaced by a fixed list, so nothing here depends on the machine's routes.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { networkHooks } from '../../../../src/engine/net/hooks.js';
import { parseCidr } from '../../../../src/engine/net/ipam.js';
import { netnsName, netnsPath } from '../../../../src/engine/net/netns.js';
import { bridgeOptions, matches, Networks } from '../../../../src/engine/net/networks.js';
import { type EnginePaths, enginePaths } from '../../../../src/engine/paths.js';
import type { ContainerHooks } from '../../../../src/engine/run/types.js';
import type { ListFilter } from '../../../../src/runtime/runtime.js';

let dir: string;
let paths: EnginePaths;
let claimsDir: string;
const probeHost = async () => [parseCidr('10.89.0.0/24'), parseCidr('172.17.0.0/16')];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-net-unit-'));
  paths = enginePaths({ root: join(dir, 'root'), runRoot: join(dir, 'run') });
  claimsDir = join(dir, 'claims');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Networks records', () => {
  it('creates a bridge network on the first free pool subnet and stores its record', async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    const net = await nets.create({ name: 'p_default', labels: { 'com.docker.compose.project': 'p' } });
    expect(net).toMatchObject({
      name: 'p_default',
      driver: 'bridge',
      internal: false,
      ipv6: false,
      dnsEnabled: true,
      containers: [],
      subnets: [{ subnet: '10.89.1.0/24', gateway: '10.89.1.1' }],
      gateway: '10.89.1.1',
      labels: { 'com.docker.compose.project': 'p' },
    });
    expect(net.id).toMatch(/^[0-9a-f]{64}$/);
    expect(net.bridge).toBe(`berth${net.id.slice(0, 8)}`);
    const stored = JSON.parse(await readFile(join(paths.networks, `${net.id}.json`), 'utf8'));
    expect(stored).toMatchObject({ id: net.id, name: 'p_default', endpoints: {}, bridge: net.bridge });
    expect(await readdir(paths.locks)).toContain('networks.lock');
  });

  it('skips subnets of its own networks and keeps configured ones', async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    const a = await nets.create({ name: 'a', labels: {} });
    const b = await nets.create({
      name: 'b',
      labels: {},
      internal: true,
      ipam: { config: [{ subnet: '192.168.50.0/24', gateway: '192.168.50.254' }] },
    });
    const c = await nets.create({ name: 'c', labels: {} });
    expect([a, b, c].map((n) => n.subnets[0]!.subnet)).toEqual([
      '10.89.1.0/24',
      '192.168.50.0/24',
      '10.89.2.0/24',
    ]);
    expect(b).toMatchObject({ internal: true, gateway: '192.168.50.254' });
    await expect(
      nets.create({ name: 'd', labels: {}, ipam: { config: [{ subnet: '192.168.50.128/25' }] } }),
    ).rejects.toMatchObject({ code: 'RUNTIME_CONFLICT' });
  });

  it('gives concurrent creates from two handles distinct subnets and ids', async () => {
    const one = await Networks.open({ paths, probeHost, claimsDir });
    const two = await Networks.open({ paths, probeHost, claimsDir });
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).create({ name: `n${i}`, labels: {} })),
    );
    expect(new Set(made.map((n) => n.subnets[0]!.subnet)).size).toBe(6);
    expect(new Set(made.map((n) => n.bridge)).size).toBe(6);
    expect((await one.list()).map((n) => n.name)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  });

  it('keeps subnets apart across roots through host-wide claims, and takes over stale claims', async () => {
    const other = enginePaths({ root: join(dir, 'root2'), runRoot: join(dir, 'run2') });
    const one = await Networks.open({ paths, probeHost, claimsDir });
    const two = await Networks.open({ paths: other, probeHost, claimsDir });
    const a = await one.create({ name: 'a', labels: {} });
    const b = await two.create({ name: 'b', labels: {} });
    expect([a.subnets[0]!.subnet, b.subnets[0]!.subnet]).toEqual(['10.89.1.0/24', '10.89.2.0/24']);
    expect((await readdir(claimsDir)).filter((n) => !n.startsWith('.')).sort()).toEqual([
      '10.89.1.0_24',
      '10.89.2.0_24',
    ]);
    await expect(
      two.create({ name: 'c', labels: {}, ipam: { config: [{ subnet: '10.89.1.0/24' }] } }),
    ).rejects.toMatchObject({ code: 'RUNTIME_CONFLICT' });
    // Root one vanishes without removing its network: its claim is stale and reused.
    await rm(paths.root, { recursive: true, force: true });
    const c = await two.create({ name: 'c', labels: {} });
    expect(c.subnets[0]!.subnet).toBe('10.89.1.0/24');
    await two.remove('b');
    await two.remove('c');
    expect((await readdir(claimsDir)).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('answers Docker-like errors for a taken name, an unknown network and unsupported drivers', async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    await nets.create({ name: 'x', labels: {} });
    await expect(nets.create({ name: 'x', labels: {} })).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
      message: 'network with name x already exists',
    });
    await expect(nets.inspect('nope')).rejects.toMatchObject({
      code: 'RUNTIME_NOT_FOUND',
      message: 'network nope not found',
    });
    await expect(nets.remove('nope')).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    await expect(nets.create({ name: 'o', driver: 'overlay', labels: {} })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    await expect(nets.create({ name: 'o', labels: {}, ipam: { driver: 'dhcp' } })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });

  it('finds by name, id and id prefix; removes', async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    const net = await nets.create({ name: 'findme', labels: {} });
    expect((await nets.inspect('findme')).id).toBe(net.id);
    expect((await nets.inspect(net.id)).name).toBe('findme');
    expect((await nets.inspect(net.id.slice(0, 5))).name).toBe('findme');
    expect((await nets.record('findme')).bridge).toBe(net.bridge);
    await nets.remove(net.id.slice(0, 12));
    expect(await nets.list()).toEqual([]);
    await expect(nets.inspect('findme')).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
  });

  it('filters by labels and names like the Runtime ListFilter', async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    await nets.create({ name: 'p_front', labels: { 'com.docker.compose.project': 'p', tier: 'front' } });
    await nets.create({ name: 'p_back', labels: { 'com.docker.compose.project': 'p' } });
    await nets.create({ name: 'q_default', labels: { 'com.docker.compose.project': 'q' } });
    const names = async (f: Parameters<Networks['list']>[0]) => (await nets.list(f)).map((n) => n.name);
    expect(await names({ labels: { 'com.docker.compose.project': 'p' } })).toEqual(['p_back', 'p_front']);
    expect(await names({ labels: { tier: true } })).toEqual(['p_front']);
    expect(await names({ names: ['q_default', 'zzz'] })).toEqual(['q_default']);
    expect(await names({ names: ['p_back'], labels: { tier: true } })).toEqual([]);
  });

  it('lets detach of an unknown container be a no-op', async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    await nets.create({ name: 'n', labels: {} });
    await nets.detach({ containerId: 'f'.repeat(64) });
    await nets.detach({ containerId: 'f'.repeat(64), networks: ['n', 'unknown'] });
    expect(await nets.endpointsOf('f'.repeat(64))).toEqual({});
  });
});

describe('networkHooks', () => {
  it("fits engine/run's ContainerHooks (checked by tsc) and needs no netns to be built", async () => {
    const nets = await Networks.open({ paths, probeHost, claimsDir });
    const hooks: Required<Pick<ContainerHooks, 'networkUp' | 'networkDown'>> = networkHooks(nets);
    expect(Object.keys(hooks).sort()).toEqual(['networkDown', 'networkUp']);
  });
});

describe('helpers', () => {
  it('maps driver options to netavark bridge options', () => {
    expect(
      bridgeOptions({
        'com.docker.network.driver.mtu': '1400',
        'com.docker.network.bridge.name': 'mybr0',
        'com.docker.network.bridge.enable_icc': 'true',
        isolate: 'true',
      }),
    ).toEqual({ options: { mtu: '1400', isolate: 'true' }, bridgeName: 'mybr0' });
    expect(() => bridgeOptions({ foo: 'bar' })).toThrow(/network driver option "foo" is not supported/);
    expect(() => bridgeOptions({ 'com.docker.network.bridge.name': 'a-very-long-bridge-name' })).toThrow(
      /invalid bridge name/,
    );
  });

  it.each<[ListFilter, boolean]>([
    [{}, true],
    [{ labels: { a: '1' } }, true],
    [{ labels: { a: '2' } }, false],
    [{ labels: { a: true, b: true } }, false],
    [{ names: ['n'] }, true],
    [{ names: ['m'] }, false],
  ])('matches %j: %s', (filter, want) => {
    expect(matches({ name: 'n', labels: { a: '1' } }, filter)).toBe(want);
  });

  it('names netns after the first 12 hex of the container id', () => {
    const id = '0123456789abcdef'.repeat(4);
    expect(netnsName(id)).toBe('berth-0123456789ab');
    expect(netnsPath(id)).toBe('/run/netns/berth-0123456789ab');
  });
});
