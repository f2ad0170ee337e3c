/**
 * The runnable examples (examples/*), driven through the built CLI (`node bin/berth.js`, so `npm run
 * build` first) against the engine under test (dockerd, or the built-in engine: test/support/runtime.ts),
 * offline: the compose files are used untouched, with their
 * image variables pointing at the Debian-made stand-ins (test/support/images/catalog.ts; the first run
 * on a machine builds them, which takes minutes: `node scripts/test-images.mjs` does it ahead) and the
 * published port on a free 127.0.0.1 port. Each stack runs under a unique project name; afterAll
 * takes it down with berth, then removes anything left with its project label (and the images its
 * builds made) through the engine itself, so a failing test leaks nothing. The built-in engine cannot
 * build (DIFFERENCES.build): there `up --build` is asserted to be refused, and the services' images are
 * built by dockerd (`--runtime docker build`) and moved over with `docker save | image load`, as the
 * refusal's hint says, before `up`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Leftovers, labelledLeftovers, removeLeftovers } from '../support/cleanup.js';
import {
  assertCliBuilt,
  docker,
  lines,
  PROJECT_LABEL,
  type Run,
  repo,
  berth as run,
  uniqueSuffix,
  withDockerRuntime,
} from '../support/cli.js';
import {
  ensureTestImages,
  JDK_IMAGE,
  JRE_IMAGE,
  NGINX_IMAGE,
  POSTGRES_IMAGE,
  PYTHON_IMAGE,
  REDIS_IMAGE,
} from '../support/images/catalog.js';
import { freePort, httpGet } from '../support/net.js';
import { difference, engineContainers, expectCliRefused, loadFromDocker } from '../support/runtime.js';

const suffix = uniqueSuffix();
const STEP_TIMEOUT = 300_000;

/** One example stack: its compose file, project name and environment. */
class Stack {
  readonly project: string;
  readonly file: string;
  port = 0;
  env: Record<string, string>;

  constructor(
    example: string,
    env: Record<string, string>,
    /** The services with a `build:` section (their images are `<project>-<service>`). */
    readonly built: string[],
  ) {
    this.project = `berth-test-${example}-${suffix}`;
    this.file = join(repo, 'examples', example, 'compose.yaml');
    this.env = env;
  }

  /**
   * `up -d --wait --build`. On the built-in engine, which cannot build: that is refused, then the
   * images are built by dockerd and loaded (with the service images the stack runs) before `up -d --wait`.
   */
  async upBuilt(runtimeImages: string[]): Promise<void> {
    if (!difference('build')) {
      this.ok(['up', '-d', '--wait', '--build']);
      return;
    }
    // The images the stack pulls are there (no registry here), so only the build is refused.
    await loadFromDocker(runtimeImages);
    expectCliRefused(this.berth(['up', '-d', '--wait', '--build']), 'build');
    this.ok(['build'], { BERTH_RUNTIME: 'docker' });
    await loadFromDocker(this.built.map((service) => `${this.project}-${service}`));
    this.ok(['up', '-d', '--wait']);
  }

  berth(args: string[], extraEnv: Record<string, string> = {}): Run {
    return run(['-f', this.file, '-p', this.project, ...args], {
      env: { HTTP_PORT: `127.0.0.1:${this.port}`, ...this.env, ...extraEnv },
      timeout: STEP_TIMEOUT - 10_000,
    });
  }

