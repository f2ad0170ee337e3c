#!/usr/bin/env node
// The built-in engine against dockerd, both driven by berth, in one run (issue 6, item 8): the same
// stack on each engine, `BERTH_RUNTIME=builtin` vs `BERTH_RUNTIME=docker` (the built CLI,
// node bin/berth.js), and the container start latency through the library.
//
//   up -d        N = 10 and 50 independent services (berth-test/busybox:1 running `sleep 3600` with
//                `init: true`: tini is PID 1 and forwards SIGTERM, so `down` measures the engines, not
//                10 s of a PID 1 ignoring SIGTERM; the same on both engines)
//   no-op up -d  with both stacks up, nothing to do: BENCH_QUICK_REPEATS (default 5) samples per run,
//                alternating between the engines
//   down         the default grace (each container exits on SIGTERM at once thanks to init)
//   start        container start latency, in-process through the library (dist/): one container
//                created on a network the bench made, then `startContainer` timed until it returns
//                (the process is running: docker's start and the builtin's `runc start` both return
//                then); BENCH_LATENCY_RUNS samples (default 7), also create+start
//
// Each case runs BENCH_RUNS times (default 5) under a fresh project name `berth-bench-<id>-…`; the
// engines alternate which goes first in each run. The table shows the medians and the builtin/docker
// ratio (target: below 1 on all four). The load average is printed with every sample and at the end:
// the machine may be shared, and dockerd's and runc's work are CPU-bound.
//
// The image: built in dockerd offline with the test suite's recipe (test/support/images/busybox.ts
// through tsx), then `docker save | berth image load` into the built-in store. The built-in engine's
// state lives in a temporary BERTH_ROOT / BERTH_RUNROOT, removed at the end. Hygiene: only objects
// of this bench's projects are removed (between runs and at the end, also on failure or Ctrl-C);
// traffic goes only to /var/run/docker.sock and to the bench's own bridges.
//
//   npm run build && node bench/builtin.mjs
//   BENCH_RUNS=3 BENCH_SIZES=10 BENCH_LATENCY_RUNS=5 node bench/builtin.mjs
//
// Exit status: 0 when every run on both engines succeeded, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const berthBin = join(repo, 'bin', 'berth.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '10,50').split(',').map(Number);
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 7);
/** Samples of the no-op `up -d` per engine, size and run (BENCH_QUICK_REPEATS). */
const QUICK_REPEATS = Number(process.env.BENCH_QUICK_REPEATS ?? 5);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;
const IMAGE = 'berth-test/busybox:1';
const PROJECT_LABEL = 'com.docker.compose.project';
const PREFIX = `berth-bench-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}-`;
const ENGINES = ['docker', 'builtin'];

const work = mkdtempSync(join(tmpdir(), 'berth-bench-builtin-'));
const builtinEnv = {
  BERTH_RUNTIME: 'builtin',
  BERTH_ROOT: join(work, 'root'),
  BERTH_RUNROOT: join(work, 'run'),
};
const envOf = (engine) => ({
  ...process.env,
  ...(engine === 'builtin' ? builtinEnv : { BERTH_RUNTIME: 'docker' }),
});

const load = () => loadavg()[0].toFixed(1);
const ours = (project) => typeof project === 'string' && project.startsWith(PREFIX);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------------
// The runtimes, in-process (cleanup and the start latency)

const runtimes = {};

async function openRuntimes() {
  const { createDockerRuntime } = await import(join(repo, 'dist/runtime/docker/docker-runtime.js'));
  const { createBuiltinRuntime } = await import(join(repo, 'dist/runtime/builtin/builtin-runtime.js'));
  runtimes.docker = await createDockerRuntime();
  runtimes.builtin = await createBuiltinRuntime({ env: { ...process.env, ...builtinEnv } });
}

