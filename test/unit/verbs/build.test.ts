import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/api/errors.js';
import type { BerthEvent } from '../../../src/api/events.js';
import { loadProject } from '../../../src/compose/load-project.js';
import type { Project } from '../../../src/compose/model.js';
import type { BuildSpec, ImageInfo, Runtime } from '../../../src/runtime/runtime.js';
import {
  BUILD_INPUTS_LABEL,
  buildableServices,
  buildSpecFor,
  imageName,
  parseBuildArgs,
  planBuild,
  resolveBuildArgs,
  runBuilds,
} from '../../../src/verbs/build.js';
import { effectivePolicy, ensureImages, isStale } from '../../../src/verbs/images.js';
import { pushReferences } from '../../../src/verbs/push.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function project(yaml: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-build-unit-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'compose.yaml'), yaml);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  const p = await loadProject({ files: [join(dir, 'compose.yaml')], projectName: 'demo', cwd: dir, env });
  return { dir, project: p };
}

/** Just the image calls, recorded. */
class ImageRecorder {
  readonly images = new Map<string, ImageInfo>();
  readonly builds: BuildSpec[] = [];
  readonly pulls: string[] = [];
  private next = 1;

  runtime(): Runtime {
    const self = this;
    return {
      address: 'fake://',
      async inspectImage(ref: string) {
        return self.images.get(ref);
      },
      async buildImage(spec: BuildSpec, options?: { onProgress?: (p: { status: string }) => void }) {
        self.builds.push(spec);
        options?.onProgress?.({ status: 'Step 1/1 : FROM scratch\n ---> Running' });
        const id = `sha256:${String(self.next++).padStart(64, '0')}`;
        for (const t of spec.tags)
          self.images.set(t, { id, tags: [t], digests: [], labels: spec.labels ?? {} });
        return id;
      },
      async pullImage(ref: string) {
        self.pulls.push(ref);
        self.images.set(ref, { id: 'sha256:pulled', tags: [ref], digests: [], labels: {} });
      },
    } as unknown as Runtime;
  }
}

describe('image names and build args', () => {
  it('names an image as Compose v2 does: image:, else <project>-<service>', () => {
    expect(imageName({ name: 'demo' }, 'web', { build: { context: '.' } })).toBe('demo-web');
    expect(imageName({ name: 'demo' }, 'web', { image: 'reg/x:1', build: { context: '.' } })).toBe('reg/x:1');
  });

  it('merges args then --build-arg, resolving null from the environment and dropping the unresolved', () => {
    expect(
      resolveBuildArgs(
        { A: 'file', B: null, C: null, D: 'keep' },
        { A: 'cli', C: null, E: 'e' },
        { B: 'from-env', C: 'c-env' },
      ),
    ).toEqual({ A: 'cli', B: 'from-env', C: 'c-env', D: 'keep', E: 'e' });
    expect(resolveBuildArgs({ X: null }, undefined, {})).toEqual({});
    expect(parseBuildArgs(['K=V', 'EMPTY=', 'BARE', 'EQ=a=b'])).toEqual({
      K: 'V',
      EMPTY: '',
      BARE: null,
      EQ: 'a=b',
    });
    expect(() => parseBuildArgs(['=x'])).toThrow(/name is empty/);
  });
});

