/**
 * The contract every Runtime must pass (docker today, builtin later): one vitest suite, parameterised
 * by a factory. It uses only the offline busybox test image, sends traffic only to 127.0.0.1 and to
 * containers on networks it created, and removes everything it created in afterAll, even after a
 * failure: every object carries the label `berth.test.run=<random id>` and a `berth-test-<id>-` name.
 *
 * Tests in one describe block run in order and share the containers they start (starting one per
 * assertion would make the suite slow); each block creates what it needs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/api/errors.js';
import type {
  ContainerInfo,
  ContainerSpec,
  LogLine,
  Runtime,
  RuntimeEvent,
} from '../../src/runtime/runtime.js';
import { ensureBusyboxImage } from '../support/images/busybox.js';

const RUN_LABEL = 'berth.test.run';

/** How a runtime differs from the contract, each with its reason: the suite then checks that the runtime
 * refuses the feature with UNSUPPORTED, instead of testing it. */
export interface ContractOptions {
  /** Puts the busybox test image into the runtime (default: builds it with `buildImage`). */
  image?: (rt: Runtime) => Promise<string>;
  differences?: { build?: string };
}

export function runtimeContract(
  name: string,
  make: () => Promise<Runtime>,
  options: ContractOptions = {},
): void {
  describe(`runtime contract: ${name}`, () => {
    const runId = randomBytes(4).toString('hex');
    const prefix = `berth-test-${runId}`;
    const labels = { [RUN_LABEL]: runId };
    let rt: Runtime;
    let image: string;
    let network: string;
    let tmp: string;
    /** Image references the tests created, removed in afterAll. */
    const images: string[] = [];

    /** A ContainerSpec with the run label and a unique name; `extra` overrides. */
    const spec = (suffix: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
      name: `${prefix}-${suffix}`,
      image,
      env: {},
      labels: { ...labels, ...extra.labels },
      mounts: [],
      ports: [],
      networks: {},
      ...extra,
      ...(extra.labels ? { labels: { ...labels, ...extra.labels } } : {}),
    });

    const run = async (suffix: string, extra: Partial<ContainerSpec> = {}): Promise<string> => {
      const { id } = await rt.createContainer(spec(suffix, extra));
      await rt.startContainer(id);
      return id;
    };

    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (err) {
        expect(err).toBeInstanceOf(RuntimeError);
        return (err as RuntimeError).code;
      }
      throw new Error('expected a RuntimeError');
    };

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'berth-contract-'));
      rt = await make();
      image = await (options.image ?? ensureBusyboxImage)(rt);
      network = `${prefix}-net`;
      await rt.createNetwork({ name: network, labels });
    });

    afterAll(async () => {
      if (rt) {
        const errors: unknown[] = [];
        const attempt = async (f: () => Promise<unknown>) => {
          try {
            await f();
          } catch (err) {
            if (!(err instanceof RuntimeError && err.code === 'RUNTIME_NOT_FOUND')) errors.push(err);
          }
        };
        for (const c of await rt.listContainers({ labels: { [RUN_LABEL]: runId }, all: true })) {
          await attempt(() => rt.removeContainer(c.id, { force: true, volumes: true }));
        }
        for (const n of await rt.listNetworks({ labels: { [RUN_LABEL]: runId } })) {
          await attempt(() => rt.removeNetwork(n.id));
        }
        for (const v of await rt.listVolumes({ labels: { [RUN_LABEL]: runId } })) {
          await attempt(() => rt.removeVolume(v.name, { force: true }));
        }
        for (const ref of images) {
          if (await rt.inspectImage(ref)) await attempt(() => rt.removeImage(ref, { force: true }));
        }
        await rt.close();
        if (tmp) rmSync(tmp, { recursive: true, force: true });
        if (errors.length > 0) throw new AggregateError(errors, 'contract cleanup failed');
      } else if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('info names the runtime, its endpoint and version', async () => {
      const info = await rt.info();
      expect(info.runtime).toBe(name);
      expect(info.endpoint).not.toBe('');
      expect(info.serverVersion).toMatch(/\d/);
      expect(info.os).toBe('linux');
    });

    it('inspects the busybox test image and reports a missing one as undefined', async () => {
      const img = await rt.inspectImage(image);
      expect(img?.tags).toContain(image);
      expect(img?.id).toMatch(/^sha256:/);
      expect(img?.config?.cmd).toEqual(['sh']);
      expect(await rt.inspectImage(`${prefix}/missing:1`)).toBeUndefined();
      const listed = await rt.listImages({ labels: { 'berth.test.recipe': true } });
      expect(listed.some((i) => i.tags.includes(image))).toBe(true);
    });

    it('creates, lists by label, inspects and removes a network', async () => {
      const netLabels = { ...labels, 'berth.test.kind': 'network' };
      const created = await rt.createNetwork({
        name: `${prefix}-internal`,
        labels: netLabels,
        internal: true,
      });
      expect(created.id).not.toBe('');
      const listed = await rt.listNetworks({ labels: { 'berth.test.kind': 'network', [RUN_LABEL]: runId } });
      expect(listed.map((n) => n.name)).toEqual([`${prefix}-internal`]);
      expect(listed[0].internal).toBe(true);
      expect(listed[0].labels).toMatchObject(netLabels);
      const byName = await rt.listNetworks({ names: [`${prefix}-internal`] });
      expect(byName.map((n) => n.id)).toEqual([created.id]);
      const inspected = await rt.inspectNetwork(`${prefix}-internal`);
      expect(inspected).toMatchObject({ id: created.id, driver: 'bridge', internal: true, containers: [] });
      await rt.removeNetwork(created.id);
      expect(await rt.inspectNetwork(`${prefix}-internal`)).toBeUndefined();
      expect(await code(rt.removeNetwork(created.id))).toBe('RUNTIME_NOT_FOUND');
    });

    it('creates, lists by label, inspects and removes a volume', async () => {
      const volName = `${prefix}-vol-a`;
      const created = await rt.createVolume({
        name: volName,
        labels: { ...labels, 'berth.test.kind': 'volume' },
      });
      expect(created).toMatchObject({ name: volName, driver: 'local' });
      const listed = await rt.listVolumes({ labels: { 'berth.test.kind': 'volume', [RUN_LABEL]: runId } });
      expect(listed.map((v) => v.name)).toEqual([volName]);
      expect((await rt.listVolumes({ names: [volName] })).map((v) => v.name)).toEqual([volName]);
      expect((await rt.inspectVolume(volName))?.labels['berth.test.kind']).toBe('volume');
      await rt.removeVolume(volName);
      expect(await rt.inspectVolume(volName)).toBeUndefined();
    });

    describe('images', () => {
      const built = `${prefix}/built:1`;
      const alias = `127.0.0.1:1/${prefix}/pushed:1`;

      const noBuild = options.differences?.build;
      if (noBuild) {
        it(`refuses to build, with UNSUPPORTED (${noBuild})`, async () => {
          expect(await code(rt.buildImage({ context: tmp, tags: [`${prefix}/built:1`] }))).toBe(
            'UNSUPPORTED',
          );
        });
      } else {
        it('builds from a context with build args, labels and .dockerignore, reporting progress', async () => {
          const context = mkdtempSync(join(tmp, 'build-'));
          writeFileSync(
            join(context, 'Dockerfile'),
            `FROM ${image}\nARG GREETING\nCOPY . /ctx\nRUN echo "$GREETING" > /greeting\nCMD ["cat", "/greeting"]\n`,
          );
          writeFileSync(join(context, 'kept.txt'), 'kept');
          writeFileSync(join(context, 'secret.txt'), 'secret');
          writeFileSync(join(context, '.dockerignore'), 'secret.txt\n');
          images.push(built);
          const progress: string[] = [];
          const id = await rt.buildImage(
            {
              context,
              tags: [built],
              args: { GREETING: 'built here' },
              labels: { ...labels, 'berth.test.kind': 'image' },
            },
            { onProgress: (p) => progress.push(p.status) },
          );
          expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
          expect(progress.length).toBeGreaterThan(0);
          const img = await rt.inspectImage(built);
          expect(img).toMatchObject({ id, labels: { 'berth.test.kind': 'image', [RUN_LABEL]: runId } });
          expect((await rt.listImages({ labels: { [RUN_LABEL]: runId } })).map((i) => i.id)).toEqual([id]);
          const cid = await run('built', {
            image: built,
            command: ['sh', '-c', 'cat /greeting; ls /ctx | sort | tr "\\n" " "'],
          });
          expect(await rt.waitContainer(cid)).toEqual({ exitCode: 0 });
          const out: string[] = [];
          for await (const line of rt.logs(cid)) out.push(line.text);
          expect(out).toEqual(['built here', 'Dockerfile kept.txt ']);
        });

        it('fails a build whose step fails, with the engine message', async () => {
          const context = mkdtempSync(join(tmp, 'build-fail-'));
          writeFileSync(join(context, 'Dockerfile'), `FROM ${image}\nRUN exit 5\n`);
          let err: unknown;
          try {
            await rt.buildImage({ context, tags: [`${prefix}/broken:1`] });
          } catch (e) {
            err = e;
          }
          images.push(`${prefix}/broken:1`);
          expect(err).toBeInstanceOf(RuntimeError);
          expect((err as RuntimeError).message).toMatch(/returned a non-zero code: 5|exit code: 5/);
        });
      }

      it('tags, fails to push to an unreachable registry on 127.0.0.1, and removes the tag', async () => {
        images.push(alias);
        await rt.tagImage(image, alias);
        expect((await rt.inspectImage(alias))?.id).toBe((await rt.inspectImage(image))?.id);
        const err = await code(rt.pushImage(alias));
        expect(err).not.toBe('ABORTED');
        await rt.removeImage(alias);
        expect(await rt.inspectImage(alias)).toBeUndefined();
        expect(await rt.inspectImage(image)).toBeDefined();
      });

      it('IMAGE_NOT_FOUND when pulling from an unreachable registry on 127.0.0.1', async () => {
        expect(await code(rt.pullImage(`127.0.0.1:1/${prefix}/none:1`))).toBe('IMAGE_NOT_FOUND');
      });
    });

    describe('a web container on a user network', () => {
      let webId: string;
      let published: number;
      let www: string;
      const volName = `${prefix}-web-data`;

      it('creates and starts it with env, labels, mounts, a published port and a healthcheck', async () => {
        www = mkdtempSync(join(tmp, 'www-'));
        writeFileSync(join(www, 'index.html'), `hello from ${runId}\n`);
        await rt.createVolume({ name: volName, labels });
        webId = await run('web', {
          command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
          env: { GREETING: 'hi there', EMPTY: '' },
          labels: { 'berth.test.role': 'web' },
          mounts: [
            { type: 'volume', source: volName, target: '/data' },
            { type: 'bind', source: www, target: '/www', readOnly: true },
            { type: 'tmpfs', target: '/scratch', sizeBytes: 4 * 1024 * 1024 },
          ],
          ports: [{ target: 8080, hostIp: '127.0.0.1', protocol: 'tcp' }],
          networks: { [network]: { aliases: ['web-alias'] } },
          healthcheck: {
            test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/index.html || exit 1'],
            intervalMs: 500,
            timeoutMs: 2000,
            retries: 20,
          },
        });
        expect(webId).toMatch(/^[0-9a-f]{64}$/);
      });

      it('lists it by label with state, health, ports, networks and volumes', async () => {
        let info: ContainerInfo | undefined;
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const list = await rt.listContainers({ labels: { 'berth.test.role': 'web', [RUN_LABEL]: runId } });
          expect(list).toHaveLength(1);
          info = list[0];
          if (info.health === 'healthy') break;
          await sleep(250);
        }
        expect(info).toMatchObject({
          id: webId,
          name: `${prefix}-web`,
          state: 'running',
          health: 'healthy',
          image,
        });
        expect(info?.labels['berth.test.role']).toBe('web');
        const port = info?.ports.find((p) => p.target === 8080 && p.published !== undefined);
        expect(port).toMatchObject({ hostIp: '127.0.0.1', protocol: 'tcp' });
        published = port?.published ?? 0;
        expect(published).toBeGreaterThan(0);
        expect(info?.networks[network]?.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(info?.volumes?.['/data']).toBe(volName);

        const inspected = await rt.inspectContainer(`${prefix}-web`);
        expect(inspected).toMatchObject({ id: webId, state: 'running', health: 'healthy' });
        expect(inspected?.networks[network]?.aliases).toContain('web-alias');
        expect(inspected?.ports).toContainEqual({
          target: 8080,
          published,
          hostIp: '127.0.0.1',
          protocol: 'tcp',
        });
      });

      it('serves the bind-mounted file on the published port of 127.0.0.1', async () => {
        const res = await fetch(`http://127.0.0.1:${published}/index.html`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(`hello from ${runId}\n`);
      });

      it('runs exec with the env, mounts and exit code', async () => {
        const r = await rt.exec(webId, {
          cmd: [
            'sh',
            '-c',
            'echo "$GREETING"; grep -c " /scratch tmpfs " /proc/mounts; echo oops >&2; exit 7',
          ],
        });
        expect(r).toEqual({ exitCode: 7, stdout: 'hi there\n1\n', stderr: 'oops\n' });
        const w = await rt.exec(webId, {
          cmd: ['sh', '-c', 'echo data > /data/f && cat /data/f && touch /www/x'],
        });
        expect(w.stdout).toBe('data\n');
        expect(w.exitCode).not.toBe(0); // /www is read-only
        const piped = await rt.exec(webId, {
          cmd: ['cat'],
          stdin: Readable.from([Buffer.from('from stdin\n')]),
        });
        expect(piped).toEqual({ exitCode: 0, stdout: 'from stdin\n', stderr: '' });
      });

      it('aborts a running exec with its signal', async () => {
        for (const stdin of [undefined, Readable.from([])]) {
          const ac = new AbortController();
          setTimeout(() => ac.abort(), 300);
          const t0 = Date.now();
          expect(await code(rt.exec(webId, { cmd: ['sleep', '30'], stdin, signal: ac.signal }))).toBe(
            'ABORTED',
          );
          expect(Date.now() - t0).toBeLessThan(5_000);
        }
      });

      it('resolves the service alias from another container on the network', async () => {
        const clientId = await run('client', { command: ['sleep', '300'], networks: { [network]: {} } });
        const r = await rt.exec(clientId, {
          cmd: ['sh', '-c', 'nslookup web-alias >/dev/null && wget -q -O- http://web-alias:8080/index.html'],
        });
        expect(r).toMatchObject({ exitCode: 0, stdout: `hello from ${runId}\n` });
        await rt.removeContainer(clientId, { force: true });
      });

      it('pauses, unpauses and renames it', async () => {
        // Paused on its own container without a healthcheck: dockerd 20.10 can deadlock a paused
        // container whose health probe is running (inspect then never answers).
        const pausedId = await run('pausable', { command: ['sleep', '300'] });
        await rt.pauseContainer(pausedId);
        expect((await rt.inspectContainer(pausedId))?.state).toBe('paused');
        await rt.unpauseContainer(pausedId);
        expect((await rt.inspectContainer(pausedId))?.state).toBe('running');
        await rt.removeContainer(pausedId, { force: true });
        await rt.renameContainer(webId, `${prefix}-web-renamed`);
        expect((await rt.inspectContainer(`${prefix}-web-renamed`))?.id).toBe(webId);
        expect(await rt.inspectContainer(`${prefix}-web`)).toBeUndefined();
      });

      it('stops it within the timeout even though PID 1 ignores SIGTERM', async () => {
        const t0 = Date.now();
        await rt.stopContainer(webId, { timeoutSeconds: 1 });
        expect(Date.now() - t0).toBeLessThan(15_000);
        const info = await rt.inspectContainer(webId);
        expect(info?.state).toBe('exited');
        expect(info?.exitCode).toBe(137);
        const listed = await rt.listContainers({ labels: { 'berth.test.role': 'web' }, all: false });
        expect(listed.map((c) => c.id)).not.toContain(webId);
      });
    });

    describe('logs', () => {
      let id: string;

      beforeAll(async () => {
        id = await run('talker', {
          command: [
            'sh',
            '-c',
            'echo out1; echo err1 >&2; echo out2; i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done',
          ],
        });
        await sleep(600);
      });

      const collect = async (it: AsyncIterable<LogLine>, max = Number.POSITIVE_INFINITY) => {
        const lines: LogLine[] = [];
        for await (const line of it) {
          lines.push(line);
          if (lines.length >= max) break;
        }
        return lines;
      };

      it('separates stdout and stderr, one record per line', async () => {
        const lines = await collect(rt.logs(id));
        // Order across stdout and stderr is not guaranteed; within each stream it is.
        expect(lines.find((l) => l.stream === 'stdout')).toEqual({ stream: 'stdout', text: 'out1' });
        expect(lines.filter((l) => l.stream === 'stderr')).toEqual([{ stream: 'stderr', text: 'err1' }]);
        expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(
          expect.arrayContaining(['out1', 'out2', 'tick0']),
        );
      });

      it('honours tail and parses timestamps', async () => {
        const tail = await collect(rt.logs(id, { tail: 2, timestamps: true }));
        expect(tail).toHaveLength(2);
        for (const l of tail) {
          expect(l.text).toMatch(/^tick\d+$/);
          expect(Number.isNaN(Date.parse(l.timestamp ?? ''))).toBe(false);
        }
      });

      it('follows until the signal aborts', async () => {
        const ac = new AbortController();
        const lines: LogLine[] = [];
        const t0 = Date.now();
        for await (const line of rt.logs(id, { follow: true, tail: 0, signal: ac.signal })) {
          lines.push(line);
          if (lines.length === 3) ac.abort();
        }
        expect(lines.length).toBeGreaterThanOrEqual(3);
        expect(lines[0].text).toMatch(/^tick\d+$/);
        expect(Date.now() - t0).toBeLessThan(10_000);
      });
    });

    it('kills with a signal the process handles, and wait returns its exit code', async () => {
      const id = await run('trapper', {
        command: ['sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done'],
      });
      await sleep(300);
      const waited = rt.waitContainer(id, { condition: 'not-running' });
      await rt.killContainer(id, 'SIGUSR1');
      expect(await waited).toEqual({ exitCode: 42 });
    });

    it('aborts a wait with its signal', async () => {
      const id = await run('waiter', { command: ['sleep', '300'] });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const t0 = Date.now();
      expect(await code(rt.waitContainer(id, { signal: ac.signal }))).toBe('ABORTED');
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect((await rt.inspectContainer(id))?.state).toBe('running');
    });

    it('waits for a container that exits 3', async () => {
      const id = await run('exit3', { command: ['sh', '-c', 'exit 3'] });
      expect(await rt.waitContainer(id, { condition: 'not-running' })).toEqual({ exitCode: 3 });
      const listed = await rt.listContainers({ names: [`${prefix}-exit3`] });
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ state: 'exited', exitCode: 3 });
    });

    it('removes a container with its anonymous volumes', async () => {
      const id = await run('anon', {
        command: ['sleep', '300'],
        mounts: [{ type: 'volume', target: '/anon' }],
      });
      const anon = (await rt.inspectContainer(id))?.volumes?.['/anon'];
      expect(anon).toMatch(/^[0-9a-f]{64}$/);
      expect(await rt.inspectVolume(anon!)).toBeDefined();
      await rt.removeContainer(id, { force: true, volumes: true });
      expect(await rt.inspectContainer(id)).toBeUndefined();
      expect(await rt.inspectVolume(anon!)).toBeUndefined();
    });

    it('streams a start event for a labelled container until aborted', async () => {
      const ac = new AbortController();
      const eventLabel = { 'berth.test.events': runId };
      const seen: RuntimeEvent[] = [];
      const reading = (async () => {
        for await (const e of rt.events({ labels: eventLabel, signal: ac.signal })) {
          seen.push(e);
          if (e.type === 'container' && e.action === 'start') ac.abort();
        }
      })();
      await sleep(200); // let the stream open before the event happens
      const id = await run('evented', { command: ['sleep', '300'], labels: eventLabel });
      const timeout = setTimeout(() => ac.abort(), 15_000);
      await reading;
      clearTimeout(timeout);
      const start = seen.find((e) => e.action === 'start');
      expect(start).toMatchObject({ type: 'container', id });
      expect(start?.attributes['berth.test.events']).toBe(runId);
      expect(Number.isNaN(Date.parse(start?.time ?? ''))).toBe(false);
    });

    describe('errors', () => {
      it('NOT_FOUND for a missing container', async () => {
        const missing = `${prefix}-missing`;
        expect(await rt.inspectContainer(missing)).toBeUndefined();
        expect(await code(rt.startContainer(missing))).toBe('RUNTIME_NOT_FOUND');
        expect(await code(rt.stopContainer(missing))).toBe('RUNTIME_NOT_FOUND');
        expect(await code(rt.removeContainer(missing))).toBe('RUNTIME_NOT_FOUND');
      });

      it('IMAGE_NOT_FOUND when creating from a missing image', async () => {
        expect(await code(rt.createContainer(spec('noimage', { image: `${prefix}/missing:1` })))).toBe(
          'IMAGE_NOT_FOUND',
        );
      });

      it('CONFLICT for a duplicate name', async () => {
        await rt.createContainer(spec('dup', { command: ['true'] }));
        expect(await code(rt.createContainer(spec('dup', { command: ['true'] })))).toBe('RUNTIME_CONFLICT');
      });

      it('PORT_IN_USE for a host port the test holds on 127.0.0.1', async () => {
        const server: Server = createServer();
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as { port: number }).port;
        try {
          const { id } = await rt.createContainer(
            spec('porty', {
              command: ['sleep', '300'],
              ports: [{ target: 80, published: port, hostIp: '127.0.0.1', protocol: 'tcp' }],
            }),
          );
          let err: unknown;
          try {
            await rt.startContainer(id);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(RuntimeError);
          expect((err as RuntimeError).code).toBe('RUNTIME_PORT_IN_USE');
          expect((err as RuntimeError).message).toContain(String(port));
          expect((err as RuntimeError).hint).toBeTruthy();
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