/** Removes every container, network and volume of this bench's projects on one engine. */
async function sweep(engine) {
  const rt = runtimes[engine];
  if (!rt) return;
  const containers = (await rt.listContainers({ all: true, labels: { [PROJECT_LABEL]: true } })).filter((c) =>
    ours(c.labels[PROJECT_LABEL]),
  );
  await Promise.all(
    containers.map(async (c) => {
      await rt.stopContainer(c.id, { timeoutSeconds: 0 }).catch(() => {});
      await rt.removeContainer(c.id, { force: true, volumes: true }).catch((err) => {
        console.error(`  cleanup (${engine}): container ${c.name}: ${err.message}`);
      });
    }),
  );
  for (const n of await rt.listNetworks()) {
    if (!ours(n.labels?.[PROJECT_LABEL]) && !n.name.startsWith(PREFIX)) continue;
    await rt
      .removeNetwork(n.id)
      .catch((err) => console.error(`  cleanup (${engine}): network ${n.name}: ${err.message}`));
  }
  for (const v of await rt.listVolumes()) {
    if (ours(v.labels?.[PROJECT_LABEL])) await rt.removeVolume(v.name, { force: true }).catch(() => {});
  }
}

async function sweepAll() {
  for (const engine of ENGINES) {
    await sweep(engine).catch((err) => console.error(`  cleanup (${engine}) failed: ${err.message}`));
  }
}

