#!/usr/bin/env node
// Side-by-side benchmark of pulling a multi-layer image from a loopback registry (issue 5, item 5):
// `berth image pull` into a cold BERTH_ROOT against `docker pull` into dockerd (the image removed
// first, so its layers are gone). Both download, verify and extract every layer: berth unpacks while
// downloading (one pass), and makes the layers durable with one syncfs per pull. Then berth's unpack
// throughput alone: the unpacked layers are deleted and ImageStore.unpack redoes them all from the
// stored blobs.
//
// The image is built offline: FROM berth-test/busybox:1 (built first with the test suite's recipe
// through tsx) with LAYERS RUN steps, each writing RANDOM_MB of /dev/urandom data plus a
// compressible text file (seq), ~34 MB a layer, ~140 MB in all. dockerd pushes it (gzip) to Debian's
// docker-registry on a free 127.0.0.1 port (no auth; storage in a temporary directory); the built
// image is then removed from dockerd so that `docker pull` starts cold (only busybox's 2 MB base layer
// stays, which berth's cold store downloads too).
//
// Each tool pulls RUNS times (default 3; BENCH_RUNS), alternating; the medians, their ratio, and
// the unpack throughput (MB of uncompressed layer tar per second) are printed as a table with the
// load average before and after (the machine may be shared: compare runs at similar load).
//
// Hygiene: the images (berth-bench-pull-<id>/…), the registry process (killed by its PID), the
// temporary stores and directories are removed at the end, also on failure or Ctrl-C.
//
//   npm run build && node bench/pull.mjs
//   BENCH_RUNS=5 BENCH_LAYERS=6 BENCH_RANDOM_MB=40 node bench/pull.mjs
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const berthBin = join(repo, 'bin', 'berth.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LAYERS = Number(process.env.BENCH_LAYERS ?? 4);
const RANDOM_MB = Number(process.env.BENCH_RANDOM_MB ?? 24);
const REGISTRY_BINARY = '/usr/bin/docker-registry';
const BASE = 'berth-test/busybox:1';
const id = `${process.pid}-${Date.now().toString(36)}`;
const built = `berth-bench-pull-${id}/layers:1`;
const work = mkdtempSync(join(tmpdir(), 'berth-bench-pull-'));
const childEnv = { ...process.env, DOCKER_CONFIG: join(work, 'docker-config') };
let registry;
let remote;

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: childEnv,
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.error?.message || '').trim()}`,
    );
  }
  return r.stdout;
}

function ensureBase() {
  const script = `Promise.all([import('./src/runtime/docker/docker-runtime.ts'), import('./test/support/images/busybox.ts')])
    .then(async ([rt, bb]) => { const runtime = await rt.createDockerRuntime(); await bb.ensureBusyboxImage(runtime); await runtime.close(); })
    .catch((err) => { console.error(err?.message ?? err); process.exit(1); });`;
  sh(join(repo, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: repo });
}

function buildImage() {
  const steps = Array.from(
    { length: LAYERS },
    (_, i) =>
      `RUN head -c ${RANDOM_MB}m /dev/urandom > /random-${i}.bin && seq ${i * 1000000} ${i * 1000000 + 1500000} > /text-${i}.txt`,
  );
  const dockerfile = `FROM ${BASE}\n${steps.join('\n')}\nCMD ["sh"]\n`;
  sh('docker', ['build', '-q', '-t', built, '-'], { input: dockerfile });
}

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function probe(port) {
  return new Promise((ok) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', () => ok(0));
    req.on('timeout', () => {
      req.destroy();
      ok(0);
    });
  });
}

async function startRegistry() {
  if (!existsSync(REGISTRY_BINARY))
    throw new Error(`${REGISTRY_BINARY} is missing: apt-get install docker-registry`);
  const port = await freePort();
  const dir = join(work, 'registry');
  const config = join(work, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${dir}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${Math.random().toString(36).slice(2)}`,
      '',
    ].join('\n'),
  );
  // Its log goes to a buffer (it logs 404s of blob HEADs as errors), shown when it fails to start.
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    log = (log + d).slice(-4000);
  });
  const deadline = Date.now() + 20_000;
  while ((await probe(port)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`docker-registry did not start: ${log}`);
    await sleep(100);
  }
  return { child, host: `127.0.0.1:${port}` };
}

