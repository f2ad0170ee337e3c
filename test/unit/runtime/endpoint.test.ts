import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/api/errors.js';
import { parseHost, resolveDockerEndpoint } from '../../../src/runtime/docker/endpoint.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'berth-endpoint-unit-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Writes a docker context like `docker context create` does. */
function writeContext(
  configDir: string,
  name: string,
  host: string,
  opts: { tls?: boolean; skipVerify?: boolean } = {},
) {
  const meta = join(configDir, 'contexts', 'meta', sha(name));
  mkdirSync(meta, { recursive: true });
  writeFileSync(
    join(meta, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: opts.skipVerify ?? false } },
    }),
  );
  if (opts.tls) {
    const tls = join(configDir, 'contexts', 'tls', sha(name), 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(tls, f), f);
  }
}

function errorOf(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RuntimeError) return err;
    throw err;
  }
  throw new Error('expected a RuntimeError');
}

describe('resolveDockerEndpoint', () => {
  it('defaults to the system socket', () => {
    expect(resolveDockerEndpoint({ env: {}, home })).toEqual({
      host: 'unix:///var/run/docker.sock',
      source: 'default',
      transport: { kind: 'unix', socketPath: '/var/run/docker.sock' },
    });
  });

  it.each([
    [
      'unix:///run/user/1000/docker.sock',
      { kind: 'unix', socketPath: '/run/user/1000/docker.sock' },
      'unix:///run/user/1000/docker.sock',
    ],
    ['tcp://10.1.2.3:2375', { kind: 'tcp', hostname: '10.1.2.3', port: 2375 }, 'tcp://10.1.2.3:2375'],
    [
      'tcp://docker.example',
      { kind: 'tcp', hostname: 'docker.example', port: 2375 },
      'tcp://docker.example:2375',
    ],
    ['tcp://[::1]:2375', { kind: 'tcp', hostname: '::1', port: 2375 }, 'tcp://[::1]:2375'],
  ])('DOCKER_HOST=%s', (host, transport, shown) => {
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: host }, home });
    expect(e).toEqual({ host: shown, source: 'DOCKER_HOST', transport, tls: undefined });
  });

  it('DOCKER_TLS_VERIFY uses ~/.docker certificates and port 2376 by default', () => {
    const dir = join(home, '.docker');
    mkdirSync(dir);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), f);
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1' }, home });
    expect(e.transport).toEqual({ kind: 'tcp', hostname: 'h', port: 2376 });
    expect(e.tls).toEqual({
      ca: join(dir, 'ca.pem'),
      cert: join(dir, 'cert.pem'),
      key: join(dir, 'key.pem'),
      verify: true,
    });
  });

  it('DOCKER_CERT_PATH alone turns TLS on without verification; missing files are left out', () => {
    const certs = join(home, 'certs');
    mkdirSync(certs);
    writeFileSync(join(certs, 'ca.pem'), 'ca');
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:1234', DOCKER_CERT_PATH: certs }, home });
    expect(e.tls).toEqual({ ca: join(certs, 'ca.pem'), cert: undefined, key: undefined, verify: false });
    expect(e.transport).toEqual({ kind: 'tcp', hostname: 'h', port: 1234 });
  });

  it('DOCKER_HOST wins over DOCKER_CONTEXT', () => {
    writeContext(join(home, '.docker'), 'remote', 'tcp://10.0.0.9:2375');
    const e = resolveDockerEndpoint({
      env: { DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'remote' },
      home,
    });
    expect(e.host).toBe('unix:///x.sock');
  });

  it('DOCKER_CONTEXT selects a context from the meta store, with its TLS material', () => {
    const dir = join(home, '.docker');
    writeContext(dir, 'remote', 'tcp://10.0.0.9:2376', { tls: true });
    const e = resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'remote' }, home });
    const tls = join(dir, 'contexts', 'tls', sha('remote'), 'docker');
    expect(e).toEqual({
      host: 'tcp://10.0.0.9:2376',
      source: 'context',
      context: 'remote',
      transport: { kind: 'tcp', hostname: '10.0.0.9', port: 2376 },
      tls: { ca: join(tls, 'ca.pem'), cert: join(tls, 'cert.pem'), key: join(tls, 'key.pem'), verify: true },
    });
  });

  it('currentContext in config.json, under DOCKER_CONFIG', () => {
    const dir = join(home, 'elsewhere');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'rootless' }));
    writeContext(dir, 'rootless', 'unix:///run/user/1000/docker.sock', { tls: true, skipVerify: true });
    const e = resolveDockerEndpoint({ env: { DOCKER_CONFIG: dir }, home });
    expect(e.source).toBe('context');
    expect(e.transport).toEqual({ kind: 'unix', socketPath: '/run/user/1000/docker.sock' });
    expect(e.tls?.verify).toBe(false);
  });

  it('the `default` context is the default socket', () => {
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'default' }));
    expect(resolveDockerEndpoint({ env: {}, home }).host).toBe('unix:///var/run/docker.sock');
  });

  it('a missing context is an error naming it', () => {
    const err = errorOf(() => resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'nope' }, home }));
    expect(err.code).toBe('RUNTIME_UNREACHABLE');
    expect(err.message).toBe('docker context "nope" not found');
    expect(err.hint).toContain(sha('nope'));
  });

  it('npipe:// is ignored outside Windows', () => {
    const e = resolveDockerEndpoint({
      env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' },
      home,
      platform: 'linux',
    });
    expect(e.host).toBe('unix:///var/run/docker.sock');
  });

  it('rejects schemes it cannot dial', () => {
    expect(errorOf(() => parseHost('ssh://me@host', false)).message).toContain('ssh://');
    expect(errorOf(() => parseHost('ftp://host', false)).code).toBe('RUNTIME_UNREACHABLE');
    expect(errorOf(() => parseHost('unix://', false)).message).toContain('empty');
  });

  it('a corrupt config.json is reported, not ignored', () => {
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), '{');
    expect(errorOf(() => resolveDockerEndpoint({ env: {}, home })).message).toContain('config.json');
  });
});
