/**
 * The docker adapter on the real dockerd: the shared runtime contract, plus what only this adapter
 * has (endpoint resolution errors, few requests for a list). A missing daemon fails these tests: it
 * is never a reason to skip them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/api/errors.js';
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { runtimeContract } from './runtime-contract.js';

runtimeContract('docker', () => createDockerRuntime());

describe('docker runtime: endpoint errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-endpoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A tcp endpoint is pinged when the runtime is made; a unix socket fails on the first call.
  const unreachable = async (env: NodeJS.ProcessEnv): Promise<RuntimeError> => {
    try {
      const rt = await createDockerRuntime({ env, home: dir });
      try {
        await rt.listContainers();
      } finally {
        await rt.close();
      }
    } catch (err) {
      expect(err).toBeInstanceOf(RuntimeError);
      return err as RuntimeError;
    }
    throw new Error('expected RUNTIME_UNREACHABLE');
  };

  it('names a unix socket path where nothing listens', async () => {
    const host = `unix://${join(dir, 'nothing.sock')}`;
    const err = await unreachable({ DOCKER_HOST: host });
    expect(err.code).toBe('RUNTIME_UNREACHABLE');
    expect(err.message).toBe(`no Docker engine at ${host}: is dockerd running?`);
    expect(err.hint).toMatch(/dockerd|DOCKER_HOST/);
  });

  it('names a closed tcp port on 127.0.0.1', async () => {
    // A port that was free a moment ago: bind, read it, close.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const err = await unreachable({ DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    expect(err.code).toBe('RUNTIME_UNREACHABLE');
    expect(err.message).toBe(`no Docker engine at tcp://127.0.0.1:${port}: is dockerd running?`);
  });

  it('gives up on an endpoint that accepts but never answers', async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      let err: unknown;
      try {
        await createDockerRuntime({
          env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` },
          home: dir,
          pingTimeoutMs: 300,
        });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).code).toBe('RUNTIME_UNREACHABLE');
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is ABORTED when the caller aborts the connection', async () => {
    const ac = new AbortController();
    ac.abort();
    let err: unknown;
    try {
      await createDockerRuntime({ signal: ac.signal });
    } catch (e) {
      err = e;
    }
    expect((err as RuntimeError).code).toBe('ABORTED');
  });

  it('reports an unknown docker context', async () => {
    const err = await unreachable({ DOCKER_CONTEXT: 'berth-test-no-such-context' });
    expect(err.code).toBe('RUNTIME_UNREACHABLE');
    expect(err.message).toContain('berth-test-no-such-context');
  });
});

describe('docker runtime: request economy', () => {
  it('reads over a unix socket without a ping; the first write negotiates the API version once', async () => {
    const rt = await createDockerRuntime();
    try {
      expect(rt.client.requests).toBe(0);
      await rt.listContainers({ labels: { 'com.docker.compose.project': 'berth-test-nothing-here' } });
      expect(rt.client.requests).toBe(1);
      expect(rt.client.apiVersion).toBeUndefined();
      await expect(rt.stopContainer('berth-test-no-such-container')).rejects.toMatchObject({
        code: 'RUNTIME_NOT_FOUND',
      });
      expect(rt.client.requests).toBe(3);
      expect(rt.client.apiVersion).toMatch(/^1\.\d+$/);
      await expect(rt.stopContainer('berth-test-no-such-container')).rejects.toBeInstanceOf(RuntimeError);
      expect(rt.client.requests).toBe(4);
    } finally {
      await rt.close();
    }
  });
});
