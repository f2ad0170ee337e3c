/**
 * `exec`, `run` and `cp` on the engine under test (dockerd, or the built-in engine: see
 * test/support/runtime.ts), through the library API, with the offline image `berth-test/busybox:1`.
 * What the built-in engine refuses (builds: DIFFERENCES there) is asserted as its
 * refusal on that engine. Each test has its own project `berth-it-<random>` in a temp directory;
 * everything with its project label is removed after each test, however it ends.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_NUMBER_LABEL, ONEOFF_LABEL, SLUG_LABEL } from '../../src/api/labels.js';
import {
  cp,
  down,
  exec,
  type InteractiveSession,
  isBerthError,
  type RunSession,
  run,
  up,
} from '../../src/index.js';
import { composeJson as compose, SLEEPER as sleeper, useStackFixture } from '../support/fixture.js';
import { difference, expectRefused } from '../support/runtime.js';
import { dockerInspect, leftovers, type TempProject } from '../support/stack.js';

const fx = useStackFixture();

const image = (service: object): object => ({ image: fx.image, ...service });

async function stack(
  services: Record<string, object>,
): Promise<{ tp: TempProject; project: Awaited<ReturnType<TempProject['load']>> }> {
  const tp = fx.project(compose(services));
  const project = await tp.load();
  return { tp, project };
}

const engine = () => ({ runtime: fx.runtime, env: {} });

describe('exec', () => {
  it('passes exit codes, stdout and stderr back; env, user and workdir apply', async () => {
    const { project } = await stack({ web: image({ command: sleeper }) });
    await up(project, engine());

    const r = await exec(project, 'web', ['sh', '-c', 'echo out; echo err >&2; exit 3'], engine());
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(r.container.name).toBe(`${project.name}-web-1`);

    const env = await exec(project, 'web', ['sh', '-c', 'echo "$A $B"; id -u; pwd'], {
      ...engine(),
      environment: { A: 'one', B: 'two words' },
      user: 'nobody',
      workdir: '/tmp',
    });
    expect(env).toMatchObject({ exitCode: 0, stdout: 'one two words\n65534\n/tmp\n' });
  });

  it('pipes stdin through and closes it at its end; -d returns at once', async () => {
    const { project } = await stack({ web: image({ command: sleeper }) });
    await up(project, engine());

    const r = await exec(project, 'web', ['sh', '-c', 'cat; echo done'], {
      ...engine(),
      stdin: Readable.from(['hello\n', 'world\n']),
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'hello\nworld\ndone\n' });

    const d = await exec(project, 'web', ['sh', '-c', 'echo later > /tmp/marker'], {
      ...engine(),
      detach: true,
    });
    expect(d.exitCode).toBeUndefined();
    let marker = '';
    for (let i = 0; i < 50 && marker === ''; i++) {
      marker =
        (await exec(project, 'web', ['sh', '-c', 'cat /tmp/marker 2>/dev/null || true'], engine())).stdout ??
        '';
      if (marker === '') await new Promise((res) => setTimeout(res, 100));
    }
    expect(marker).toBe('later\n');
  });

  it('with a TTY: a terminal of the given size, raw output, keystrokes in, resizes applied', async () => {
    const { project } = await stack({ web: image({ command: sleeper }) });
    await up(project, engine());
    const out = new PassThrough();
    const input = new PassThrough();
    let text = '';
    let session: InteractiveSession | undefined;
    let step = 0;
    let resized: Promise<void> | undefined;
    // Each line is typed only once the command waits for it: first once it runs with its initial
    // size (onStart comes after that) and printed its tty, then after a resize.
    const advance = () => {
      if (step === 0 && session && text.includes('/dev/pts/')) {
        step = 1;
        input.write('a\r');
      } else if (step === 1 && /30 100\r\n/.test(text)) {
        step = 2;
        resized = session!.resize({ rows: 11, cols: 22 }).then(() => void input.write('go\r'));
      }
    };
    out.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      advance();
    });
    const r = await exec(
      project,
      'web',
      [
        'sh',
        '-c',
        'tty; read x; stty size </dev/tty; read y; echo "read:$y"; stty size </dev/tty; echo err >&2',
      ],
      {
        ...engine(),
        tty: true,
        ttySize: { rows: 30, cols: 100 },
        stdin: input,
        stdout: out,
        onStart: (s) => {
          session = s;
          advance();
        },
      },
    );
    await resized;
    expect(r.exitCode).toBe(0);
    // The terminal echoes the keystrokes and writes \r\n line ends; stderr comes on the same stream.
    expect(text).toMatch(/^\/dev\/pts\/\d+\r\na\r\n30 100\r\ngo\r\nread:go\r\n11 22\r\nerr\r\n$/);
  });

  it('--index picks the replica; a service without a running container is an error', async () => {
    const { project } = await stack({
      web: image({ command: sleeper, scale: 2 }),
      idle: image({ command: ['true'] }),
    });
    await up(project, engine());
    const second = await exec(project, 'web', ['hostname'], { ...engine(), index: 2 });
    const [info] = await dockerInspect(`${project.name}-web-2`);
    expect(second.stdout).toBe(`${info!.Id.slice(0, 12)}\n`);
    expect(second.container.name).toBe(`${project.name}-web-2`);

    const err = await exec(project, 'web', ['true'], { ...engine(), index: 7 }).catch((e) => e);
    expect(isBerthError(err) && err.code).toBe('SERVICE_NOT_RUNNING');
    expect(err.message).toBe('service "web" is not running container #7');
    // `idle` exited: nothing runs.
    await new Promise((res) => setTimeout(res, 200));
    const idle = await exec(project, 'idle', ['true'], engine()).catch((e) => e);
    expect(idle.message).toBe('service "idle" is not running');
  });
});

describe('run', () => {
  it('starts the dependencies (healthy), runs a labelled one-off, passes the exit code, and --rm leaves nothing', async () => {
    const { project } = await stack({
      db: image({
        command: sleeper,
        healthcheck: { test: ['CMD', 'true'], interval: '300ms', retries: 20 },
      }),
      job: image({ depends_on: { db: { condition: 'service_healthy' } }, environment: { WHO: 'svc' } }),
    });
    const r = await run(project, 'job', {
      ...engine(),
      command: ['sh', '-c', 'echo "$WHO $EXTRA"; echo oops >&2; exit 4'],
      environment: { EXTRA: 'cli' },
      rm: true,
    });
    expect(r).toMatchObject({ exitCode: 4, stdout: 'svc cli\n', stderr: 'oops\n' });
    expect(r.container.name).toMatch(new RegExp(`^${project.name}-job-run-[0-9a-f]{12}$`));

    const [db] = await dockerInspect(`${project.name}-db-1`);
    expect(db!.State.Status).toBe('running');
    // --rm: the engine removed the one-off; only the dependency is left.
    expect((await leftovers(fx.runtime, project.name)).containers).toEqual([`${project.name}-db-1`]);
  });

  it('-d leaves a running one-off with the one-off labels; down removes it only with removeOrphans', async () => {
    const { project } = await stack({ web: image({ command: sleeper, ports: ['127.0.0.1::80'] }) });
    const r = await run(project, 'web', {
      ...engine(),
      detach: true,
      noDeps: true,
      labels: { extra: 'yes' },
    });
    expect(r.exitCode).toBeUndefined();
    const [info] = await dockerInspect(r.container.id);
    expect(info!.State.Status).toBe('running');
    expect(info!.Name).toBe(`/${r.container.name}`);
    const labels = info!.Config.Labels;
    expect(labels[ONEOFF_LABEL]).toBe('True');
    expect(labels[SLUG_LABEL]?.slice(0, 12)).toBe(r.container.name.slice(-12));
    expect(labels[CONTAINER_NUMBER_LABEL]).toBeUndefined();
    expect(labels.extra).toBe('yes');
    // Service ports are not published by a one-off.
    const c = await fx.runtime.inspectContainer(r.container.id);
    expect(c!.ports.filter((p) => p.published !== undefined)).toEqual([]);
    // -P publishes them, -p publishes what it says.
    const published = async (options: { servicePorts?: boolean; publish?: string[] }) => {
      const one = await run(project, 'web', { ...engine(), detach: true, noDeps: true, ...options });
      const info = await fx.runtime.inspectContainer(one.container.id);
      await fx.runtime.removeContainer(one.container.id, { force: true });
      return info!.ports.filter((p) => p.published !== undefined).map((p) => [p.target, p.hostIp]);
    };
    expect(await published({ servicePorts: true })).toEqual([[80, '127.0.0.1']]);
    expect(await published({ publish: ['127.0.0.1::81'] })).toEqual([[81, '127.0.0.1']]);

    await down(project, { ...engine(), timeoutSeconds: 0 });
    expect((await leftovers(fx.runtime, project.name)).containers).toEqual([r.container.name]);
    await down(project, { ...engine(), timeoutSeconds: 0, removeOrphans: true });
    expect(await leftovers(fx.runtime, project.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('pipes stdin to the one-off and closes it at its end; noDeps starts nothing else', async () => {
    const { project } = await stack({
      dep: image({ command: sleeper }),
      cat: image({ depends_on: ['dep'], command: ['cat'] }),
    });
    const r = await run(project, 'cat', {
      ...engine(),
      noDeps: true,
      rm: true,
      stdin: Readable.from(['line 1\n', 'line 2\n']),
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'line 1\nline 2\n' });
    expect((await leftovers(fx.runtime, project.name)).containers).toEqual([]);
  });

  it('with a TTY the one-off sees a terminal, and resizes reach it', async () => {
    const { project } = await stack({ web: image({}) });
    const out = new PassThrough();
    const input = new PassThrough();
    let text = '';
    let session: RunSession | undefined;
    let resized: Promise<void> | undefined;
    out.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (resized === undefined && text.includes('\r\n')) {
        resized = session!.resize({ rows: 12, cols: 34 }).then(() => void input.write('\r'));
      }
    });
    const r = await run(project, 'web', {
      ...engine(),
      tty: true,
      rm: true,
      stdin: input,
      stdout: out,
      command: ['sh', '-c', 'tty; read x; stty size </dev/tty'],
      onStart: (s) => {
        session = s;
      },
    });
    await resized;
    expect(r.exitCode).toBe(0);
    expect(text).toMatch(/^\/dev\/pts\/\d+\r\n\r\n12 34\r\n$/);
  });
});

describe('run --build', () => {
  it('builds the image of a buildable service, and rebuilds it with build', async () => {
    const tp = fx.project(compose({ app: { build: '.', command: ['cat', '/stamp'] } }));
    writeFileSync(join(tp.dir, 'stamp'), 'one\n');
    writeFileSync(join(tp.dir, 'Dockerfile'), `FROM ${fx.image}\nCOPY stamp /stamp\n`);
    const project = await tp.load();
    if (difference('build')) {
      await expectRefused(run(project, 'app', { ...engine(), rm: true }), 'build');
      return;
    }
    const built: string[] = [];
    const remember = async () => {
      const info = await fx.runtime.inspectImage(`${project.name}-app`);
      if (info) built.push(info.id);
    };
    try {
      // Missing: built before the run.
      expect(await run(project, 'app', { ...engine(), rm: true })).toMatchObject({
        exitCode: 0,
        stdout: 'one\n',
      });
      await remember();
      writeFileSync(join(tp.dir, 'stamp'), 'two\n');
      expect(await run(project, 'app', { ...engine(), rm: true, build: true })).toMatchObject({
        exitCode: 0,
        stdout: 'two\n',
      });
      await remember();
      expect(new Set(built).size).toBe(2);
    } finally {
      await remember();
      for (const id of new Set(built)) await fx.runtime.removeImage(id, { force: true }).catch(() => {});
    }
  });
});

describe('cp', () => {
  let local: string;
  beforeAll(() => {
    local = mkdtempSync(join(tmpdir(), 'berth-it-cp-'));
  });
  afterAll(() => rmSync(local, { recursive: true, force: true }));

  it('copies a directory and a file in, and back out, with docker cp naming rules', async () => {
    const { project } = await stack({ web: image({ command: sleeper }) });
    await up(project, engine());
    const src = join(local, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'A\n', { mode: 0o640 });
    writeFileSync(join(src, 'sub', 'b.txt'), 'B\n');
    const sh = async (cmd: string) => (await exec(project, 'web', ['sh', '-c', cmd], engine())).stdout;

    // Into an existing directory: as itself. To a new name: renamed. `dir/.`: the contents.
    await cp(project, src, 'web:/tmp/', { ...engine(), cwd: local });
    await cp(project, 'src', 'web:/tmp/renamed', { ...engine(), cwd: local });
    await cp(project, 'src/.', 'web:/tmp/', { ...engine(), cwd: local });
    await cp(project, 'src/a.txt', 'web:/tmp/file.txt', { ...engine(), cwd: local });
    expect(await sh('cd /tmp && find src renamed a.txt sub file.txt | sort')).toBe(
      [
        'a.txt',
        'file.txt',
        'renamed',
        'renamed/a.txt',
        'renamed/sub',
        'renamed/sub/b.txt',
        'src',
        'src/a.txt',
        'src/sub',
        'src/sub/b.txt',
        'sub',
        'sub/b.txt',
        '',
      ].join('\n'),
    );
    expect(await sh('cat /tmp/renamed/sub/b.txt; stat -c %a /tmp/src/a.txt')).toBe('B\n640\n');

    // Out again.
    const out = join(local, 'out');
    mkdirSync(out);
    await cp(project, 'web:/tmp/src', 'out', { ...engine(), cwd: local });
    await cp(project, 'web:/tmp/src', 'out/copy', { ...engine(), cwd: local });
    await cp(project, 'web:/tmp/file.txt', 'out/f.txt', { ...engine(), cwd: local });
    expect(readFileSync(join(out, 'src', 'sub', 'b.txt'), 'utf8')).toBe('B\n');
    expect(statSync(join(out, 'src', 'a.txt')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(out, 'copy', 'a.txt'), 'utf8')).toBe('A\n');
    expect(readFileSync(join(out, 'f.txt'), 'utf8')).toBe('A\n');

    const missing = await cp(project, 'web:/nope', 'out', { ...engine(), cwd: local }).catch((e) => e);
    expect(isBerthError(missing) && missing.code).toBe('RUNTIME_NOT_FOUND');
  });

  it('copies into every replica (or --index one), and follows a source link with -L', async () => {
    const { project } = await stack({ web: image({ command: sleeper, scale: 2 }) });
    await up(project, engine());
    writeFileSync(join(local, 'note.txt'), 'note\n');
    const both = await cp(project, 'note.txt', 'web:/tmp/all.txt', { ...engine(), cwd: local });
    expect(both.containers.map((c) => c.name).sort()).toEqual([
      `${project.name}-web-1`,
      `${project.name}-web-2`,
    ]);
    const one = await cp(project, 'note.txt', 'web:/tmp/one.txt', { ...engine(), cwd: local, index: 2 });
    expect(one.containers.map((c) => c.name)).toEqual([`${project.name}-web-2`]);
    const sh = async (index: number, cmd: string) =>
      (await exec(project, 'web', ['sh', '-c', cmd], { ...engine(), index })).stdout;
    expect(await sh(1, 'cat /tmp/all.txt; ls /tmp/one.txt 2>&1 >/dev/null | wc -l')).toBe('note\n1\n');
    expect(await sh(2, 'cat /tmp/all.txt /tmp/one.txt')).toBe('note\nnote\n');

    // A link as the source: copied as a link, or with -L as the file it points to, under its own name.
    await sh(1, 'echo real > /tmp/target.txt && ln -s /tmp/target.txt /tmp/link.txt');
    const out = mkdtempSync(join(local, 'links-'));
    await cp(project, 'web:/tmp/link.txt', out, engine());
    expect(lstatSync(join(out, 'link.txt')).isSymbolicLink()).toBe(true);
    rmSync(join(out, 'link.txt'));
    await cp(project, 'web:/tmp/link.txt', out, { ...engine(), followLink: true });
    expect(lstatSync(join(out, 'link.txt')).isFile()).toBe(true);
    expect(readFileSync(join(out, 'link.txt'), 'utf8')).toBe('real\n');
  });

  it('streams tars with -: out of a container, and into one', async () => {
    const { project } = await stack({ web: image({ command: sleeper }) });
    await up(project, engine());
    await exec(
      project,
      'web',
      ['sh', '-c', 'mkdir -p /data/d && echo x > /data/d/x && echo y > /data/y'],
      engine(),
    );

    const tar = new PassThrough();
    const chunks: Buffer[] = [];
    tar.on('data', (c: Buffer) => chunks.push(c));
    await cp(project, 'web:/data', '-', { ...engine(), stdout: tar });
    const names = tarNames(Buffer.concat(chunks));
    expect(names.sort()).toEqual(['data/', 'data/d/', 'data/d/x', 'data/y']);

    // The same tar back in, under another directory.
    await exec(project, 'web', ['mkdir', '/copy'], engine());
    await cp(project, '-', 'web:/copy', { ...engine(), stdin: Readable.from([Buffer.concat(chunks)]) });
    expect(
      (await exec(project, 'web', ['sh', '-c', 'cat /copy/data/d/x /copy/data/y'], engine())).stdout,
    ).toBe('x\ny\n');
    const notDir = await cp(project, '-', 'web:/copy/data/y', {
      ...engine(),
      stdin: Readable.from([Buffer.alloc(1024)]),
    }).catch((e) => e);
    expect(notDir.message).toMatch(/must be a directory/);
  });
});

/** The entry names of a tar, as GNU tar lists them. */
function tarNames(data: Buffer): string[] {
  return execFileSync('tar', ['-tf', '-'], { input: data, encoding: 'utf8' }).split('\n').filter(Boolean);
}
