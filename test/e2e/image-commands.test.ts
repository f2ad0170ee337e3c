/**
 * `berth image …`, `berth login` / `logout` as a user runs them: the built CLI (`node bin/berth.js`,
 * so `npm run build` first) on a temporary BERTH_ROOT, a real docker-registry with htpasswd on
 * 127.0.0.1 (test/support/registry.ts), a temporary DOCKER_CONFIG, and dockerd for `docker save` /
 * `docker load` interop. afterAll stops the registry, removes the docker images the test loaded and
 * the temporary directories, however the tests end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, cleanEnv, docker, prepareBusyboxTests, berth as run, uniqueSuffix } from '../support/cli.js';
import { BUSYBOX_IMAGE } from '../support/images/busybox.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const name = `berth-e2e-image-${uniqueSuffix()}`;

let registry: TestRegistry;
let dir: string;
let root: string;
let dockerConfig: string;
let busyboxId: string;
let remote: string;
const dockerRefs: string[] = [];
const dockerIds: string[] = [];

function berth(args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}) {
  return run(args, {
    env: { BERTH_ROOT: root, DOCKER_CONFIG: dockerConfig, ...options.env },
    timeout: 180_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

function ok(args: string[], options: { input?: string | Buffer } = {}) {
  const r = berth(args, options);
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  expect(r.stderr).not.toMatch(/error/i);
  return r.stdout;
}

beforeAll(async () => {
  await prepareBusyboxTests();
  registry = await startRegistry();
  dir = mkdtempSync(join(tmpdir(), `${name}-`));
  root = join(dir, 'root');
  dockerConfig = join(dir, 'docker-config');
  mkdirSync(dockerConfig);
  busyboxId = docker(['image', 'inspect', '--format', '{{.Id}}', BUSYBOX_IMAGE]);
  remote = `${registry.host}/${name}/busybox:1`;
  const save = spawnSync('docker', ['save', '-o', join(dir, 'busybox.tar'), BUSYBOX_IMAGE], {
    encoding: 'utf8',
  });
  if (save.status !== 0) throw new Error(`docker save failed: ${save.stderr}`);
}, 300_000);

afterAll(async () => {
  try {
    for (const ref of dockerRefs) spawnSync('docker', ['rmi', ref], { encoding: 'utf8' });
    for (const id of dockerIds) spawnSync('docker', ['rmi', '-f', id], { encoding: 'utf8' });
  } finally {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

describe('berth login / image … / logout', () => {
  it('refuses a wrong password with exit 1, a clear message and nothing stored', () => {
    const r = berth(['login', '-u', registry.username, '--password-stdin', registry.host], {
      input: 'wrong\n',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^error: login to 127\.0\.0\.1:\d+ failed: the registry refused the username or password$/m,
    );
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dockerConfig, 'config.json'))).toBe(false);
  });

  it('logs in with --password-stdin, storing the credentials in DOCKER_CONFIG', () => {
    const r = berth(['login', '-u', registry.username, '--password-stdin', registry.host], {
      input: `${registry.password}\n`,
    });
    expect(r.stderr).toContain('WARNING! Your password will be stored unencrypted');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Login Succeeded\n');
    const config = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8'));
    expect(Buffer.from(config.auths[registry.host].auth, 'base64').toString()).toBe(
      `${registry.username}:${registry.password}`,
    );
    expect(statSync(join(dockerConfig, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('loads a docker save tarball; image ls shows it with docker’s image ID', () => {
    expect(ok(['image', 'load', '-i', join(dir, 'busybox.tar')])).toBe(`Loaded image: ${BUSYBOX_IMAGE}\n`);
    const ls = ok(['image', 'ls']);
    expect(ls.split('\n')[0]).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    expect(ls).toMatch(
      new RegExp(`^berth-test/busybox +1 +${busyboxId.slice(7, 19)} +\\S.* ago +[\\d.]+[kM]B$`, 'm'),
    );
    expect(ok(['image', 'ls', '-q', '--no-trunc'])).toBe(`${busyboxId}\n`);
    const json = JSON.parse(ok(['image', 'ls', '--format', 'json', 'berth-test/busybox']).trim());
    expect(json).toMatchObject({ Repository: 'berth-test/busybox', Tag: '1', ID: busyboxId.slice(7, 19) });
    expect(ok(['image', 'ls', 'berth-test/other'])).toBe(
      'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n',
    );
  });

  it('tags and pushes to the registry', () => {
    expect(ok(['image', 'tag', BUSYBOX_IMAGE, remote])).toBe('');
    const out = ok(['image', 'push', remote]);
    expect(out).toContain(`The push refers to repository [${registry.host}/${name}/busybox]`);
    expect(out).toMatch(/^[0-9a-f]{12}: Pushed$/m);
    expect(out).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    // Pushed again: the registry has every layer.
    expect(ok(['image', 'push', remote])).toMatch(/^[0-9a-f]{12}: Layer already exists$/m);
  });

  it('removes the tag, then the image, with Untagged/Deleted lines', () => {
    expect(ok(['image', 'rm', remote])).toBe(`Untagged: ${remote}\n`);
    const r = ok(['image', 'rm', BUSYBOX_IMAGE]);
    expect(r).toContain(`Untagged: ${BUSYBOX_IMAGE}\n`);
    expect(r).toContain(`Deleted: ${busyboxId}\n`);
    expect(ok(['image', 'ls', '-q'])).toBe('');
    const missing = berth(['image', 'rm', BUSYBOX_IMAGE]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`error: No such image: ${BUSYBOX_IMAGE}`);
  });

  it('pulls it back (same image ID), then it is up to date', () => {
    const out = ok(['image', 'pull', remote]);
    expect(out.split('\n')[0]).toBe(`1: Pulling from ${name}/busybox`);
    expect(out).toMatch(/^[0-9a-f]{12}: Pull complete$/m);
    expect(out).toMatch(/^Digest: sha256:[0-9a-f]{64}$/m);
    expect(out).toContain(`Status: Downloaded newer image for ${remote}\n${remote}\n`);
    expect(ok(['image', 'ls', '-q', '--no-trunc'])).toBe(`${busyboxId}\n`);
    const again = ok(['image', 'pull', '-q', remote]);
    expect(again).toBe(`${remote}\n`);
    expect(ok(['image', 'pull', remote])).toContain(`Status: Image is up to date for ${remote}`);
  });

  it('fails to pull an unknown tag or a bad reference with the right errors', () => {
    const unknown = berth(['image', 'pull', `${registry.host}/${name}/busybox:nope`]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^error: .*not found/m);
    const bad = berth(['image', 'pull', 'Not_Valid:ref']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*(invalid reference format|must be lowercase)/m);
    expect(bad.stderr).toContain('Not_Valid:ref');
    const inspect = berth(['image', 'inspect', 'berth-test/none:1']);
    expect(inspect.status).toBe(1);
    expect(inspect.stdout).toBe('[]\n');
    expect(inspect.stderr).toContain('error: No such image: berth-test/none:1');
  });

  it('inspects and shows the history like docker', () => {
    const [info] = JSON.parse(ok(['image', 'inspect', remote]));
    const mine = JSON.parse(docker(['image', 'inspect', BUSYBOX_IMAGE]))[0];
    expect(info.Id).toBe(busyboxId);
    expect(info.RepoTags).toEqual([remote]);
    expect(info.RepoDigests[0]).toMatch(new RegExp(`^${registry.host}/${name}/busybox@sha256:`));
    expect(info.Created).toBe(mine.Created);
    expect(info.Architecture).toBe(mine.Architecture);
    expect(info.Os).toBe(mine.Os);
    expect(info.Config.Cmd).toEqual(mine.Config.Cmd);
    expect(info.RootFS).toEqual(mine.RootFS);
    const history = ok(['image', 'history', remote]).trimEnd().split('\n');
    const theirs = docker(['history', '-q', BUSYBOX_IMAGE]).split('\n');
    expect(history[0]).toMatch(/^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/);
    expect(history).toHaveLength(theirs.length + 1);
    expect(history[1]).toMatch(new RegExp(`^${busyboxId.slice(7, 19)} `));
    expect(ok(['image', 'history', '-q', '--no-trunc', remote]).split('\n')[0]).toBe(busyboxId);
    expect(ok(['image', 'history', '--no-trunc', remote])).toContain('/bin/sh -c #(nop)  CMD ["sh"]');
  });

  it('saves a tarball docker loads with the same image ID, and berth loads from stdin', () => {
    const tarball = join(dir, 'saved.tar');
    const tag = `${name}/saved:1`;
    ok(['image', 'tag', remote, tag]);
    expect(ok(['image', 'save', '-o', tarball, tag])).toBe('');
    const listing = spawnSync('tar', ['tf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of ['manifest.json', 'index.json', 'oci-layout', 'repositories'])
      expect(listing).toContain(f);
    dockerRefs.push(tag);
    const loaded = docker(['load', '-i', tarball]);
    expect(loaded).toContain(`Loaded image: ${tag}`);
    expect(docker(['image', 'inspect', '--format', '{{.Id}}', tag])).toBe(busyboxId);
    // To stdout when it is not a terminal: the same bytes.
    const piped = spawnSync(process.execPath, [bin, 'image', 'save', tag], {
      env: cleanEnv({ BERTH_ROOT: root }),
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(piped.status).toBe(0);
    expect(piped.stdout.equals(readFileSync(tarball))).toBe(true);
    ok(['image', 'rm', tag]);
    expect(ok(['image', 'load'], { input: piped.stdout })).toBe(`Loaded image: ${tag}\n`);
    expect(ok(['image', 'ls', '-q', '--no-trunc', tag])).toBe(`${busyboxId}\n`);
  });

  it('imports a rootfs tarball as a one-layer image that docker loads with the same ID and runs', () => {
    // busybox's layer from the docker save tarball: a rootfs tarball with a shell.
    const extracted = join(dir, 'busybox');
    mkdirSync(extracted);
    expect(spawnSync('tar', ['-xf', join(dir, 'busybox.tar'), '-C', extracted]).status).toBe(0);
    const [entry] = JSON.parse(readFileSync(join(extracted, 'manifest.json'), 'utf8'));
    const tarball = join(extracted, entry.Layers[0]);
    const ref = `${name}/imported:1`;
    const out = ok(['image', 'import', '-m', 'from the test', '-c', `CMD ["echo", "${name}"]`, tarball, ref]);
    expect(out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const id = out.trim();
    const [info] = JSON.parse(ok(['image', 'inspect', ref]));
    expect(info.Id).toBe(id);
    expect(info.RootFS.Layers).toHaveLength(1);
    expect(info.Config.Cmd).toEqual(['echo', name]);
    expect(info.Comment).toBe('from the test');
    const saved = join(dir, 'imported.tar');
    ok(['image', 'save', '-o', saved, ref]);
    dockerIds.push(id);
    expect(docker(['load', '-i', saved])).toContain(`Loaded image: ${ref}`);
    expect(docker(['image', 'inspect', '--format', '{{.Id}}', ref])).toBe(id);
    expect(docker(['run', '--rm', ref])).toBe(name);
    spawnSync('docker', ['rmi', '-f', id], { encoding: 'utf8' });
  });

  it('prunes dangling images, then with -a everything unused', () => {
    const ref = `${name}/imported:1`;
    const [before] = JSON.parse(ok(['image', 'inspect', ref]));
    // Re-importing under the same name leaves the first image dangling.
    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc', 'hello'), `${name}\n`);
    const tarball = join(dir, 'rootfs.tar');
    expect(spawnSync('tar', ['-cf', tarball, '-C', rootfs, '.']).status).toBe(0);
    ok(['image', 'import', tarball, ref]);
    expect(ok(['image', 'ls'])).toMatch(/^<none> +<none> +/m);
    const pruned = ok(['image', 'prune', '-f']);
    expect(pruned).toContain(`deleted: ${before.Id}\n`);
    expect(pruned).toMatch(/^Total reclaimed space: [\d.]+k?B$/m);
    expect(ok(['image', 'ls'])).not.toMatch(/<none>/);
    const all = ok(['image', 'prune', '-a', '-f']);
    expect(all).toContain(`untagged: ${ref}\n`);
    expect(all).toContain(`untagged: ${remote}\n`);
    expect(all).toContain(`deleted: ${busyboxId}\n`);
    expect(all).toMatch(/^Total reclaimed space: [\d.]+MB$/m);
    expect(ok(['image', 'ls', '-q'])).toBe('');
    expect(ok(['image', 'prune', '-f'])).toBe('Total reclaimed space: 0B\n');
  });

  it('logs out, removing the credentials', () => {
    expect(ok(['logout', registry.host])).toBe(`Removing login credentials for ${registry.host}\n`);
    const config = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8'));
    expect(config.auths[registry.host]).toBeUndefined();
    expect(ok(['logout', registry.host])).toBe(`Not logged in to ${registry.host}\n`);
    // Without credentials the registry refuses a pull.
    const r = berth(['image', 'pull', remote]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*authentication required/m);
  });
});
