/**
 * The built-in engine's networks for real, as root, in the host network namespace next to the
 * running dockerd (Docker's `FORWARD DROP` policy and br_netfilter are live here, as on users'
 * machines): netavark creates the bridges and firewall rules, aardvark-dns answers names.
 *
 * "Containers" are bare netns (`ip netns add berth-<id12>`) with busybox processes started by PID:
 * what the network layer sees of a container. Traffic goes only to 127.0.0.1 and to addresses of the
 * networks created here. aardvark-dns forwards names it does not know to the host's resolvers, so
 * netavark runs (through BERTH_NETAVARK) in a private mount namespace whose /etc/resolv.conf points
 * at 127.0.0.1: nothing can leak upstream.
 *
 * Everything (endpoints, netns, bridges, aardvark-dns, temp dirs) is removed in afterAll even when a
 * test failed, and the last test checks that nothing is left: no bridge, no route, no firewall rule
 * mentioning our subnets, no aardvark-dns.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLAIMS_DIR } from '../../src/engine/net/claims.js';
import { resolvConf } from '../../src/engine/net/etcfiles.js';
import { removeIntraBridge } from '../../src/engine/net/firewall.js';
import { networkHooks } from '../../src/engine/net/hooks.js';
import { cidrOverlaps, parseCidr } from '../../src/engine/net/ipam.js';
import { netnsName } from '../../src/engine/net/netns.js';
import { type AttachResult, Networks } from '../../src/engine/net/networks.js';
import { type EnginePaths, enginePaths } from '../../src/engine/paths.js';
import { httpBody } from '../support/net.js';

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';
const PROJECT = `berth-test-${randomBytes(4).toString('hex')}`;
// A private /16 for this run (others' tests may use the default pool at the same time); the first
// pool is docker0's 172.17/16, which must be skipped entirely because the host routes it.
const OCTET = 150 + Math.floor(Math.random() * 100);
const POOLS = [
  { base: '172.17.0.0/16', size: 24 },
  { base: `10.${OCTET}.0.0/16`, size: 24 },
];

const newId = () => randomBytes(32).toString('hex');
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

let dir: string;
let paths: EnginePaths;
let paths2: EnginePaths;
let nets: Networks;
let nets2: Networks;
let hooks2: ReturnType<typeof networkHooks>;
const env: NodeJS.ProcessEnv = {};
const containers: Record<string, string> = { a: newId(), b: newId(), c: newId() };
const netns: Record<string, string> = {};
const children: ChildProcess[] = [];
const subnets: string[] = [];
const bridges: string[] = [];
const internalNets: Array<{ bridge: string; id: string }> = [];
let resA: AttachResult;
let resB: AttachResult;
let published = 0;

/** Runs a command in a container netns with /etc/resolv.conf replaced (mount ns of `ip netns exec`). */
async function inNetns(
  ns: string,
  resolv: string | undefined,
  argv: string[],
): Promise<{ stdout: string; stderr: string }> {
  const conf = join(dir, `resolv-${randomBytes(4).toString('hex')}.conf`);
  await writeFile(conf, resolv ?? 'nameserver 127.0.0.1\n');
  // `ip netns exec` makes a slave mount namespace: the bind mount stays inside it.
  return run(
    'ip',
    [
      'netns',
      'exec',
      ns,
      BUSYBOX,
      'sh',
      '-c',
      'mount --bind "$0" /etc/resolv.conf && exec timeout 10 "$@"',
      conf,
      ...argv,
    ],
    { timeout: 20_000 },
  );
}

/**
 * `nslookup name server` in a netns until it answers: netavark reloads aardvark-dns with SIGHUP and
 * returns without waiting, so a name attached a moment ago can take a while to appear.
 */
