/**
 * The CLI's project cache (src/cli/project-cache.ts): a hit gives exactly what loading gives, on every
 * compose-go loader case that loads and on the examples; anything the load depended on (file contents,
 * files that appear, variables, symbolic links) makes it load again.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadProjectCached } from '../../../src/cli/project-cache.js';
import { type LoadOptions, loadProject } from '../../../src/compose/load-project.js';
import type { Project } from '../../../src/compose/model.js';
import { CORPUS, caseFolders, REPO_ROOT } from '../../conformance/corpus.js';

const scratch = mkdtempSync(join(tmpdir(), 'berth-project-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The loader, counting its calls (a hit does not call it). */
function counting() {
  const load = async (o: LoadOptions) => {
    load.calls++;
    return loadProject(o);
  };
  load.calls = 0;
  return load;
}

/** Everything a caller can see of a Project: its own keys and the loader's non-enumerable ones. */
function visible(p: Project) {
  return {
    own: { ...p },
    workingDir: p.workingDir,
    configFiles: p.configFiles,
    disabledServices: p.disabledServices,
    environment: p.environment,
  };
}

/** JSON's view, to compare with a load (JSON drops keys whose value is undefined). */
function viaJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

describe('a hit gives what a load gives', () => {
  const cacheDir = join(scratch, 'corpus-cache');

  it('on every compose-go loader case that loads, and on the examples', async () => {
    const dirs = [
      ...caseFolders('loader', ['testdata', 'other-fixtures']).map((c) => join(CORPUS, 'loader', c)),
      ...readdirSync(join(REPO_ROOT, 'examples')).map((e) => join(REPO_ROOT, 'examples', e)),
    ];
    let compared = 0;
    for (const dir of dirs) {
      const expectFile = join(dir, 'expect.json');
      const e = existsSync(expectFile)
        ? (JSON.parse(readFileSync(expectFile, 'utf8')) as { files?: string[]; env?: Record<string, string> })
        : {};
      const files = (e.files ?? []).map((f) => resolve(dir, f));
      const options: LoadOptions = {
        files: files.length > 0 ? files : undefined,
        cwd: dir,
        env: { ...(e.env ?? {}), BERTH_CACHE_DIR: cacheDir },
      };
      let loaded: Project;
      try {
        loaded = await loadProject(options);
      } catch {
        continue; // a case about an error: nothing to cache
      }
      const load = counting();
      const miss = await loadProjectCached(options, load, 'test');
      const hit = await loadProjectCached(options, load, 'test');
      expect(load.calls, dir).toBe(1);
      expect(visible(hit), dir).toStrictEqual(visible(miss));
      expect(visible(hit), dir).toStrictEqual(viaJson(visible(loaded)));
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });
});

describe('what makes it load again', () => {
  let dir: string;
  let n = 0;
  const cacheDir = () => join(dir, 'cache');
  const options = (extra: Partial<LoadOptions> = {}): LoadOptions => ({
    cwd: join(dir, 'app'),
    env: { BERTH_CACHE_DIR: cacheDir(), TAG: '1' },
    ...extra,
  });
  const write = (rel: string, text: string) => {
    const p = join(dir, 'app', rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  };

  beforeEach(() => {
    dir = join(scratch, `case-${n++}`);
    write(
      'compose.yaml',
      'services:\n  web:\n    image: "busybox:${TAG}"\n    env_file: [{ path: extra.env, required: false }]\n',
    );
  });

  /** Loads, applies `change`, loads again; `loads`: how many loads the second call made. */
  async function twice(o: LoadOptions, change: () => void) {
    const load = counting();
    const first = await loadProjectCached(o, load, 'test');
    const before = load.calls;
    change();
    const second = await loadProjectCached(o, load, 'test');
    return { first, second, calls: load.calls - before + 1 };
  }

  it('nothing changed: one load', async () => {
    const r = await twice(options(), () => {});
    expect(r.calls).toBe(1);
    expect(r.second.services.web?.image).toBe('busybox:1');
  });

  it('the compose file changed', async () => {
    const r = await twice(options(), () =>
      write('compose.yaml', 'services:\n  web:\n    image: "busybox:2"\n'),
    );
    expect(r.calls).toBe(2);
    expect(r.second.services.web?.image).toBe('busybox:2');
  });

  it('a variable changed, or appeared', async () => {
    const o = options();
    const load = counting();
    await loadProjectCached(o, load, 'test');
    const changed = await loadProjectCached({ ...o, env: { ...o.env, TAG: '2' } }, load, 'test');
    expect(changed.services.web?.image).toBe('busybox:2');
    await loadProjectCached({ ...o, env: { ...o.env, TAG: '2', UNRELATED: 'x' } }, load, 'test');
    expect(load.calls).toBe(3);
  });

  it('a .env, an override file or an optional env_file appeared', async () => {
    for (const [file, text] of [
      ['.env', 'TAG=3\n'],
      ['compose.override.yaml', 'services:\n  web:\n    command: ["true"]\n'],
      ['extra.env', 'FROM_FILE=yes\n'],
    ] as const) {
      const r = await twice(options({ env: { BERTH_CACHE_DIR: cacheDir() } }), () => write(file, text));
      expect(r.calls, file).toBe(2);
      rmSync(join(dir, 'app', file));
    }
    const r = await twice(options(), () => write('extra.env', 'FROM_FILE=yes\n'));
    expect(r.second.services.web?.environment).toEqual({ FROM_FILE: 'yes' });
  });

  it('a file named by include or extends changed', async () => {
    write(
      'compose.yaml',
      'include: [inc.yaml]\nservices:\n  web:\n    extends: { file: base.yaml, service: b }\n',
    );
    write('inc.yaml', 'services:\n  other:\n    image: a\n');
    write('base.yaml', 'services:\n  b:\n    image: b\n');
    const inc = await twice(options(), () => write('inc.yaml', 'services:\n  other:\n    image: a2\n'));
    expect([inc.calls, inc.second.services.other?.image]).toEqual([2, 'a2']);
    const ext = await twice(options(), () => write('base.yaml', 'services:\n  b:\n    image: b2\n'));
    expect([ext.calls, ext.second.services.web?.image]).toEqual([2, 'b2']);
  });

  it('a symbolic link in a watched path now points elsewhere (resolved, as compose-go does)', async () => {
    mkdirSync(join(dir, 'app', 'one'), { recursive: true });
    mkdirSync(join(dir, 'app', 'two'), { recursive: true });
    symlinkSync(join(dir, 'app', 'one'), join(dir, 'app', 'data'));
    write(
      'compose.yaml',
      'services:\n  web:\n    image: x\n    develop:\n      watch: [{ path: ./data, action: sync, target: /data }]\n',
    );
    const r = await twice(options(), () => {
      rmSync(join(dir, 'app', 'data'));
      symlinkSync(join(dir, 'app', 'two'), join(dir, 'app', 'data'));
    });
    expect(r.calls).toBe(2);
    expect(r.first.services.web?.develop?.watch?.[0]?.path).toBe(join(dir, 'app', 'one'));
    expect(r.second.services.web?.develop?.watch?.[0]?.path).toBe(join(dir, 'app', 'two'));
  });

  it('other flags, another directory or another build are other entries', async () => {
    const load = counting();
    await loadProjectCached(options(), load, 'test');
    await loadProjectCached(options({ profiles: ['x'] }), load, 'test');
    await loadProjectCached(options({ projectName: 'other' }), load, 'test');
    await loadProjectCached(options(), load, 'another-build');
    expect(load.calls).toBe(4);
    await loadProjectCached(options({ projectName: 'other' }), load, 'test');
    expect(load.calls).toBe(4);
  });

  it('warnings are printed again on a hit', async () => {
    write('compose.yaml', 'version: "3"\nservices:\n  web:\n    image: "busybox:${UNSET_VAR}"\n');
    const seen: string[] = [];
    const o = options({ onWarning: (m) => seen.push(m) });
    const load = counting();
    await loadProjectCached(o, load, 'test');
    const first = [...seen];
    expect(first.length).toBe(2);
    await loadProjectCached(o, load, 'test');
    expect(load.calls).toBe(1);
    expect(seen).toEqual([...first, ...first]);
  });

  it('a hit computes the environment when asked, as a load has it', async () => {
    write('.env', 'FROM_DOTENV=d\n');
    const load = counting();
    const miss = await loadProjectCached(options(), load, 'test');
    const hit = await loadProjectCached(options(), load, 'test');
    expect(load.calls).toBe(1);
    expect(hit.environment).toEqual(miss.environment);
    expect(hit.environment.FROM_DOTENV).toBe('d');
  });

  it('is private to the user; a corrupted entry, stdin or no build id means a load', async () => {
    const load = counting();
    await loadProjectCached(options(), load, 'test');
    const projects = join(cacheDir(), 'projects');
    expect(statSync(projects).mode & 0o777).toBe(0o700);
    const [entry] = readdirSync(projects);
    expect(statSync(join(projects, entry!)).mode & 0o777).toBe(0o600);
    writeFileSync(join(projects, entry!), '{"not json');
    const again = await loadProjectCached(options(), load, 'test');
    expect(again.services.web?.image).toBe('busybox:1');
    expect(load.calls).toBe(2);
    await loadProjectCached(options(), load, undefined);
    await loadProjectCached(options(), load, undefined);
    expect(load.calls).toBe(4);
    const stdin = options({ files: ['-'], stdin: async () => 'services:\n  s:\n    image: x\n' });
    await loadProjectCached(stdin, load, 'test');
    await loadProjectCached(stdin, load, 'test');
    expect(load.calls).toBe(6);
  });

  it('BERTH_NO_PROJECT_CACHE turns it off', async () => {
    const load = counting();
    const o = options({ env: { BERTH_CACHE_DIR: cacheDir(), TAG: '1', BERTH_NO_PROJECT_CACHE: '1' } });
    await loadProjectCached(o, load, 'test');
    await loadProjectCached(o, load, 'test');
    expect(load.calls).toBe(2);
    expect(existsSync(join(cacheDir(), 'projects'))).toBe(false);
  });
});

describe('the loader reads files only through src/compose/inputs.ts', () => {
  it('no other module of src/compose imports node:fs', () => {
    const root = join(REPO_ROOT, 'src', 'compose');
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (
          p.endsWith('.ts') &&
          e.name !== 'inputs.ts' &&
          /from 'node:fs(\/promises)?'/.test(readFileSync(p, 'utf8'))
        )
          offenders.push(p);
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
