#!/usr/bin/env node
// Side-by-side benchmark of `config`: berth (the built CLI, node bin/berth.js) against Debian's
// docker-compose v1 (Python, /usr/bin/docker-compose), on generated 100- and 500-service projects.
// Each tool renders each project RUNS times (after one untimed warm-up run); the script prints the
// medians, berth's ratio to docker-compose, and berth's 500/100 ratio (loading is meant to be O(n):
// at most 5x). Everything is written to a temporary directory that is removed at the end.
//
//   npm run build && node bench/config.mjs            # or: npm run bench:config
//   BENCH_RUNS=9 BENCH_SIZES=100,500,1000 node bench/config.mjs
//
// Exit status: 0 when every run succeeded (and the O(n) bound holds), 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const berthBin = join(repo, 'bin', 'berth.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '100,500').split(',').map(Number);
const COMPOSE_V1 = process.env.BENCH_DOCKER_COMPOSE ?? '/usr/bin/docker-compose';
const IMAGES = ['nginx:1.27', 'redis:7', 'postgres:16', 'busybox:1.36', 'eclipse-temurin:17-jre'];

/** A realistic service: image, ports, env with defaults, volumes, networks, healthcheck, a depends_on chain. */
function service(i) {
  const lines = [
    `  svc${i}:`,
    `    image: ${IMAGES[i % IMAGES.length]}`,
    '    restart: unless-stopped',
    '    ports:',
    `      - "\${BIND_IP:-127.0.0.1}:${20000 + i}:80"`,
    '    environment:',
    `      SERVICE_NAME: svc${i}`,
    `      LOG_LEVEL: \${LOG_LEVEL:-info}`,
    `      DATABASE_URL: postgres://app:\${DB_PASSWORD:-secret}@db:5432/app${i}`,
    '      FEATURE_FLAGS: "a,b,c"',
    '    labels:',
    `      com.example.team: team${i % 7}`,
    '      com.example.tier: backend',
    '    volumes:',
    `      - data${i % 10}:/var/lib/data`,
    '      - ./conf:/etc/app:ro',
    '    networks:',
    '      - back',
    ...(i % 3 === 0 ? ['      - front'] : []),
    '    healthcheck:',
    '      test: ["CMD-SHELL", "wget -qO- http://localhost/health || exit 1"]',
    '      interval: 10s',
    '      timeout: 3s',
    '      retries: 5',
  ];
  // Chains of ten: svcN depends on svcN-1 unless N starts a chain.
  if (i % 10 !== 0) {
    lines.push('    depends_on:', `      svc${i - 1}:`, '        condition: service_healthy');
  }
  return lines.join('\n');
}

function project(n) {
  const services = Array.from({ length: n }, (_, i) => service(i)).join('\n');
  const volumes = Array.from({ length: 10 }, (_, i) => `  data${i}: {}`).join('\n');
  return `services:\n${services}\nnetworks:\n  front: {}\n  back: {}\nvolumes:\n${volumes}\n`;
}

function time(cmd, args, cwd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.error?.message || '').slice(0, 2000)}`,
    );
  }
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measure(label, cmd, args, cwd) {
  time(cmd, args, cwd); // warm-up: file cache, Python bytecode
  const samples = Array.from({ length: RUNS }, () => time(cmd, args, cwd));
  const med = median(samples);
  console.log(
    `  ${label.padEnd(16)} median ${med.toFixed(0).padStart(6)} ms   runs: ${samples.map((x) => x.toFixed(0)).join(' ')}`,
  );
  return med;
}

if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) {
  console.error('error: the CLI is not built; run `npm run build` first');
  process.exit(1);
}
const haveV1 = existsSync(COMPOSE_V1);
if (!haveV1)
  console.error(`note: ${COMPOSE_V1} not found (apt-get install docker-compose); timing berth only`);

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
let ok = true;
try {
  const berth = new Map();
  console.log(
    `berth config vs docker-compose config — node ${process.versions.node}, ${RUNS} runs each, medians`,
  );
  for (const n of SIZES) {
    const projectDir = join(dir, `p${n}`);
    mkdirSync(join(projectDir, 'conf'), { recursive: true });
    writeFileSync(join(projectDir, 'compose.yaml'), project(n));
    console.log(`${n} services:`);
    const args = ['-f', 'compose.yaml', '-p', `bench${n}`, 'config'];
    const b = measure('berth', process.execPath, [berthBin, ...args], projectDir);
    berth.set(n, b);
    if (haveV1) {
      const v1 = measure('docker-compose', COMPOSE_V1, args, projectDir);
      console.log(
        `  ratio            berth / docker-compose = ${(b / v1).toFixed(2)} (berth is ${(v1 / b).toFixed(1)}x faster)`,
      );
    }
  }
  const small = Math.min(...SIZES);
  const large = Math.max(...SIZES);
  if (small !== large) {
    const scale = berth.get(large) / berth.get(small);
    const bound = large / small;
    console.log(
      `scaling: berth ${large}/${small} services = ${scale.toFixed(2)}x (linear would be ${bound}x; bound 5x for 500/100)`,
    );
    if (large === 500 && small === 100 && scale > 5) {
      console.error('error: loading is not O(n): 500 services took more than 5x the time of 100');
      ok = false;
    }
  }
} catch (err) {
  console.error(`error: ${err.message}`);
  ok = false;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