async function lookup(ns: string, name: string, server: string, type?: string): Promise<string> {
  const argv = [BUSYBOX, 'nslookup', ...(type ? [`-type=${type}`] : []), name, server];
  let last: unknown;
  for (let i = 0; i < 20; i++) {
    try {
      return (await inNetns(ns, undefined, argv)).stdout;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw last;
}

async function aardvarkPid(p: EnginePaths): Promise<number | undefined> {
  try {
    return Number((await readFile(join(p.netavark, 'aardvark-dns', 'aardvark.pid'), 'utf8')).trim());
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-engine-net-'));
  paths = enginePaths({ root: join(dir, 'root'), runRoot: join(dir, 'run') });
  paths2 = enginePaths({ root: join(dir, 'root2'), runRoot: join(dir, 'run2') });
  // netavark (and the aardvark-dns it starts) see a resolv.conf naming only 127.0.0.1.
  await writeFile(join(dir, 'upstream.conf'), 'nameserver 127.0.0.1\n');
  const wrapper = join(dir, 'netavark-sandboxed');
  await writeFile(
    wrapper,
    `#!/bin/sh\nexec unshare -m --propagation private sh -c 'mount --bind "$0" /etc/resolv.conf && exec /usr/lib/podman/netavark "$@"' '${join(dir, 'upstream.conf')}' "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  env.BERTH_NETAVARK = wrapper;
  nets = await Networks.open({ paths, pools: { v4: POOLS }, env });
  // nets2 is another root with its own claims: only host routes can tell it what nets uses.
  nets2 = await Networks.open({ paths: paths2, pools: { v4: POOLS }, env, claimsDir: join(dir, 'claims2') });
  hooks2 = networkHooks(nets2, { hostResolvConf: async () => '' });
});

function stopChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

afterAll(async () => {
  stopChildren();
  for (const id of Object.values(containers)) {
    await nets?.detach({ containerId: id }).catch(() => undefined);
    await nets2?.detach({ containerId: id }).catch(() => undefined);
    await nets?.removeNetns(id).catch(() => undefined);
  }
  for (const n of [nets, nets2]) {
    for (const net of (await n?.list().catch(() => [])) ?? []) await n.remove(net.id).catch(() => undefined);
  }
  // Belt and braces: only objects this run created (bridge names from our records, aardvark from our runRoot).
  for (const br of bridges) {
    if (await exists(`/sys/class/net/${br}`)) await run('ip', ['link', 'del', br]).catch(() => undefined);
  }
  for (const n of internalNets) await removeIntraBridge(n.bridge, n.id).catch(() => undefined);
  for (const p of [paths, paths2]) {
    const pid = p && (await aardvarkPid(p));
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('built-in engine networks (netavark + aardvark-dns, host netns)', () => {
  it('creates a network on a subnet no host route uses, and finds it by name, id prefix and label', async () => {
    const net = await nets.create({
      name: `${PROJECT}_default`,
      labels: { 'com.docker.compose.project': PROJECT, 'com.docker.compose.network': 'default' },
    });
    expect(net.id).toMatch(/^[0-9a-f]{64}$/);
    expect(net.bridge).toMatch(/^berth[0-9a-f]{8}$/);
    bridges.push(net.bridge);
    subnets.push(net.subnets[0]!.subnet);
    // docker0's 172.17/16 is routed on this host: the whole first pool is skipped.
    expect(net.subnets).toEqual([{ subnet: `10.${OCTET}.0.0/24`, gateway: `10.${OCTET}.0.1` }]);
    expect(cidrOverlaps(parseCidr(net.subnets[0]!.subnet), parseCidr('172.17.0.0/16'))).toBe(false);
    // Claimed host-wide, so other berth roots skip it even before its bridge exists.
    const claim = JSON.parse(await readFile(join(DEFAULT_CLAIMS_DIR, `10.${OCTET}.0.0_24`), 'utf8'));
    expect(claim).toEqual({ record: join(paths.networks, `${net.id}.json`), subnet: `10.${OCTET}.0.0/24` });

    expect((await nets.inspect(net.id.slice(0, 12))).name).toBe(`${PROJECT}_default`);
    expect((await nets.list({ labels: { 'com.docker.compose.project': PROJECT } })).map((n) => n.id)).toEqual(
      [net.id],
    );
    expect(await nets.list({ labels: { 'com.docker.compose.project': 'other' } })).toEqual([]);
    await expect(nets.create({ name: `${PROJECT}_default`, labels: {} })).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
      message: `network with name ${PROJECT}_default already exists`,
    });
    await expect(nets.inspect(`${PROJECT}_nope`)).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
  });

  it('attaches two netns with aliases and an ephemeral published port', async () => {
    const name = `${PROJECT}_default`;
    netns.a = await nets.createNetns(containers.a);
    netns.b = await nets.createNetns(containers.b);
    expect(netns.a).toBe(`/run/netns/${netnsName(containers.a)}`);
    expect(await nets.createNetns(containers.a)).toBe(netns.a); // idempotent

    resB = await nets.attach({
      containerId: containers.b,
      containerName: `${PROJECT}-web-1`,
      netnsPath: netns.b!,
      networks: { [name]: { aliases: ['web', 'web-alias'] } },
      ports: [{ target: 8080, hostIp: '127.0.0.1', protocol: 'tcp' }],
    });
    resA = await nets.attach({
      containerId: containers.a,
      containerName: `${PROJECT}-client-1`,
      netnsPath: netns.a!,
      networks: { [name]: { aliases: ['client'] } },
      ports: [],
    });
    const b = resB.networks[name]!;
    expect(b).toMatchObject({ ipAddress: `10.${OCTET}.0.2`, prefixLen: 24, gateway: `10.${OCTET}.0.1` });
    expect(b.macAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(resA.networks[name]!.ipAddress).toBe(`10.${OCTET}.0.3`);
    expect(resA.dnsServers).toEqual([`10.${OCTET}.0.1`]);
    expect(resA.dnsSearch).toEqual(['dns.podman']);
    expect(resB.ports).toHaveLength(1);
    published = resB.ports[0]!.published;
    expect(published).toBeGreaterThan(0);
    expect(resB.ports[0]).toMatchObject({ target: 8080, hostIp: '127.0.0.1', protocol: 'tcp' });

    // Attaching again is a no-op that reports the same endpoint and port.
    const again = await nets.attach({
      containerId: containers.b,
      containerName: `${PROJECT}-web-1`,
      netnsPath: netns.b!,
      networks: { [name]: { aliases: ['web', 'web-alias'] } },
      ports: [{ target: 8080, hostIp: '127.0.0.1', protocol: 'tcp' }],
    });
    expect(again.networks[name]!.ipAddress).toBe(b.ipAddress);
    expect(again.ports).toEqual(resB.ports);

    const { stdout } = await run('ip', ['-n', netnsName(containers.a), '-j', 'addr', 'show', 'eth0']);
    expect(stdout).toContain(`10.${OCTET}.0.3`);
    expect((await nets.inspect(name)).containers.sort()).toEqual([containers.a, containers.b].sort());
  });

  it('resolves aliases and the container name through aardvark-dns', async () => {
    const gw = `10.${OCTET}.0.1`;
    for (const host of ['web', 'web-alias', `${PROJECT}-web-1`]) {
      const stdout = await lookup(netnsName(containers.a), host, gw);
      expect(stdout).toContain(`10.${OCTET}.0.2`);
    }
    const stdout = await lookup(netnsName(containers.b), 'client', gw);
    expect(stdout).toContain(`10.${OCTET}.0.3`);
  });

  it('reaches a server in the peer netns by name, and through the published port on 127.0.0.1', async () => {
    const www = join(dir, 'www');
    await run('mkdir', ['-p', www]);
    await writeFile(join(www, 'index.html'), `hello from ${PROJECT}\n`);
    const httpd = spawn(
      'ip',
      ['netns', 'exec', netnsName(containers.b), BUSYBOX, 'httpd', '-f', '-p', '8080', '-h', www],
      {
        stdio: 'ignore',
      },
    );
    children.push(httpd);
    const conf = resolvConf({ dnsServers: resA.dnsServers, dnsSearch: resA.dnsSearch, hostResolvConf: '' });
    expect(conf).toBe(`search dns.podman\nnameserver 10.${OCTET}.0.1\n`);
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await inNetns(netnsName(containers.a), conf, [
        BUSYBOX,
        'wget',
        '-q',
        '-O-',
        'http://web:8080/',
      ]).then(
        (r) => r.stdout,
        () => '',
      );
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe(`hello from ${PROJECT}\n`);
    const byName = await inNetns(netnsName(containers.a), conf, [
      BUSYBOX,
      'wget',
      '-q',
      '-O-',
      `http://${PROJECT}-web-1:8080/`,
    ]);
    expect(byName.stdout).toBe(`hello from ${PROJECT}\n`);
    expect(await httpBody(published)).toBe(`hello from ${PROJECT}\n`);
  });

  it('refuses a published port that is already taken', async () => {
    const c = newId();
    const ns = await nets.createNetns(c);
    try {
      await expect(
        nets.attach({
          containerId: c,
          containerName: `${PROJECT}-dup-1`,
          netnsPath: ns,
          networks: { [`${PROJECT}_default`]: {} },
          ports: [{ target: 80, published, hostIp: '127.0.0.1', protocol: 'tcp' }],
        }),
      ).rejects.toMatchObject({ code: 'RUNTIME_PORT_IN_USE' });
      // Nothing was reserved by the failed attach.
      expect((await nets.inspect(`${PROJECT}_default`)).containers).not.toContain(c);
    } finally {
      await nets.removeNetns(c);
    }
  });

  it('refuses to remove a network with endpoints', async () => {
    await expect(nets.remove(`${PROJECT}_default`)).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
      message: expect.stringContaining('has active endpoints'),
    });
  });

  it('gives an internal network no default route, and connects a second interface to a running netns', async () => {
    const internal = await nets.create({ name: `${PROJECT}_back`, labels: {}, internal: true });
    bridges.push(internal.bridge);
    internalNets.push({ bridge: internal.bridge, id: internal.id });
    subnets.push(internal.subnets[0]!.subnet);
    expect(internal.subnets[0]!.subnet).toBe(`10.${OCTET}.1.0/24`);
    netns.c = await nets.createNetns(containers.c);
    const resC = await nets.attach({
      containerId: containers.c,
      containerName: `${PROJECT}-db-1`,
      netnsPath: netns.c!,
      networks: { [`${PROJECT}_back`]: { aliases: ['db'], ipv4Address: `10.${OCTET}.1.50` } },
      ports: [],
    });
    expect(resC.networks[`${PROJECT}_back`]!.ipAddress).toBe(`10.${OCTET}.1.50`);
    const routes = await run('ip', ['-n', netnsName(containers.c), 'route', 'show', 'default']);
    expect(routes.stdout.trim()).toBe('');

    const conn = await nets.connect({
      containerId: containers.a,
      containerName: `${PROJECT}-client-1`,
      netnsPath: netns.a!,
      network: `${PROJECT}_back`,
      endpoint: { aliases: ['client'] },
    });
    const a2 = conn.networks[`${PROJECT}_back`]!;
    expect(a2).toMatchObject({ interfaceName: 'eth1', ipAddress: `10.${OCTET}.1.2` });
    const { stdout } = await run('ip', ['-n', netnsName(containers.a), '-j', 'addr', 'show', 'eth1']);
    expect(stdout).toContain(`10.${OCTET}.1.2`);
    // A reaches C over the internal bridge, and C's aardvark-dns knows A there.
    await inNetns(netnsName(containers.a), undefined, [BUSYBOX, 'ping', '-c', '1', `10.${OCTET}.1.50`]);
    expect(await lookup(netnsName(containers.c), 'client', `10.${OCTET}.1.1`)).toContain(`10.${OCTET}.1.2`);

    await nets.disconnect(containers.a, `${PROJECT}_back`);
    await nets.disconnect(containers.a, `${PROJECT}_back`); // idempotent
    const after = await run('ip', ['-n', netnsName(containers.a), '-o', 'link', 'show']);
    expect(after.stdout).not.toContain('eth1');
    expect(Object.keys(await nets.endpointsOf(containers.a))).toEqual([`${PROJECT}_default`]);
  });

  it('attaches one netns to two bridge networks in one call (eth0 + eth1)', async () => {
    const front = await nets.create({ name: `${PROJECT}_front`, labels: {} });
    bridges.push(front.bridge);
    subnets.push(front.subnets[0]!.subnet);
    const h = newId();
    containers.h = h;
    const ns = await nets.createNetns(h);
    const res = await nets.attach({
      containerId: h,
      containerName: `${PROJECT}-proxy-1`,
      netnsPath: ns,
      networks: {
        [`${PROJECT}_default`]: { aliases: ['proxy'] },
        [`${PROJECT}_front`]: { aliases: ['proxy'] },
      },
      ports: [],
    });
    expect(Object.values(res.networks).map((n) => n.interfaceName)).toEqual(['eth0', 'eth1']);
    expect(res.dnsServers).toEqual([`10.${OCTET}.0.1`, front.gateway]);
    const body = await inNetns(netnsName(h), undefined, [
      BUSYBOX,
      'wget',
      '-q',
      '-O-',
      `http://10.${OCTET}.0.2:8080/`,
    ]);
    expect(body.stdout).toBe(`hello from ${PROJECT}\n`);
    await nets.detach({ containerId: h });
    await nets.removeNetns(h);
    await nets.remove(front.id);
  });

  it('runs a dual-stack network: IPv6 addresses, AAAA answers, IPv6 traffic between netns', async () => {
    const v6 = await nets.create({
      name: `${PROJECT}_v6`,
      labels: {},
      enableIPv6: true,
      ipam: {
        config: [{ subnet: `fd89:b347:${OCTET.toString(16)}::/64` }, { subnet: `10.${OCTET}.9.0/24` }],
      },
    });
    bridges.push(v6.bridge);
    subnets.push(`10.${OCTET}.9.0/24`, `fd89:b347:${OCTET.toString(16)}::/64`);
    expect(v6.ipv6).toBe(true);
    const [j, k] = [newId(), newId()];
    containers.j = j;
    containers.k = k;
    const attach = async (id: string, alias: string) =>
      nets.attach({
        containerId: id,
        containerName: `${PROJECT}-${alias}-1`,
        netnsPath: await nets.createNetns(id),
        networks: { [`${PROJECT}_v6`]: { aliases: [alias] } },
        ports: [],
      });
    const rj = (await attach(j, 'six-a')).networks[`${PROJECT}_v6`]!;
    const rk = (await attach(k, 'six-b')).networks[`${PROJECT}_v6`]!;
    expect(rj.ipv6Address).toBe(`fd89:b347:${OCTET.toString(16)}::2`);
    expect(rk).toMatchObject({
      ipAddress: `10.${OCTET}.9.3`,
      ipv6Address: `fd89:b347:${OCTET.toString(16)}::3`,
    });
    await inNetns(netnsName(j), undefined, [BUSYBOX, 'ping', '-6', '-c', '1', rk.ipv6Address!]);
    const stdout = await lookup(netnsName(j), 'six-b', rk.gateway, 'AAAA');
    expect(stdout).toContain(rk.ipv6Address!);
    for (const id of [j, k]) {
      await nets.detach({ containerId: id });
      await nets.removeNetns(id);
    }
    await nets.remove(v6.id);
  });

  it('avoids a subnet another root already routes on the host', async () => {
    // nets2 has no records; only the host route of the live bridge tells it 10.X.0.0/24 is taken.
    const { stdout } = await run('ip', ['-j', 'route']);
    expect(stdout).toContain(`10.${OCTET}.0.0/24`);
    const other = await nets2.create({ name: `${PROJECT}_other`, labels: {} });
    bridges.push(other.bridge);
    expect(other.subnets[0]!.subnet).toBe(`10.${OCTET}.2.0/24`);
    await nets2.remove(other.id);
  });

  it('detaches a container whose netns is already gone (a crash), freeing its address and DNS name', async () => {
    const d = newId();
    containers.d = d;
    const ns = await nets.createNetns(d);
    const res = await nets.attach({
      containerId: d,
      containerName: `${PROJECT}-gone-1`,
      netnsPath: ns,
      networks: { [`${PROJECT}_default`]: { aliases: ['gone'] } },
      ports: [{ target: 9090, hostIp: '127.0.0.1', protocol: 'tcp' }],
    });
    const ip = res.networks[`${PROJECT}_default`]!.ipAddress;
    const hostPort = res.ports[0]!.published;
    const dnsFile = join(paths.netavark, 'aardvark-dns', `${PROJECT}_default`);
    expect(await readFile(dnsFile, 'utf8')).toContain(ip);
    expect((await run('iptables-save', ['-t', 'nat'])).stdout).toContain(`${ip}:9090`);
    await run('ip', ['netns', 'del', netnsName(d)]);
    await nets.detach({ containerId: d });
    expect(await readFile(dnsFile, 'utf8')).not.toContain(ip);
    const nat = (await run('iptables-save', ['-t', 'nat'])).stdout;
    expect(nat).not.toContain(`${ip}:9090`);
    expect(nat).not.toContain(`--dport ${hostPort} `);
    expect((await nets.inspect(`${PROJECT}_default`)).containers).not.toContain(d);
  });

  it('sets up again when the netns at the same path is a new one (after a reboot or crash)', async () => {
    const i = newId();
    containers.i = i;
    const req = {
      containerId: i,
      containerName: `${PROJECT}-again-1`,
      netnsPath: await nets.createNetns(i),
      networks: { [`${PROJECT}_default`]: { aliases: ['again'] } },
      ports: [],
    };
    const first = await nets.attach(req);
    await run('ip', ['netns', 'del', netnsName(i)]);
    await nets.createNetns(i);
    const second = await nets.attach(req);
    const ip = second.networks[`${PROJECT}_default`]!.ipAddress;
    expect(ip).toBe(first.networks[`${PROJECT}_default`]!.ipAddress);
    const { stdout } = await run('ip', ['-n', netnsName(i), '-j', 'addr', 'show', 'eth0']);
    expect(stdout).toContain(ip);
    const ping = await inNetns(netnsName(i), undefined, [
      BUSYBOX,
      'wget',
      '-q',
      '-O-',
      `http://10.${OCTET}.0.2:8080/`,
    ]);
    expect(ping.stdout).toBe(`hello from ${PROJECT}\n`);
    await nets.detach({ containerId: i });
    await nets.removeNetns(i);
  });

  it('networkUp/networkDown hooks: netns, hosts, resolv.conf, short-id DNS name, default network', async () => {
    const hooks = networkHooks(nets, {
      hostResolvConf: async () => 'nameserver 127.0.0.53\nsearch corp.example\n',
    });
    const e = newId();
    containers.e = e;
    const up = await hooks.networkUp({
      id: e,
      name: `${PROJECT}-worker-1`,
      spec: {
        networks: { [`${PROJECT}_default`]: { aliases: [`${PROJECT}-worker-1`, 'worker'] } },
        ports: [],
        extraHosts: ['host.docker.internal:host-gateway'],
        dnsOpt: ['ndots:1'],
      },
      process: { hostname: 'worker-host' },
    });
    expect(up.netnsPath).toBe(`/run/netns/${netnsName(e)}`);
    const ip = up.networks[`${PROJECT}_default`]!.ipAddress;
    expect(ip).toMatch(new RegExp(`^10\\.${OCTET}\\.0\\.\\d+$`));
    expect(up.hosts).toContain(`10.${OCTET}.0.1\thost.docker.internal\n${ip}\tworker-host\n`);
    expect(up.resolvConf).toBe(
      `search dns.podman corp.example\nnameserver 10.${OCTET}.0.1\noptions ndots:1\n`,
    );
    const stdout = await lookup(netnsName(containers.a), e.slice(0, 12), `10.${OCTET}.0.1`);
    expect(stdout).toContain(ip);
    await hooks.networkDown({ id: e });
    await hooks.networkDown({ id: e }); // idempotent
    expect(await exists(up.netnsPath)).toBe(false);
    expect(Object.keys(await nets.endpointsOf(e))).toEqual([]);

    // No networks in the spec: the engine's `bridge` network, created on first use.
    const f = newId();
    containers.f = f;
    const upF = await hooks2.networkUp({ id: f, name: 'plain', spec: { networks: {}, ports: [] } });
    const bridge = await nets2.inspect('bridge');
    bridges.push(bridge.bridge);
    subnets.push(bridge.subnets[0]!.subnet);
    expect(Object.keys(upF.networks)).toEqual(['bridge']);
    expect(upF.hosts).toContain(`\t${f.slice(0, 12)}\n`);
    await hooks2.networkDown({ id: f });
    await nets2.remove('bridge');

    // A failed networkUp leaves no netns behind.
    const g = newId();
    containers.g = g;
    await expect(
      hooks2.networkUp({
        id: g,
        name: 'lost',
        spec: { networks: { [`${PROJECT}_missing`]: {} }, ports: [] },
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND', message: `network ${PROJECT}_missing not found` });
    expect(await exists(`/run/netns/${netnsName(g)}`)).toBe(false);
  });

  it('tears down: the last detach removes the bridge, the firewall rules and aardvark-dns', async () => {
    const pid = await aardvarkPid(paths);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid!)).toBe(true);
    stopChildren();
    for (const id of Object.values(containers)) {
      await nets.detach({ containerId: id });
      await nets.detach({ containerId: id }); // idempotent
      await nets.removeNetns(id);
      await nets.removeNetns(id); // idempotent
      expect(await exists(`/run/netns/${netnsName(id)}`)).toBe(false);
    }
    for (const net of await nets.list()) {
      expect(net.containers).toEqual([]);
      await nets.remove(net.id);
    }
    expect(await nets.list()).toEqual([]);
    for (const sn of subnets)
      expect(await exists(join(DEFAULT_CLAIMS_DIR, sn.replace(/[/:]/g, '_')))).toBe(false);
    for (const br of bridges) expect(await exists(`/sys/class/net/${br}`)).toBe(false);
    const routes =
      (await run('ip', ['-j', 'route'])).stdout + (await run('ip', ['-j', '-6', 'route'])).stdout;
    const rules =
      (await run('iptables-save')).stdout +
      (await run('iptables-save', ['-t', 'nat'])).stdout +
      (await run('ip6tables-save')).stdout +
      (await run('ip6tables-save', ['-t', 'nat'])).stdout;
    for (const s of subnets) {
      expect(routes).not.toContain(s);
      expect(rules).not.toContain(s);
    }
    for (const br of bridges) expect(rules).not.toContain(br);
    // aardvark-dns exits after the last network with DNS is torn down.
    for (let i = 0; i < 200 && alive(pid!); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid!)).toBe(false);
  });
});