// ---------------------------------------------------------------------------------------------
// The image in both engines

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.error?.message || '').trim()}`,
    );
  }
  return r.stdout;
}

function ensureImages() {
  const script = `Promise.all([import('./src/runtime/docker/docker-runtime.ts'), import('./test/support/images/busybox.ts')])
    .then(async ([rt, bb]) => { const runtime = await rt.createDockerRuntime(); await bb.ensureBusyboxImage(runtime); await runtime.close(); })
    .catch((err) => { console.error(err?.message ?? err); process.exit(1); });`;
  sh(join(repo, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: repo });
  sh(
    'bash',
    ['-o', 'pipefail', '-c', `docker save ${IMAGE} | node ${JSON.stringify(berthBin)} image load -q`],
    {
      env: envOf('builtin'),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The CLI cases

function stack(n) {
  const lines = ['services:'];
  for (let i = 1; i <= n; i++) {
    lines.push(`  s${i}:`, `    image: ${IMAGE}`, `    command: ["sleep", "3600"]`, '    init: true');
  }
  return `${lines.join('\n')}\n`;
}

function timeCli(engine, project, file, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [berthBin, '-p', project, '-f', file, ...args], {
    cwd: dirname(file),
    env: envOf(engine),
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-5).join('\n    ');
    console.error(`  ${engine} ${args.join(' ')} (${project}) failed (${r.status}):\n    ${why}`);
    return undefined;
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Start latency through the library

async function latency(engine, runs) {
  const rt = runtimes[engine];
  const project = `${PREFIX}lat-${engine}`;
  const labels = { [PROJECT_LABEL]: project };
  const network = `${project}_default`;
  await rt.createNetwork({ name: network, labels });
  const start = [];
  const createStart = [];
  try {
    for (let i = 0; i < runs; i++) {
      const service = `s${i}`;
      const t0 = process.hrtime.bigint();
      const { id } = await rt.createContainer({
        name: `${project}-${service}-1`,
        image: IMAGE,
        command: ['sleep', '3600'],
        init: true,
        env: {},
        labels: { ...labels, 'com.docker.compose.service': service },
        mounts: [],
        ports: [],
        networks: { [network]: { aliases: [service] } },
      });
      const t1 = process.hrtime.bigint();
      await rt.startContainer(id);
      const t2 = process.hrtime.bigint();
      const info = await rt.inspectContainer(id);
      if (info?.state !== 'running') throw new Error(`${engine}: ${service} is ${info?.state} after start`);
      start.push(Number(t2 - t1) / 1e6);
      createStart.push(Number(t2 - t0) / 1e6);
      console.log(
        `  ${`start (${engine})`.padEnd(24)} ${(Number(t2 - t1) / 1e6).toFixed(1)} ms, create+start ${(Number(t2 - t0) / 1e6).toFixed(1)} ms  load ${load()}`,
      );
    }
  } finally {
    await sweep(engine);
  }
  return { start, createStart };
}

// ---------------------------------------------------------------------------------------------
// The run

const samples = new Map(); // case → { docker: [], builtin: [] }
const order = [];
let failures = 0;

function record(name, engine, ms) {
  if (!samples.has(name)) {
    samples.set(name, { docker: [], builtin: [] });
    order.push(name);
  }
  if (ms === undefined) failures++;
  else samples.get(name)[engine].push(ms);
  const shown = ms === undefined ? 'failed' : `${(ms / 1000).toFixed(3)} s`;
  console.log(`  ${name.padEnd(24)} ${engine.padEnd(8)} ${shown.padStart(9)}  load ${load()}`);
}

async function main() {
  if (!existsSync(join(repo, 'dist', 'cli', 'berth.cjs')))
    throw new Error('the CLI is not built; run `npm run build` first');
  const loadStart = loadavg();
  ensureImages();
  await openRuntimes();
  const files = new Map(
    SIZES.map((n) => {
      mkdirSync(join(work, `up${n}`));
      const f = join(work, `up${n}`, 'compose.yaml');
      writeFileSync(f, stack(n));
      return [n, f];
    }),
  );
  const docker = await runtimes.docker.info();
  const builtin = await runtimes.builtin.info();
  console.log(
    `builtin engine vs dockerd, both through berth — ${builtin.serverVersion} vs dockerd ${docker.serverVersion}, ` +
      `node ${process.versions.node}, ${RUNS} runs, medians; projects ${PREFIX}*; load average ${loadStart.map((x) => x.toFixed(1)).join(' ')}`,
  );
  let seq = 0;
  for (let run = 1; run <= RUNS; run++) {
    console.log(`run ${run}/${RUNS}`);
    const engines = run % 2 ? ENGINES : [...ENGINES].reverse();
    for (const n of SIZES) {
      const f = files.get(n);
      const projects = {};
      try {
        for (const engine of engines) {
          projects[engine] = `${PREFIX}up${n}-${engine}-${seq++}`;
          const up = timeCli(engine, projects[engine], f, ['up', '-d']);
          record(`up -d N=${n}`, engine, up);
          if (up === undefined) delete projects[engine];
        }
        // Both stacks up, the no-op samples alternate between the engines: one sample of a ~0.2 s
        // command is at the mercy of the machine.
        for (let i = 0; i < QUICK_REPEATS; i++) {
          for (const engine of engines) {
            if (projects[engine]) {
              record(`no-op up -d N=${n}`, engine, timeCli(engine, projects[engine], f, ['up', '-d']));
            }
          }
        }
        for (const engine of engines) {
          if (projects[engine]) record(`down N=${n}`, engine, timeCli(engine, projects[engine], f, ['down']));
        }
      } finally {
        for (const engine of engines) await sweep(engine);
      }
    }
  }
  console.log('start latency (library, in-process)');
  const lat = {};
  for (const engine of ENGINES) lat[engine] = await latency(engine, LATENCY_RUNS);
  samples.set('start (library)', { docker: lat.docker.start, builtin: lat.builtin.start });
  samples.set('create+start (library)', { docker: lat.docker.createStart, builtin: lat.builtin.createStart });
  order.push('start (library)', 'create+start (library)');

  const fmt = (ms) =>
    ms === undefined ? '—' : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
  const header = ['case', 'docker', 'builtin', 'builtin/docker'];
  const rows = order.map((name) => {
    const s = samples.get(name);
    const d = s.docker.length ? median(s.docker) : undefined;
    const b = s.builtin.length ? median(s.builtin) : undefined;
    return [name, fmt(d), fmt(b), d !== undefined && b !== undefined ? `${(b / d).toFixed(2)}x` : '—'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log(
    `load average: ${loadStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the end (2 shared cores: other work skews every column)`,
  );
  console.log('target (issue 6): builtin/docker < 1 on up -d, no-op up -d, down and start');
  return failures === 0;
}

async function cleanup() {
  await sweepAll();
  // dockerd 20.10 sometimes keeps a stale endpoint for a moment after the containers are gone ("has
  // active endpoints"): retry the bench's leftover networks a few times before giving up on them.
  for (let i = 0; i < 5; i++) {
    const left = (await runtimes.docker?.listNetworks().catch(() => [])) ?? [];
    if (!left.some((n) => ours(n.labels?.[PROJECT_LABEL]) || n.name.startsWith(PREFIX))) break;
    await new Promise((r) => setTimeout(r, 2000));
    await sweep('docker').catch(() => {});
  }
  await runtimes.docker?.close().catch(() => {});
  await runtimes.builtin?.close().catch(() => {});
  // The built-in engine's state (its containers are gone: no mounts or namespaces hold it).
  rmSync(work, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: cleaning up ${PREFIX}*`);
    cleanup().finally(() => process.exit(130));
  });
}

let status = 1;
try {
  status = (await main()) ? 0 : 1;
} catch (err) {
  console.error(`error: ${err.message}`);
} finally {
  await cleanup();
}
process.exit(status);