describe('build spec', () => {
  it('maps the compose build keys onto the engine request, with Compose labels', async () => {
    const { dir, project: p } = await project(
      `services:
  web:
    image: reg.example.com/web:2
    build:
      context: .
      dockerfile: web.Dockerfile
      args: { A: "1", FROM_ENV: null }
      target: final
      labels: { team: core }
      network: host
      extra_hosts: ["db=10.0.0.2"]
      shm_size: 64m
      cache_from: [reg.example.com/web:cache]
      tags: [reg.example.com/web:latest]
      no_cache: true
`,
      { 'web.Dockerfile': 'FROM scratch\n' },
      { FROM_ENV: 'env-value' },
    );
    const spec = buildSpecFor(p, 'web', p.services.web!, { args: { B: '2' }, pull: true });
    expect(spec).toEqual({
      context: dir,
      dockerfile: 'web.Dockerfile',
      tags: ['reg.example.com/web:2', 'reg.example.com/web:latest'],
      args: { A: '1', FROM_ENV: 'env-value', B: '2' },
      target: 'final',
      labels: {
        team: 'core',
        'com.docker.compose.project': 'demo',
        'com.docker.compose.service': 'web',
        'com.docker.compose.version': expect.any(String),
        'com.docker.compose.image.builder': 'classic',
      },
      network: 'host',
      extraHosts: ['db:10.0.0.2'],
      shmSize: 64 * 1024 * 1024,
      cacheFrom: ['reg.example.com/web:cache'],
      noCache: true,
      pull: true,
    });
  });

  it('takes dockerfile_inline, and refuses BuildKit-only keys with UNSUPPORTED', async () => {
    const { project: p } = await project(`services:
  inline:
    build:
      context: .
      dockerfile_inline: "FROM scratch\\n"
  ssh:
    build:
      context: .
      ssh: [default]
`);
    expect(buildSpecFor(p, 'inline', p.services.inline!).dockerfileInline).toBe('FROM scratch\n');
    expect(() => buildSpecFor(p, 'ssh', p.services.ssh!)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
  });

  it('selects the services with build:, and rejects unknown names', async () => {
    const { project: p } = await project(`services:
  a: { build: . }
  b: { image: busybox }
  c: { build: . }
`);
    expect(buildableServices(p, undefined)).toEqual(['a', 'c']);
    expect(buildableServices(p, ['b', 'c'])).toEqual(['c']);
    expect(() => buildableServices(p, ['nope'])).toThrow(
      expect.objectContaining({ code: 'COMPOSE_UNKNOWN_SERVICE' }),
    );
  });

  it('records the inputs digest as a label, and builds a shared image name once, dependencies first', async () => {
    const { project: p } = await project(
      `services:
  base: { build: ., image: demo-shared }
  again: { build: ., image: demo-shared }
  app: { build: ., depends_on: [base] }
`,
      { Dockerfile: 'FROM scratch\n' },
    );
    const planned = await planBuild(p, 'app');
    expect(planned.spec.labels?.[BUILD_INPUTS_LABEL]).toBe(planned.inputsDigest);
    const rec = new ImageRecorder();
    const lines: string[] = [];
    const plans = await Promise.all(['again', 'app', 'base'].map((n) => planBuild(p, n)));
    const built = await runBuilds(rec.runtime(), p, plans, {
      onBuildOutput: (s, l) => lines.push(`${s}|${l}`),
    });
    expect(rec.builds.map((b) => b.tags[0])).toEqual(['demo-shared', 'demo-app']);
    expect(built.map((b) => [b.service, b.image])).toEqual([
      ['again', 'demo-shared'],
      ['app', 'demo-app'],
      ['base', 'demo-shared'],
    ]);
    expect(built[0]!.id).toBe(built[2]!.id);
    expect(lines).toContain('again|Step 1/1 : FROM scratch');
    expect(lines).toContain('again| ---> Running');
  });
});

describe('a failed build', () => {
  it('is BUILD_FAILED naming the service, with an Error event for the image', async () => {
    const { project: p } = await project('services:\n  app: { build: . }\n', {
      Dockerfile: 'FROM scratch\nRUN false\n',
    });
    const failing = {
      address: 'fake://',
      async buildImage() {
        throw new RuntimeError(
          'RUNTIME_ERROR',
          "build demo-app: The command '/bin/sh -c false' returned a non-zero code: 1",
        );
      },
    } as unknown as Runtime;
    const events: BerthEvent[] = [];
    const err = await runBuilds(failing, p, [await planBuild(p, 'app')], {
      onEvent: (e) => events.push(e),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BUILD_FAILED',
      message: `service "app" failed to build: The command '/bin/sh -c false' returned a non-zero code: 1`,
    });
    expect(events.map((e) => e.type === 'resource' && `${e.action}:${e.status}`)).toEqual([
      'Building:working',
      'Building:error',
    ]);
  });
});

describe('ensureImages (up)', () => {
  const yaml = `services:
  web: { build: ./web }
  side: { build: { context: ./side, dockerfile: Side.Dockerfile } }
`;
  const files = { 'web/Dockerfile': 'FROM scratch\n', 'side/Side.Dockerfile': 'FROM scratch\n' };

  async function fixture() {
    const { dir, project: p } = await project(yaml, files);
    return { dir, p, rec: new ImageRecorder() };
  }
  const run = (
    rec: ImageRecorder,
    p: Project,
    extra: Parameters<typeof ensureImages>[2] extends infer O ? Partial<O> : never = {},
  ) => ensureImages(rec.runtime(), p, { services: ['web', 'side'], ...extra });

  it('builds missing images, then leaves them alone while the inputs are unchanged', async () => {
    const { p, rec } = await fixture();
    const first = await run(rec, p);
    expect(rec.builds.map((b) => b.tags[0]).sort()).toEqual(['demo-side', 'demo-web']);
    const second = await run(rec, p);
    expect(rec.builds).toHaveLength(2);
    expect(second).toEqual(first);
  });

  it('rebuilds only the service whose context changed, and its new id reaches the recreate check', async () => {
    const { dir, p, rec } = await fixture();
    const first = await run(rec, p);
    writeFileSync(join(dir, 'side', 'data.txt'), 'new file in the side context');
    const second = await run(rec, p);
    expect(rec.builds.map((b) => b.tags[0])).toEqual([expect.any(String), expect.any(String), 'demo-side']);
    expect(second.web).toBe(first.web);
    expect(second.side).not.toBe(first.side);
  });

  it('uses an existing image without berth’s label as it is (pulled, or built by another tool)', async () => {
    const { p, rec } = await fixture();
    rec.images.set('demo-web', { id: 'sha256:foreign', tags: [], digests: [], labels: {} });
    rec.images.set('demo-side', { id: 'sha256:foreign2', tags: [], digests: [], labels: {} });
    expect(await run(rec, p)).toEqual({ web: 'sha256:foreign', side: 'sha256:foreign2' });
    expect(rec.builds).toHaveLength(0);
  });

  it('--build always builds, --no-build never does (it pulls instead)', async () => {
    const { p, rec } = await fixture();
    await run(rec, p);
    await run(rec, p, { build: true });
    expect(rec.builds).toHaveLength(4);

    const other = await fixture();
    const ids = await run(other.rec, other.p, { noBuild: true });
    expect(other.rec.builds).toHaveLength(0);
    expect(other.rec.pulls.sort()).toEqual(['demo-side', 'demo-web']);
    expect(ids.web).toBe('sha256:pulled');
  });

  it('daily / every_<d>: pulls an image last tagged longer ago than that, keeps a fresh one', async () => {
    const { project: p } = await project(`services:
  old: { image: example/old, pull_policy: daily }
  fresh: { image: example/fresh, pull_policy: every_2h }
  plain: { image: example/plain }
`);
    const rec = new ImageRecorder();
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600e3).toISOString();
    for (const [ref, tagged] of [
      ['example/old', hoursAgo(25)],
      ['example/fresh', hoursAgo(1)],
      ['example/plain', hoursAgo(1000)],
    ] as const) {
      rec.images.set(ref, { id: `sha256:${ref}`, tags: [ref], digests: [], labels: {}, lastTagTime: tagged });
    }
    await ensureImages(rec.runtime(), p, { services: ['old', 'fresh', 'plain'] });
    expect(rec.pulls).toEqual(['example/old']);
    // --pull overrides the age rule.
    rec.pulls.length = 0;
    await ensureImages(rec.runtime(), p, { services: ['old', 'fresh', 'plain'], pull: 'never' });
    expect(rec.pulls).toEqual([]);
  });

  it('isStale: an unknown or zero last-tag time is old', () => {
    expect(isStale({}, 1000)).toBe(true);
    expect(isStale({ lastTagTime: '0001-01-01T00:00:00Z' }, 86400e3)).toBe(true);
    expect(isStale({ lastTagTime: new Date().toISOString() }, 60e3)).toBe(false);
  });

  it('computes the policy: --build and pull_policy build build; never stays never', () => {
    expect(effectivePolicy(undefined, true, { build: true })).toBe('build');
    expect(effectivePolicy('build', true, {})).toBe('build');
    expect(effectivePolicy('build', false, {})).toBe('missing');
    expect(effectivePolicy('if_not_present', false, {})).toBe('missing');
    expect(effectivePolicy('daily', false, {})).toBe('missing');
    expect(effectivePolicy('missing', false, { pull: 'always' })).toBe('always');
    expect(effectivePolicy(undefined, false, { pull: 'never' })).toBe('never');
  });
});

describe('push references', () => {
  it('pushes services with build and image, plus their build tags', async () => {
    const { project: p } = await project(`services:
  web: { build: { context: ., tags: ["reg/web:latest"] }, image: reg/web:1 }
  local: { build: . }
  pulled: { image: busybox }
`);
    expect(pushReferences(p, undefined)).toEqual(['reg/web:1', 'reg/web:latest']);
    expect(pushReferences(p, ['pulled'])).toEqual([]);
  });
});