  /** `berth …` that must exit 0; the error shows its output otherwise. */
  ok(args: string[], extraEnv: Record<string, string> = {}): Run {
    const r = this.berth(args, extraEnv);
    if (r.status !== 0) {
      throw new Error(
        `berth ${args.join(' ')} exited ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
      );
    }
    return r;
  }

  /** `psql` as the app user in the `db` service: the answer to `sql`, unaligned, tuples only. */
  psql(sql: string): Run {
    return this.ok(['exec', '-T', 'db', 'psql', '-U', 'app', '-d', 'app', '-tAc', sql]);
  }

  /** Service → container summary from `ps -a --format json`. */
  ps(): Record<string, { ID: string; State: string; Health: string; ExitCode: number }> {
    const r = this.ok(['ps', '-a', '--format', 'json', '--no-trunc']);
    const out: Record<string, { ID: string; State: string; Health: string; ExitCode: number }> = {};
    for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
      const c = JSON.parse(line);
      out[c.Service] = c;
    }
    return out;
  }

  /** What the engine still has with this project's label. */
  leftovers(): Leftovers {
    return labelledLeftovers(this.project);
  }

  /** Best effort: berth down, then the engine for whatever is left, and the images dockerd built. */
  cleanup(): void {
    this.berth(['down', '-v', '-t', '0']);
    removeLeftovers(this.project);
    try {
      const images = lines(docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).filter((ref) =>
        ref.startsWith(`${this.project}`),
      );
      if (images.length > 0) docker(['rmi', '-f', ...images]);
    } catch {
      // best effort: the assertions in the tests report real leaks
    }
  }
}

/** GETs until the body matches (at most `attempts` times, 1 s apart); returns the last answer. */
async function httpUntil(
  port: number,
  path: string,
  match: RegExp,
  attempts = 60,
): Promise<{ status: number; body: string }> {
  let last: { status: number; body: string } = { status: 0, body: '' };
  for (let i = 0; i < attempts; i++) {
    try {
      last = await httpGet(port, path);
      if (last.status === 200 && match.test(last.body)) return last;
    } catch (err) {
      last = { status: 0, body: String(err) };
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return last;
}

/** The last test of each example: `down -v` leaves nothing with the project label. */
function itLeavesNothingAfterDown(s: Stack): void {
  it('down -v leaves no container, network or volume with the project label', () => {
    s.ok(['down', '-v']);
    expect(s.leftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  });
}

const springboot = new Stack(
  'nginx-springboot',
  {
    NGINX_IMAGE,
    JDK_IMAGE,
    JRE_IMAGE,
  },
  ['app'],
);
const webapp = new Stack('web-postgres-redis', { POSTGRES_IMAGE, REDIS_IMAGE, PYTHON_IMAGE }, ['web']);
const migrations = new Stack('migrations-job', { POSTGRES_IMAGE, PYTHON_IMAGE }, ['api']);
const stacks = [springboot, webapp, migrations];

beforeAll(async () => {
  assertCliBuilt();
  // Cold, this runs two debootstraps (minutes); `node scripts/test-images.mjs` does it ahead of time.
  await withDockerRuntime((runtime) =>
    ensureTestImages(runtime, [NGINX_IMAGE, JDK_IMAGE, JRE_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE, PYTHON_IMAGE]),
  );
  for (const stack of stacks) stack.port = await freePort();
}, 30 * 60_000);

afterAll(() => {
  for (const stack of stacks) stack.cleanup();
}, STEP_TIMEOUT);

describe('examples/nginx-springboot: nginx in front of a Java app built in two stages', () => {
  const s = springboot;

  it(
    'up -d --wait --build builds the app (JDK stage → JRE stage) and brings both up healthy',
    async () => {
      await s.upBuilt([NGINX_IMAGE]);
      const ps = s.ps();
      expect(Object.keys(ps).sort()).toEqual(['app', 'nginx']);
      expect(ps.app).toMatchObject({ State: 'running', Health: 'healthy' });
      expect(ps.nginx).toMatchObject({ State: 'running', Health: 'healthy' });
    },
    STEP_TIMEOUT,
  );

  it('the published port answers on 127.0.0.1: nginx proxies /hello to the app', async () => {
    const r = await httpUntil(s.port, '/hello', /Hello from berth/, 10);
    expect(r).toEqual({ status: 200, body: 'Hello from berth\n' });
    expect((await httpGet(s.port, '/healthz')).body).toBe('ok\n');
  });

  it('logs shows the app and the nginx access log', () => {
    const app = s.ok(['logs', '--no-color', 'app']);
    expect(app.stdout).toMatch(/app-1 +\| listening on :8080/);
    const nginx = s.ok(['logs', '--no-color', '--no-log-prefix', 'nginx']);
    expect(nginx.stdout).toMatch(/"GET \/hello HTTP\/1\.1" 200/);
  });

  it('exec runs a command in the running app container, as the image user', () => {
    const r = s.ok(['exec', '-T', 'app', 'sh', '-c', 'echo "$GREETING"; id -u']);
    expect(r.stdout).toBe('Hello from berth\n10001\n');
  });

  it('run --rm starts a one-off container on the project network and removes it', () => {
    const r = s.ok([
      'run',
      '--rm',
      '-T',
      '--no-deps',
      'nginx',
      'bash',
      '-c',
      "exec 3<>/dev/tcp/app/8080 && printf 'GET /hello HTTP/1.0\\r\\nHost: app\\r\\n\\r\\n' >&3 && cat <&3",
    ]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(r.stdout).toContain('Hello from berth\n');
    const oneOffs = engineContainers({
      [PROJECT_LABEL]: s.project,
      'com.docker.compose.oneoff': 'True',
    });
    expect(oneOffs).toEqual([]);
  });

  it(
    'a changed GREETING recreates only the app; nginx keeps proxying to the new container',
    async () => {
      const before = s.ps();
      s.ok(['up', '-d', '--wait'], { GREETING: 'Bonjour from berth' });
      const after = s.ps();
      expect(after.app.ID).not.toBe(before.app.ID);
      expect(after.nginx.ID).toBe(before.nginx.ID);
      const r = await httpUntil(s.port, '/hello', /Bonjour/, 30);
      expect(r).toEqual({ status: 200, body: 'Bonjour from berth\n' });
    },
    STEP_TIMEOUT,
  );

  itLeavesNothingAfterDown(s);
});

describe('examples/web-postgres-redis: healthchecks, service_healthy, named volumes, a secret', () => {
  const s = webapp;
  const password = readFileSync(join(repo, 'examples', 'web-postgres-redis', 'db_password.txt'), 'utf8');

  it(
    'up -d --wait --build starts db and cache healthy, then the web app',
    async () => {
      await s.upBuilt([POSTGRES_IMAGE, REDIS_IMAGE]);
      const ps = s.ps();
      expect(Object.keys(ps).sort()).toEqual(['cache', 'db', 'web']);
      for (const service of ['cache', 'db', 'web']) {
        expect(ps[service]).toMatchObject({ State: 'running', Health: 'healthy' });
      }
    },
    STEP_TIMEOUT,
  );

  it('GET / on the published port proves the app talked to Redis and PostgreSQL', async () => {
    const first = await httpUntil(s.port, '/', /redis hits/, 10);
    const second = await httpGet(s.port, '/');
    expect(first.status).toBe(200);
    // e.g. "… (PostgreSQL 15.18 (Debian 15.18-0+deb12u1))"
    expect(first.body).toMatch(
      /^Hello from berth: redis hits=1, postgres visits=1 \(PostgreSQL 1\d\.\d+.*\)\n$/,
    );
    expect(second.body).toMatch(/redis hits=2, postgres visits=2 /);
  });

  it('exec reaches both backends directly', () => {
    const visits = s.psql('select count(*) from visits');
    expect(visits.stdout.trim()).toBe('2');
    const hits = s.ok(['exec', '-T', 'cache', 'redis-cli', 'get', 'hits']);
    expect(hits.stdout.trim()).toBe('2');
  });

  it('the secret is a file in /run/secrets, not an environment variable', () => {
    const secret = s.ok(['exec', '-T', 'web', 'cat', '/run/secrets/db_password']);
    expect(secret.stdout).toBe(password);
    const env = s.ok(['exec', '-T', 'web', 'env']);
    expect(env.stdout).not.toContain(password.trim());
  });

  it('logs shows PostgreSQL ready and the web app listening', () => {
    const db = s.ok(['logs', '--no-color', 'db']);
    expect(db.stdout).toMatch(/database system is ready to accept connections/);
    const web = s.ok(['logs', '--no-color', 'web']);
    expect(web.stdout).toMatch(/listening on :8000/);
  });

  it('run --rm reaches the cache from a one-off container', () => {
    const r = s.ok(['run', '--rm', '-T', '--no-deps', 'cache', 'redis-cli', '-h', 'cache', 'get', 'hits']);
    expect(r.stdout.trim()).toBe('2');
  });

  it(
    'down keeps the named volumes: after up again the counts go on',
    async () => {
      s.ok(['down']);
      expect(s.leftovers().containers).toEqual([]);
      expect(s.leftovers().volumes).toHaveLength(2);
      s.ok(['up', '-d', '--wait']);
      const r = await httpUntil(s.port, '/', /redis hits/, 10);
      expect(r.body).toMatch(/redis hits=3, postgres visits=3 /);
    },
    STEP_TIMEOUT,
  );

  it(
    'a changed GREETING recreates only web',
    async () => {
      const before = s.ps();
      s.ok(['up', '-d', '--wait'], { GREETING: 'Bonjour' });
      const after = s.ps();
      expect(after.web.ID).not.toBe(before.web.ID);
      expect(after.db.ID).toBe(before.db.ID);
      expect(after.cache.ID).toBe(before.cache.ID);
      const r = await httpUntil(s.port, '/', /^Bonjour/, 10);
      expect(r.body).toMatch(/^Bonjour: redis hits=4, postgres visits=4 /);
    },
    STEP_TIMEOUT,
  );

  itLeavesNothingAfterDown(s);
});

describe('examples/migrations-job: a one-shot job gated by service_completed_successfully', () => {
  const s = migrations;

  it(
    'up -d --wait --build runs the migrations, then starts the api',
    async () => {
      await s.upBuilt([POSTGRES_IMAGE]);
      const ps = s.ps();
      expect(Object.keys(ps).sort()).toEqual(['api', 'db', 'migrate']);
      expect(ps.migrate).toMatchObject({ State: 'exited', ExitCode: 0 });
      expect(ps.db).toMatchObject({ State: 'running', Health: 'healthy' });
      expect(ps.api).toMatchObject({ State: 'running', Health: 'healthy' });
    },
    STEP_TIMEOUT,
  );

  it('GET / shows the migrated schema', async () => {
    const r = await httpUntil(s.port, '/', /schema version/, 10);
    expect(r).toEqual({
      status: 200,
      body: 'schema version: 002_seed_messages\nmessage: hello from the migration job\n',
    });
  });

  it('logs migrate shows each migration applied once', () => {
    const r = s.ok(['logs', '--no-color', '--no-log-prefix', 'migrate']);
    expect(r.stdout).toContain('migration 001_create_messages: applying\n');
    expect(r.stdout).toContain('migration 002_seed_messages: applying\n');
    expect(r.stdout).toContain('migrations done: 2 applied\n');
  });

  it('run --rm migrate again applies nothing; a one-off exit code is berth run’s exit code', () => {
    const again = s.ok(['run', '--rm', '-T', 'migrate']);
    expect(again.stdout).toContain('migration 001_create_messages: already applied\n');
    expect(again.stdout).toContain('migrations done: 0 applied\n');
    const failing = s.berth(['run', '--rm', '-T', '--no-deps', 'migrate', 'sh', '-c', 'exit 3']);
    expect(failing.status).toBe(3);
  });

  it('exec queries the database the job migrated', () => {
    const r = s.psql('select count(*) from schema_migrations');
    expect(r.stdout.trim()).toBe('2');
  });

  itLeavesNothingAfterDown(s);
});
