/**
 * The README's first command, minus its installs and build: examples/hello-builtin on the built-in
 * engine through the CLI, with an image made the way scripts/example.sh makes it (`berth image import`
 * of a rootfs built from Debian's busybox-static). Checks the answer through the published port (web's
 * CGI asks api by its service name), `ps --format json`, and that `down` leaves no container, netns,
 * mount or supervisor behind. State dirs are temporary; the project name is unique.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, uniqueSuffix } from '../support/cli.js';
import { freePort, httpGet } from '../support/net.js';

const IMAGE = 'berth-e2e/busybox:1';

describe('examples/hello-builtin on the built-in engine (the README first command)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-hello-builtin-'));
  const env = {
    BERTH_RUNTIME: 'builtin',
    BERTH_ROOT: join(tmp, 'root'),
    BERTH_RUNROOT: join(tmp, 'run'),
    BUSYBOX_IMAGE: IMAGE,
    HTTP_PORT: '',
  };
  const project = `berth-e2e-hello-${uniqueSuffix()}`;
  const compose = ['-f', 'examples/hello-builtin/compose.yaml', '-p', project];
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    env.HTTP_PORT = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    try {
      berth([...compose, 'down', '-v', '-t', '1'], { env });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('imports a busybox rootfs tarball as an image', () => {
    const rootfs = join(tmp, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
    execFileSync('cp', ['/bin/busybox', join(rootfs, 'bin/busybox')]);
    for (const applet of execFileSync('/bin/busybox', ['--list-full'], { encoding: 'utf8' }).split('\n')) {
      if (!applet || applet === 'bin/busybox') continue;
      mkdirSync(dirname(join(rootfs, applet)), { recursive: true });
      if (!existsSync(join(rootfs, applet))) symlinkSync('/bin/busybox', join(rootfs, applet));
    }
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
    execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', join(tmp, 'rootfs.tar'), '.']);
    const r = berth(['image', 'import', '-c', 'CMD ["sh"]', join(tmp, 'rootfs.tar'), IMAGE], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it('brings both services up, web after api is healthy', () => {
    const r = berth([...compose, '--progress', 'plain', 'up', '-d', '--wait'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Waiting for api|api-1.*Healthy/);
    const ps = berth([...compose, 'ps', '--format', 'json'], { env });
    expect(ps.status).toBe(0);
    const rows = ps.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Service: string; State: string; Health: string; Publishers: unknown[] });
    expect(rows.map((x) => [x.Service, x.State, x.Health]).sort()).toEqual([
      ['api', 'running', 'healthy'],
      ['web', 'running', ''],
    ]);
  });

  it('answers on 127.0.0.1 with what web got from api by its service name', async () => {
    const res = await httpGet(port, '/cgi-bin/hello');
    expect(res.status).toBe(200);
    expect(res.body.trim()).toBe('web says hello; api says: hello from api');
  });

  it('no-op up changes nothing; down removes everything it made', () => {
    const again = berth([...compose, '--progress', 'plain', 'up', '-d'], { env });
    expect(again.status).toBe(0);
    expect(again.stderr).not.toMatch(/Recreate|Creating/);
    const ids = berth([...compose, 'ps', '-q'], { env })
      .stdout.trim()
      .split('\n');
    expect(ids).toHaveLength(2);
    const down = berth([...compose, 'down', '-t', '1'], { env });
    expect(down.status, down.stderr).toBe(0);
    expect(berth([...compose, 'ps', '-a', '-q'], { env }).stdout.trim()).toBe('');
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const id of ids) {
      expect(netns).not.toContain(`berth-${id.slice(0, 12)}`);
      expect(mounts).not.toContain(id);
    }
    expect(mounts).not.toContain(tmp);
  });
});