async function stopRegistry() {
  const child = registry?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((ok) => child.once('exit', ok));
  process.kill(child.pid, 'SIGTERM');
  await Promise.race([gone, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
}

function dockerRmi(ref) {
  spawnSync('docker', ['rmi', ref], { encoding: 'utf8', env: childEnv });
}

function timed(cmd, args, env = childEnv) {
  const start = process.hrtime.bigint();
  sh(cmd, args, { env });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function tarBytes(path) {
  let n = 0;
  const head = await new Promise((ok, fail) => {
    const s = createReadStream(path, { start: 0, end: 1 });
    s.on('data', (c) => ok(c));
    s.on('error', fail);
  });
  const stream =
    head[0] === 0x1f && head[1] === 0x8b
      ? createReadStream(path).pipe(createGunzip())
      : createReadStream(path);
  for await (const c of stream) n += c.length;
  return n;
}

/** One cold berth pull (download + unpack), then (in-process, cold) the unpack of every layer again. */
async function berthRun(storeModule) {
  const root = mkdtempSync(join(work, 'root-'));
  try {
    const pullMs = timed(process.execPath, [berthBin, 'image', 'pull', '-q', remote], {
      ...childEnv,
      BERTH_ROOT: root,
    });
    const store = await storeModule.ImageStore.open({ root });
    const record = await store.resolve(remote);
    // The pull unpacked every layer: check, then drop them for the cold unpack measurement.
    await store.lowerDirs(remote);
    for (const name of readdirSync(store.paths.layers)) {
      rmSync(join(store.paths.layers, name), { recursive: true, force: true });
    }
    const start = process.hrtime.bigint();
    await store.unpack(remote);
    const unpackMs = Number(process.hrtime.bigint() - start) / 1e6;
    let tar = 0;
    for (const l of record.layers) tar += await tarBytes(store.content.path(l.digest));
    return { pullMs, unpackMs, tarBytes: tar, blobBytes: record.size, layers: record.layers.length };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function dockerRun() {
  dockerRmi(remote);
  return timed('docker', ['pull', '-q', remote]);
}

const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  sh('docker', ['info', '--format', '{{.ServerVersion}}']);
  const storeModule = await import(join(repo, 'dist', 'engine', 'store', 'index.js'));
  process.stderr.write(
    `building ${BASE} and ${built} (${LAYERS} layers of ${RANDOM_MB} MB random + text)…\n`,
  );
  ensureBase();
  buildImage();
  registry = await startRegistry();
  remote = `${registry.host}/bench/layers:1`;
  sh('docker', ['tag', built, remote]);
  process.stderr.write(`pushing to ${registry.host} with docker…\n`);
  sh('docker', ['push', '-q', remote]);
  dockerRmi(remote);
  dockerRmi(built);

  const loadBefore = loadavg()[0];
  const berth = [];
  const docker = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`run ${i + 1}/${RUNS}: berth…`);
    berth.push(await berthRun(storeModule));
    process.stderr.write(' docker…');
    docker.push(dockerRun());
    process.stderr.write(' done\n');
  }
  dockerRmi(remote);

  const b = median(berth.map((r) => r.pullMs));
  const u = median(berth.map((r) => r.unpackMs));
  const d = median(docker);
  const { tarBytes: tar, blobBytes, layers } = berth[0];
  const mb = (n) => (n / 1e6).toFixed(1);
  const rows = [
    ['case', 'berth', 'docker', 'berth/docker'],
    ['pull: download + extract (cold)', fmtS(b), fmtS(d), (b / d).toFixed(2)],
    ['unpack alone (all layers, cold)', fmtS(u), '—', '—'],
    ['unpack throughput', `${mb(tar / (u / 1000))} MB/s`, '—', '—'],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `\nberth image pull vs docker pull: ${remote} — ${layers} layers, ${mb(blobBytes)} MB compressed, ${mb(tar)} MB of layer tar`,
  );
  console.log(
    `medians of ${RUNS} runs each (1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; ${new Date().toISOString()})\n`,
  );
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '));
  console.log(
    `\nruns (ms): berth pull ${berth.map((r) => r.pullMs.toFixed(0)).join(', ')}; berth unpack ${berth
      .map((r) => r.unpackMs.toFixed(0))
      .join(', ')}; docker pull ${docker.map((x) => x.toFixed(0)).join(', ')}`,
  );
}

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (remote) dockerRmi(remote);
  dockerRmi(built);
  await stopRegistry();
  rmSync(work, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  cleanup().finally(() => process.exit(130));
});

try {
  await main();
  await cleanup();
} catch (err) {
  console.error(`bench failed: ${err?.message ?? err}`);
  await cleanup();
  process.exitCode = 1;
}
