/**
 * `berth build`, `push`, `pull`, `images` and `up --build` as a user runs them: the built CLI
 * (`node bin/berth.js`, so `npm run build` first) against the real dockerd and a real registry on
 * 127.0.0.1 (test/support/registry.ts) with credentials from a temporary DOCKER_CONFIG. afterAll
 * takes the project down, removes its images and stops the registry, however the tests end.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeLeftovers } from '../support/cleanup.js';
import { docker, PROJECT_LABEL, prepareBusyboxTests, berth as run, uniqueSuffix } from '../support/cli.js';
import { BUSYBOX_IMAGE } from '../support/images/busybox.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const project = `berth-e2e-build-${uniqueSuffix()}`;

let registry: TestRegistry;
let dir: string;
let goodConfig: string;
let badConfig: string;
let ref: string;

/** `berth -p <project> …` in the project directory, with the registry credentials of `dockerConfig`. */
function berth(args: string[], dockerConfig = goodConfig) {
  return run(['-p', project, ...args], { cwd: dir, env: { DOCKER_CONFIG: dockerConfig }, timeout: 180_000 });
}

beforeAll(async () => {
  await prepareBusyboxTests();
  registry = await startRegistry();
  goodConfig = registry.dockerConfig();
  badConfig = registry.dockerConfig({ password: 'wrong' });
  ref = `${registry.host}/${project}/app:1`;
  dir = mkdtempSync(join(tmpdir(), `${project}-`));
  mkdirSync(join(dir, 'app'));
  writeFileSync(
    join(dir, 'app', 'Dockerfile'),
    `FROM ${BUSYBOX_IMAGE}\nCOPY msg.txt /msg.txt\nCMD ["sleep", "3600"]\n`,
  );
  writeFileSync(join(dir, 'app', 'msg.txt'), 'first\n');
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:\n  app:\n    image: ${ref}\n    build: ./app\n    stop_grace_period: 1s\n`,
  );
});

afterAll(async () => {
  try {
    if (dir) run(['-p', project, 'down', '-t', '0'], { cwd: dir });
    removeLeftovers(project);
    if (ref) spawnSync('docker', ['rmi', '-f', ref], { encoding: 'utf8' });
    // Built images carry the project label, the ones a rebuild left untagged too.
    const images = docker(['images', '-q', '--filter', `label=${PROJECT_LABEL}=${project}`]);
    if (images) spawnSync('docker', ['rmi', '-f', ...new Set(images.split('\n'))], { encoding: 'utf8' });
  } finally {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

describe('berth build / push / pull / images', () => {
  it('builds, printing the build output prefixed by service and the progress on stderr', () => {
    const r = berth(['build']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^app +\| Step 1\/\d+ : FROM berth-test\/busybox:1$/m);
    expect(r.stderr).toContain(` Image ${ref}  Built`);
    const quiet = berth(['build', '-q', '--build-arg', 'UNUSED=1']);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
  });

  it('fails a push with a wrong password with a message and a hint', () => {
    const r = berth(['push'], badConfig);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*(unauthorized|no basic auth credentials)/m);
    expect(r.stderr).toContain(`hint: ${registry.host} refused the credentials`);
  });

  it('pushes, then pulls back what was removed locally, with per-layer lines', () => {
    const pushed = berth(['push']);
    expect(pushed.status).toBe(0);
    expect(pushed.stderr).toContain(` Image ${ref}  Pushed`);
    const id = docker(['image', 'inspect', '-f', '{{.Id}}', ref]);
    docker(['rmi', ref]);
    const pulled = berth(['pull']);
    expect(pulled.status).toBe(0);
    expect(pulled.stderr).toContain(` Image ${ref}  Pulled`);
    expect(pulled.stderr).toMatch(/^ {3}[0-9a-f]{12} (Pull complete|Already exists)$/m);
    expect(docker(['image', 'inspect', '-f', '{{.Id}}', ref])).toBe(id);
    const skipped = berth(['pull', '--policy', 'missing', '-q']);
    expect(skipped.status).toBe(0);
    expect(skipped.stderr).toBe('');
  });

  it('lists the images of the project containers after up; up --build rebuilds', () => {
    expect(berth(['up', '-d', '--no-build']).status).toBe(0);
    const json = berth(['images', '--format', 'json']);
    expect(json.status).toBe(0);
    const rows = JSON.parse(json.stdout);
    expect(rows).toEqual([
      expect.objectContaining({
        ContainerName: `${project}-app-1`,
        Repository: `${registry.host}/${project}/app`,
        Tag: '1',
        Platform: expect.stringMatching(/^linux\//),
      }),
    ]);
    const before = rows[0].ID;
    expect(berth(['images', '-q']).stdout).toBe(`${before.replace(/^sha256:/, '')}\n`);
    expect(berth(['images']).stdout).toMatch(
      /^CONTAINER +REPOSITORY +TAG +PLATFORM +IMAGE ID +SIZE +CREATED\n/,
    );

    writeFileSync(join(dir, 'app', 'msg.txt'), 'second\n');
    const rebuilt = berth(['up', '-d', '--build']);
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stderr).toContain(` Image ${ref}  Built`);
    const after = JSON.parse(berth(['images', '--format', 'json']).stdout);
    expect(after[0].ID).not.toBe(before);
    expect(docker(['exec', `${project}-app-1`, 'cat', '/msg.txt'])).toBe('second');
  });
});
