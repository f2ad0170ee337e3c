import { describe, expect, it } from 'vitest';
import { resourceEvent } from '../../../src/api/events.js';
import type { ImageSummary } from '../../../src/api/verbs.js';
import { imagesJson, imagesQuiet, imagesTable, truncateId } from '../../../src/cli/render/images-format.js';
import {
  createLayerProgress,
  formatLayerJson,
  humanSize,
  isLayerId,
  progressBar,
  TtyLayerProgress,
} from '../../../src/cli/render/pull-progress.js';
import { splitImageReference } from '../../../src/verbs/image-list.js';

describe('layer progress formatting', () => {
  it('sizes as go-units HumanSize and bars as the docker CLI draws them', () => {
    expect(humanSize(512)).toBe('512B');
    expect(humanSize(1_985_581)).toBe('1.99MB');
    expect(humanSize(12_300)).toBe('12.3kB');
    expect(progressBar(0, 100, 10)).toBe('[>         ] 0B/100B');
    expect(progressBar(50, 100, 10)).toBe('[=====>    ] 50B/100B');
    expect(progressBar(100, 100, 10)).toBe('[==========] 100B/100B');
    expect(progressBar(1234, 0)).toBe('1.23kB');
  });

  it('tells layer ids from tags', () => {
    expect(isLayerId('0b34c5f05b69')).toBe(true);
    expect(isLayerId('1')).toBe(false);
    expect(isLayerId(undefined)).toBe(false);
  });

  it('prints compose-shaped JSON for layers', () => {
    expect(
      formatLayerJson(
        { image: 'a', layer: '0b34c5f05b69', status: 'Downloading', current: 50, total: 200 },
        'Image a',
      ),
    ).toBe(
      '{"id":"0b34c5f05b69","parent_id":"Image a","status":"Working","text":"Downloading","current":50,"total":200,"percent":25}\n',
    );
    expect(
      JSON.parse(formatLayerJson({ image: 'a', layer: '0b34c5f05b69', status: 'Pull complete' }, 'Image a')),
    ).toMatchObject({ status: 'Done' });
  });

  it('plain mode prints each layer status once, not every byte count', async () => {
    const out: string[] = [];
    const r = await createLayerProgress(
      'plain',
      { write: (t) => out.push(t) },
      { color: false, title: 'Pulling' },
    );
    r.onEvent(resourceEvent('image', 'reg/app:1', 'Pulling', 'working'));
    r.onLayer({ image: 'reg/app:1', layer: '1', status: 'Pulling from app' });
    r.onLayer({ image: 'reg/app:1', layer: 'aaaaaaaaaaaa', status: 'Downloading', current: 1, total: 10 });
    r.onLayer({ image: 'reg/app:1', layer: 'aaaaaaaaaaaa', status: 'Downloading', current: 5, total: 10 });
    r.onLayer({ image: 'reg/app:1', layer: 'aaaaaaaaaaaa', status: 'Pull complete' });
    r.onEvent(resourceEvent('image', 'reg/app:1', 'Pulled', 'done'));
    r.done();
    expect(out.join('')).toBe(
      ' Image reg/app:1  Pulling\n   aaaaaaaaaaaa Downloading\n   aaaaaaaaaaaa Pull complete\n Image reg/app:1  Pulled\n',
    );
  });

  it('tty mode shows one row per image and, while it works, a bar per layer', () => {
    let now = 1000;
    const tty = new TtyLayerProgress(
      { write: () => {}, columns: 100 },
      { color: false, title: 'Pulling', now: () => now },
    );
    tty.onEvent(resourceEvent('image', 'reg/app:1', 'Pulling', 'working'));
    tty.onLayer({
      image: 'reg/app:1',
      layer: 'aaaaaaaaaaaa',
      status: 'Downloading',
      current: 500,
      total: 1000,
    });
    tty.onLayer({ image: 'reg/app:1', layer: 'bbbbbbbbbbbb', status: 'Already exists' });
    now = 2500;
    const lines = tty.lines();
    expect(lines[0]).toBe('[+] Pulling 0/1');
    expect(lines[1]).toMatch(/^ \S Image reg\/app:1 {2}Pulling +1\.5s$/);
    expect(lines[2]).toBe(`   ⠋ aaaaaaaaaaaa Downloading [${'='.repeat(15)}>${' '.repeat(14)}] 500B/1kB`);
    expect(lines[3]).toBe('   ✔ bbbbbbbbbbbb Already exists');
    tty.onEvent(resourceEvent('image', 'reg/app:1', 'Pulled', 'done'));
    expect(tty.lines()).toHaveLength(2);
    tty.stop();
  });
});

describe('images output', () => {
  const rows: ImageSummary[] = [
    {
      ID: `sha256:${'a'.repeat(64)}`,
      ContainerName: 'demo-web-1',
      Repository: 'demo-web',
      Tag: 'latest',
      Platform: 'linux/amd64',
      Size: 4_410_000,
      Created: '2026-11-23T10:00:00Z',
    },
    {
      ID: `sha256:${'a'.repeat(64)}`,
      ContainerName: 'demo-web-2',
      Repository: '',
      Tag: '',
      Platform: 'linux/amd64',
      Size: 4_410_000,
    },
  ];

  it('prints compose’s table', () => {
    expect(imagesTable(rows, Date.parse('2026-11-23T12:00:00Z'))).toBe(
      [
        'CONTAINER    REPOSITORY   TAG       PLATFORM      IMAGE ID       SIZE      CREATED',
        'demo-web-1   demo-web     latest    linux/amd64   aaaaaaaaaaaa   4.41MB    2 hours ago',
        'demo-web-2   <none>       <none>    linux/amd64   aaaaaaaaaaaa   4.41MB    N/A',
        '',
      ].join('\n'),
    );
  });

  it('prints one JSON array, and -q the distinct ids without sha256:', () => {
    expect(JSON.parse(imagesJson(rows))).toEqual(rows);
    expect(imagesJson([])).toBe('[]\n');
    expect(imagesQuiet(rows)).toBe(`${'a'.repeat(64)}\n`);
    expect(truncateId('sha256:0123456789abcdef')).toBe('0123456789ab');
  });

  it('splits references as reference.FamiliarName does', () => {
    expect(splitImageReference('nginx')).toEqual({ repository: 'nginx', tag: 'latest' });
    expect(splitImageReference('docker.io/library/nginx:1.25')).toEqual({ repository: 'nginx', tag: '1.25' });
    expect(splitImageReference('127.0.0.1:5000/a/b:2')).toEqual({
      repository: '127.0.0.1:5000/a/b',
      tag: '2',
    });
    expect(splitImageReference('reg/app@sha256:abc')).toEqual({ repository: 'reg/app', tag: '' });
    expect(splitImageReference(`sha256:${'b'.repeat(64)}`)).toEqual({ repository: '', tag: '' });
  });
});
