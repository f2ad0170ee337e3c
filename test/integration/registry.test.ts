/**
 * build → push → remove → pull against the real dockerd and a real registry (Debian's docker-registry
 * on 127.0.0.1 with htpasswd Basic auth, test/support/registry.ts), with credentials from a temporary
 * DOCKER_CONFIG; a wrong password fails with REGISTRY_AUTH; `up` after `up --build` rebuilds and
 * recreates only the service whose build context changed. Everything the tests create — containers,
 * networks, images, the registry process and its storage, temp dirs — is removed in afterAll.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthError } from '../../src/api/errors.js';
import type { BerthEvent } from '../../src/api/events.js';
import { PROJECT_LABEL } from '../../src/api/labels.js';
import type { LayerProgress } from '../../src/api/verbs.js';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { BUILD_INPUTS_LABEL, build } from '../../src/verbs/build.js';
import { images } from '../../src/verbs/image-list.js';
import { pull } from '../../src/verbs/pull.js';
import { push } from '../../src/verbs/push.js';
import { up } from '../../src/verbs/up.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../support/images/busybox.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { cleanupProject, type TempProject, tempProject, uniqueProjectName } from '../support/stack.js';

let registry: TestRegistry;
let runtime: DockerRuntime;
let badRuntime: DockerRuntime;
let anonymous: DockerRuntime;
const projects: TempProject[] = [];
const createdImages = new Set<string>();

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as BerthError).code ?? String(err);
  }
}

function project(yaml: string, files: Record<string, string>): TempProject {
  const p = tempProject(yaml, uniqueProjectName('berth-it-reg'));
  projects.push(p);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(p.dir, path, '..'), { recursive: true });
    writeFileSync(join(p.dir, path), content);
  }
  return p;
}

beforeAll(async () => {
  registry = await startRegistry();
  const good = registry.dockerConfig();
  const bad = registry.dockerConfig({ password: 'not-the-password' });
  runtime = await createDockerRuntime({ env: { ...process.env, DOCKER_CONFIG: good } });
  badRuntime = await createDockerRuntime({ env: { ...process.env, DOCKER_CONFIG: bad } });
  anonymous = await createDockerRuntime({
    env: { ...process.env, DOCKER_CONFIG: registry.dockerConfig() + '/none' },
  });
  await ensureBusyboxImage(runtime);
});

afterAll(async () => {
  const errors: unknown[] = [];
  for (const p of projects) {
    await cleanupProject(runtime, p.name).catch((e) => errors.push(e));
    // Built images carry the project label, the ones a rebuild left untagged too.
    for (const image of await runtime.listImages({ labels: { [PROJECT_LABEL]: p.name } })) {
      await runtime.removeImage(image.id, { force: true }).catch((e) => {
        if ((e as BerthError).code !== 'IMAGE_NOT_FOUND') errors.push(e);
      });
    }
    p.dispose();
  }
  for (const ref of createdImages) {
    await runtime.removeImage(ref, { force: true }).catch((e) => {
      if ((e as BerthError).code !== 'IMAGE_NOT_FOUND') errors.push(e);
    });
  }
  await Promise.all([runtime?.close(), badRuntime?.close(), anonymous?.close()]);
  await registry?.stop();
  if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
});

describe('build, push, pull through a registry with Basic auth', () => {
  let p: TempProject;
  let ref: string;
  let builtId: string;

  it('builds the service image from a Dockerfile FROM the offline busybox, with its labels', async () => {
    p = project('', {});
    ref = `${registry.host}/${p.name}/app:1`;
    p.write(`services:
  app:
    image: ${ref}
    build:
      context: ./app
      args: { GREETING: hello }
    command: ["sleep", "3600"]
  local:
    build: ./app
    command: ["sleep", "3600"]
  mirror:
    image: ${ref}
`);
    mkdirSync(join(p.dir, 'app'));
    writeFileSync(
      join(p.dir, 'app', 'Dockerfile'),
      `FROM ${BUSYBOX_IMAGE}\nARG GREETING\nRUN echo "$GREETING" > /greeting\nCOPY data.txt /data.txt\n`,
    );
    writeFileSync(join(p.dir, 'app', 'data.txt'), `data of ${p.name}\n`);
    createdImages.add(ref);
    createdImages.add(`${p.name}-local`);
    const lines: string[] = [];
    const events: BerthEvent[] = [];
    const result = await build(await p.load(), {
      runtime,
      onBuildOutput: (s, l) => lines.push(`${s}|${l}`),
      onEvent: (e) => events.push(e),
    });
    expect(result.images.map((i) => [i.service, i.image])).toEqual([
      ['app', ref],
      ['local', `${p.name}-local`],
    ]);
    builtId = result.images[0]!.id;
    expect(builtId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines).toContainEqual(expect.stringMatching(/^app\|Step 1\/\d+ : FROM berth-test\/busybox:1$/));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'image', name: ref, action: 'Built' }));
    const info = await runtime.inspectImage(ref);
    expect(info?.labels).toMatchObject({
      'com.docker.compose.project': p.name,
      'com.docker.compose.service': 'app',
      [BUILD_INPUTS_LABEL]: result.images[0]!.inputsDigest,
    });
  });

  it('refuses a push with a wrong password, or none, with REGISTRY_AUTH', async () => {
    const proj = await p.load();
    expect(await code(push(proj, { runtime: badRuntime }))).toBe('REGISTRY_AUTH');
    expect(await code(push(proj, { runtime: anonymous }))).toBe('REGISTRY_AUTH');
  });

  it('pushes with the credentials of DOCKER_CONFIG, with per-layer progress', async () => {
    const layers: LayerProgress[] = [];
    const result = await push(await p.load(), { runtime, onLayer: (l) => layers.push(l) });
    // Only the service with build: and image: is pushed.
    expect(result).toEqual({ pushed: [ref], failed: [] });
    expect(
      layers.some((l) => l.image === ref && l.status === 'Pushed' && /^[0-9a-f]{12}$/.test(l.layer ?? '')),
    ).toBe(true);
  });

  it('pulls it back after removing it locally: the same image id', async () => {
    await runtime.removeImage(ref);
    expect(await runtime.inspectImage(ref)).toBeUndefined();
    const proj = await p.load();
    expect(await code(pull(proj, { runtime: badRuntime, services: ['mirror'] }))).toBe('REGISTRY_AUTH');
    // A service that can be built only warns.
    const tolerated = await pull(proj, { runtime: badRuntime, services: ['app'] });
    expect(tolerated.failed).toEqual([
      { image: ref, error: expect.stringMatching(/unauthorized|no basic auth/) },
    ]);
    const layers: LayerProgress[] = [];
    const result = await pull(proj, { runtime, onLayer: (l) => layers.push(l) });
    expect(result.pulled).toEqual([ref]);
    expect(result.skipped).toEqual([{ service: 'local', reason: 'No image to be pulled' }]);
    expect((await runtime.inspectImage(ref))?.id).toBe(builtId);
    expect(layers.some((l) => /^[0-9a-f]{12}$/.test(l.layer ?? ''))).toBe(true);
    // --policy missing: present now, so skipped.
    const again = await pull(proj, { runtime, policy: 'missing', services: ['app'] });
    expect(again.skipped).toEqual([
      { service: 'app', image: ref, reason: 'Image is already present locally' },
    ]);
  });

  it('tolerates a failed pull with ignoreFailures, and fails without', async () => {
    const missing = project(
      `services:\n  gone:\n    image: ${registry.host}/${uniqueProjectName()}/none:1\n`,
      {},
    );
    const proj = await missing.load();
    expect(await code(pull(proj, { runtime }))).toBe('IMAGE_NOT_FOUND');
    const result = await pull(proj, { runtime, ignoreFailures: true });
    expect(result.failed).toHaveLength(1);
  });
});

describe('up rebuilds what changed', () => {
  it('up --build, then a changed context: up rebuilds and recreates only that service', async () => {
    const p = project(
      `services:
  one:
    build: ./one
    command: ["sleep", "3600"]
  two:
    build: ./two
    command: ["sleep", "3600"]
`,
      {
        'one/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nCOPY . /ctx\n`,
        'one/file.txt': 'one',
        'two/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nCOPY . /ctx\n`,
        'two/file.txt': 'two',
      },
    );
    createdImages.add(`${p.name}-one`);
    createdImages.add(`${p.name}-two`);
    const first = await up(await p.load(), { runtime, build: true });
    const idsOf = (r: typeof first) => Object.fromEntries(r.containers.map((c) => [c.Service, c.ID]));
    const before = idsOf(first);
    const imageBefore = await runtime.inspectImage(`${p.name}-two`);

    // Unchanged: nothing to do.
    const noop = await up(await p.load(), { runtime });
    expect(noop.plan.operations).toEqual([]);

    writeFileSync(join(p.dir, 'two', 'file.txt'), 'two, edited');
    const events: BerthEvent[] = [];
    const second = await up(await p.load(), { runtime, timeoutSeconds: 0, onEvent: (e) => events.push(e) });
    const after = idsOf(second);
    expect(after.one).toBe(before.one);
    expect(after.two).not.toBe(before.two);
    const built = events.filter((e) => e.type === 'resource' && e.kind === 'image' && e.action === 'Built');
    expect(built.map((e) => (e as { name: string }).name)).toEqual([`${p.name}-two`]);
    expect((await runtime.inspectImage(`${p.name}-two`))?.id).not.toBe(imageBefore?.id);

    // `images` lists what the containers run.
    const rows = await images(p.name, { runtime });
    expect(rows.map((r) => [r.ContainerName, r.Repository, r.Tag])).toEqual([
      [`${p.name}-one-1`, `${p.name}-one`, 'latest'],
      [`${p.name}-two-1`, `${p.name}-two`, 'latest'],
    ]);
    expect(rows[1]!.ID).toBe((await runtime.inspectImage(`${p.name}-two`))?.id);

    // --no-build: the changed context is not looked at.
    writeFileSync(join(p.dir, 'two', 'file.txt'), 'two, edited again');
    const third = await up(await p.load(), { runtime, noBuild: true });
    expect(third.plan.operations).toEqual([]);
  });
});

describe('build variants through the engine', () => {
  it('builds from dockerfile_inline, from a Dockerfile outside the context, with a target and .dockerignore', async () => {
    const p = project(
      `services:
  inline:
    build:
      context: ./ctx
      dockerfile_inline: |
        FROM ${BUSYBOX_IMAGE}
        COPY . /ctx
  outside:
    build:
      context: ./ctx
      dockerfile: ../Outside.Dockerfile
      target: second
`,
      {
        'ctx/kept.txt': 'kept',
        'ctx/secret.txt': 'secret',
        'ctx/.dockerignore': 'secret.txt\n',
        'Outside.Dockerfile': `FROM ${BUSYBOX_IMAGE} AS first\nRUN echo first > /stage\nFROM ${BUSYBOX_IMAGE} AS second\nCOPY . /ctx\nRUN echo second > /stage\nFROM first\n`,
      },
    );
    for (const s of ['inline', 'outside']) createdImages.add(`${p.name}-${s}`);
    const result = await build(await p.load(), { runtime });
    expect(result.images.map((i) => i.image)).toEqual([`${p.name}-inline`, `${p.name}-outside`]);
    const run = async (image: string, cmd: string) => {
      const { id } = await runtime.createContainer({
        name: `${p.name}-probe-${image.split('-').pop()}`,
        image,
        command: ['sh', '-c', cmd],
        env: {},
        labels: { [PROJECT_LABEL]: p.name },
        mounts: [],
        ports: [],
        networks: {},
        networkMode: 'none',
      });
      await runtime.startContainer(id);
      expect(await runtime.waitContainer(id)).toEqual({ exitCode: 0 });
      const out: string[] = [];
      for await (const line of runtime.logs(id)) out.push(line.text);
      return out.join('\n');
    };
    // .dockerignore applies, and the generated Dockerfile is not copied.
    expect(await run(`${p.name}-inline`, 'ls -A /ctx | sort | tr "\\n" " "')).toBe('.dockerignore kept.txt ');
    expect(await run(`${p.name}-outside`, 'cat /stage')).toBe('second');
  });
});
