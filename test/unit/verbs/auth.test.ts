import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  credentialsFor,
  credentialsForBuild,
  credentialsForImage,
  DOCKER_HUB_KEY,
  dockerConfigDir,
  dockerfileBaseImages,
  hostnameOf,
  registryKey,
} from '../../../src/runtime/docker/auth.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A DOCKER_CONFIG dir with `config` as its config.json. */
function dockerConfig(config: unknown): string {
  const dir = tempDir('berth-docker-config-');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * A fake `docker-credential-test` on a PATH of its own: it records the server it was asked about and
 * answers from a table (exit 1 with "credentials not found" otherwise), as real helpers do.
 */
function fakeHelper(table: Record<string, { Username: string; Secret: string }>): {
  path: string;
  log: string;
} {
  const bin = tempDir('berth-cred-helper-');
  const log = join(bin, 'asked.log');
  const cases = Object.entries(table)
    .map(
      ([server, c]) =>
        `  ${JSON.stringify(server)}) printf '%s' ${JSON.stringify(JSON.stringify({ ServerURL: server, ...c }))} ;;`,
    )
    .join('\n');
  writeFileSync(
    join(bin, 'docker-credential-test'),
    `#!/bin/sh\n[ "$1" = get ] || exit 2\nread -r server\nprintf '%s\\n' "$server" >> ${JSON.stringify(log)}\ncase "$server" in\n${cases}\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n`,
  );
  chmodSync(join(bin, 'docker-credential-test'), 0o755);
  return { path: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, log };
}

describe('registry of a reference', () => {
  it.each([
    ['nginx', DOCKER_HUB_KEY],
    ['library/nginx:1', DOCKER_HUB_KEY],
    ['docker.io/library/nginx', DOCKER_HUB_KEY],
    ['index.docker.io/u/app', DOCKER_HUB_KEY],
    ['user/app:tag', DOCKER_HUB_KEY],
    ['127.0.0.1:5000/a/b:1', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['ghcr.io/org/app@sha256:abc', 'ghcr.io'],
  ])('%s → %s', (ref, key) => {
    expect(registryKey(ref)).toBe(key);
  });

  it('normalizes auths keys to hosts', () => {
    expect(hostnameOf('https://registry.example.com:5000/v2/')).toBe('registry.example.com:5000');
    expect(hostnameOf('reg.local')).toBe('reg.local');
  });
});

describe('credentials from config.json', () => {
  it('honours DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ env: { DOCKER_CONFIG: '/x/y' } })).toBe('/x/y');
    expect(dockerConfigDir({ env: {}, home: '/home/u' })).toBe('/home/u/.docker');
  });

  it('decodes auths: base64 user:password, identity tokens, keys written as URLs, Docker Hub', async () => {
    const dir = dockerConfig({
      auths: {
        '127.0.0.1:5000': { auth: b64('alice:s3cr:et') },
        'https://reg.example.com/v1/': { auth: b64('bob:pw') },
        'tok.example.com': { identitytoken: 'refresh-token' },
        [DOCKER_HUB_KEY]: { auth: b64('hubuser:hubpw') },
      },
    });
    const env = { DOCKER_CONFIG: dir };
    expect(await credentialsForImage('127.0.0.1:5000/app:1', { env })).toEqual({
      username: 'alice',
      password: 's3cr:et',
      serverAddress: '127.0.0.1:5000',
    });
    expect(await credentialsForImage('reg.example.com/team/app', { env })).toMatchObject({
      username: 'bob',
      password: 'pw',
    });
    expect(await credentialsForImage('tok.example.com/app', { env })).toEqual({
      identityToken: 'refresh-token',
      serverAddress: 'tok.example.com',
    });
    expect(await credentialsForImage('nginx:latest', { env })).toMatchObject({
      username: 'hubuser',
      password: 'hubpw',
      serverAddress: DOCKER_HUB_KEY,
    });
    expect(await credentialsForImage('other.example.com/app', { env })).toBeUndefined();
  });

  it('is anonymous without a config file, or with a broken one', async () => {
    const empty = tempDir('berth-docker-config-');
    expect(
      await credentialsForImage('127.0.0.1:5000/app', { env: { DOCKER_CONFIG: empty } }),
    ).toBeUndefined();
    writeFileSync(join(empty, 'config.json'), '{not json');
    expect(
      await credentialsForImage('127.0.0.1:5000/app', { env: { DOCKER_CONFIG: empty } }),
    ).toBeUndefined();
  });

  it('asks credHelpers per registry and credsStore otherwise, falling back to auths', async () => {
    const helper = fakeHelper({
      'reg.example.com': { Username: 'helped', Secret: 'from-helper' },
      [DOCKER_HUB_KEY]: { Username: '<token>', Secret: 'hub-token' },
    });
    const perRegistry = dockerConfig({
      credHelpers: { 'reg.example.com': 'test' },
      auths: { 'plain.example.com': { auth: b64('file:pw') } },
    });
    const env = { DOCKER_CONFIG: perRegistry, PATH: helper.path };
    expect(await credentialsFor('reg.example.com', { env })).toEqual({
      username: 'helped',
      password: 'from-helper',
      serverAddress: 'reg.example.com',
    });
    // No helper for this one: the file answers, and the helper is not asked.
    expect(await credentialsFor('plain.example.com', { env })).toMatchObject({ username: 'file' });
    expect(readFileSync(helper.log, 'utf8').trim().split('\n')).toEqual(['reg.example.com']);

    const store = dockerConfig({
      credsStore: 'test',
      auths: { 'fallback.example.com': { auth: b64('fb:pw') } },
    });
    const storeEnv = { DOCKER_CONFIG: store, PATH: helper.path };
    // `<token>` as the user name means an identity token.
    expect(await credentialsForImage('busybox', { env: storeEnv })).toEqual({
      identityToken: 'hub-token',
      serverAddress: DOCKER_HUB_KEY,
    });
    // The helper knows nothing about it (exit 1): the file's auths still count.
    expect(await credentialsFor('fallback.example.com', { env: storeEnv })).toMatchObject({ username: 'fb' });
    expect(await credentialsFor('unknown.example.com', { env: storeEnv })).toBeUndefined();
    expect(readFileSync(helper.log, 'utf8').trim().split('\n')).toEqual([
      'reg.example.com',
      DOCKER_HUB_KEY,
      'fallback.example.com',
      'unknown.example.com',
    ]);
  });

  it('treats a helper that is not installed as no credentials', async () => {
    const dir = dockerConfig({ credsStore: 'berth-missing-helper' });
    expect(
      await credentialsFor('reg.example.com', { env: { DOCKER_CONFIG: dir, PATH: '/nonexistent' } }),
    ).toBe(undefined);
  });
});

describe('build credentials (X-Registry-Config)', () => {
  it('finds the base images of a Dockerfile, skipping stages, scratch and build args', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=linux/amd64 127.0.0.1:5000/base:1 AS builder',
      'RUN make',
      'FROM builder AS again',
      'FROM scratch',
      'FROM $BASE',
      'from \\',
      '  ghcr.io/org/runtime:2',
      '',
    ].join('\n');
    expect(dockerfileBaseImages(dockerfile)).toEqual(['127.0.0.1:5000/base:1', 'ghcr.io/org/runtime:2']);
  });

  it('maps each base image registry to its credentials', async () => {
    const dir = dockerConfig({ auths: { '127.0.0.1:5000': { auth: b64('u:p') } } });
    expect(
      await credentialsForBuild('FROM 127.0.0.1:5000/base:1\nFROM busybox\n', {
        env: { DOCKER_CONFIG: dir },
      }),
    ).toEqual({ '127.0.0.1:5000': { username: 'u', password: 'p', serverAddress: '127.0.0.1:5000' } });
  });
});
