/** The docker CLI's text forms of `image ls` / `history`, `--change` parsing, login server keys. */
import { describe, expect, it, vi } from 'vitest';
import type { ImageHistoryEntry, ImageLayerProgress, ImageListEntry } from '../../../../src/api/images.js';
import { LayerProgressPrinter, parseChanges } from '../../../../src/cli/commands/image.js';
import { serverKey } from '../../../../src/engine/images/auth.js';
import {
  formatHistory,
  formatImageList,
  formatImageListJson,
  humanDuration,
  humanSize,
  progressBar,
  since,
} from '../../../../src/engine/images/format.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const ID = `sha256:${'ab'.repeat(32)}`;

describe('sizes and times', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [2_128_384, '2.13MB'],
    [374_000_000, '374MB'],
    [1_500_000_000, '1.5GB'],
  ])('humanSize(%d) = %s', (n, s) => expect(humanSize(n)).toBe(s));

  it.each([
    [500, 'Less than a second'],
    [1000, '1 second'],
    [59_000, '59 seconds'],
    [60_000, 'About a minute'],
    [119_000, 'About a minute'],
    [45 * 60_000, '45 minutes'],
    [3_600_000, 'About an hour'],
    [3 * 3_600_000, '3 hours'],
    [3 * 86_400_000, '3 days'],
    [20 * 86_400_000, '2 weeks'],
    [90 * 86_400_000, '3 months'],
    [800 * 86_400_000, '2 years'],
  ])('humanDuration(%d) = %s', (ms, s) => expect(humanDuration(ms)).toBe(s));

  it('says N/A for an image without a creation time', () => {
    expect(since(undefined, NOW)).toBe('N/A');
    expect(since('2024-06-01T09:00:00Z', NOW)).toBe('3 hours ago');
  });

  it('draws the docker CLI bar', () => {
    expect(progressBar(50, 100, 10)).toBe('[=====>    ]  50B/100B');
    expect(progressBar(100, 100, 4)).toBe('[====]  100B/100B');
    expect(progressBar(7, 0)).toBe('7B');
  });
});

const rows: ImageListEntry[] = [
  {
    repository: '127.0.0.1:5000/app',
    tag: '1',
    digest: `sha256:${'cd'.repeat(32)}`,
    id: ID,
    created: '2024-06-01T11:00:00Z',
    size: 2_128_384,
  },
  { repository: '<none>', tag: '<none>', digest: `sha256:${'ef'.repeat(32)}`, id: ID, size: 10 },
];

describe('image ls', () => {
  it('prints docker’s columns', () => {
    expect(formatImageList(rows, { now: NOW })).toBe(
      [
        'REPOSITORY           TAG       IMAGE ID       CREATED             SIZE',
        '127.0.0.1:5000/app   1         abababababab   About an hour ago   2.13MB',
        '<none>               <none>    abababababab   N/A                 10B',
        '',
      ].join('\n'),
    );
  });

  it('adds DIGEST with --digests and full IDs with --no-trunc', () => {
    const out = formatImageList(rows, { now: NOW, digests: true, noTrunc: true }).split('\n');
    expect(out[0]).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
    expect(out[1]).toContain(`sha256:${'cd'.repeat(32)}   ${ID}`);
  });

  it('prints each ID once with -q', () => {
    expect(formatImageList(rows, { quiet: true })).toBe('abababababab\n');
    expect(formatImageList([], { quiet: true })).toBe('');
  });

  it('prints one JSON object per line with docker’s keys', () => {
    const lines = formatImageListJson(rows, { now: NOW }).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      Repository: '127.0.0.1:5000/app',
      Tag: '1',
      ID: 'abababababab',
      CreatedSince: 'About an hour ago',
      Size: '2.13MB',
    });
  });
});

describe('history', () => {
  const history: ImageHistoryEntry[] = [
    {
      id: ID,
      created: '2024-06-01T11:00:00Z',
      createdBy: '/bin/sh -c #(nop)  CMD ["sh"]',
      size: 0,
      comment: '',
      emptyLayer: true,
    },
    {
      id: '<missing>',
      created: '2024-06-01T10:00:00Z',
      createdBy: `/bin/sh -c #(nop) ADD file:${'0'.repeat(64)} in /`,
      size: 2_128_384,
      comment: '',
      emptyLayer: false,
    },
  ];

  it('truncates CREATED BY to 45 characters', () => {
    const out = formatHistory(history, { now: NOW }).split('\n');
    expect(out[0]).toMatch(/^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/);
    expect(out[1]).toMatch(/^abababababab +About an hour ago +\/bin\/sh -c #\(nop\) {2}CMD \["sh"\] +0B$/);
    expect(out[2]).toContain(`/bin/sh -c #(nop) ADD file:${'0'.repeat(17)}…   2.13MB`);
  });

  it('prints IDs only with -q, full ones with --no-trunc', () => {
    expect(formatHistory(history, { quiet: true })).toBe('abababababab\n<missing>\n');
    expect(formatHistory(history, { quiet: true, noTrunc: true })).toBe(`${ID}\n<missing>\n`);
  });
});

describe('import --change', () => {
  it('reads CMD and ENTRYPOINT in exec and shell form, ENV, WORKDIR, USER', () => {
    expect(
      parseChanges([
        'CMD ["echo", "hi"]',
        'ENTRYPOINT /init',
        'ENV A=1',
        'ENV B two',
        'WORKDIR /app',
        'USER 1000',
      ]),
    ).toEqual({
      Cmd: ['echo', 'hi'],
      Entrypoint: ['/bin/sh', '-c', '/init'],
      Env: ['A=1', 'B=two'],
      WorkingDir: '/app',
      User: '1000',
    });
  });

  it('refuses what it does not support', () => {
    expect(() => parseChanges(['EXPOSE 80'])).toThrow(/--change EXPOSE is not supported/);
    expect(() => parseChanges(['CMD'])).toThrow(/invalid --change/);
  });
});

describe('login server keys', () => {
  it.each([
    [undefined, 'https://index.docker.io/v1/', 'docker.io'],
    ['docker.io', 'https://index.docker.io/v1/', 'docker.io'],
    ['https://index.docker.io/v1/', 'https://index.docker.io/v1/', 'docker.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://registry.example.com/v2/', 'registry.example.com', 'registry.example.com'],
  ])('%s → %s', (server, key, domain) => {
    expect(serverKey(server)).toEqual({ key, domain });
  });

  it('refuses an address that is not a host', () => {
    expect(() => serverKey('not a host')).toThrow(/invalid registry address/);
  });
});

describe('pull progress', () => {
  const D1 = `sha256:${'1'.repeat(64)}`;
  const D2 = `sha256:${'2'.repeat(64)}`;
  const p = (
    digest: string,
    status: ImageLayerProgress['status'],
    current = 0,
    total = 100,
  ): ImageLayerProgress => ({
    id: digest.slice(7, 19),
    digest,
    status,
    current,
    total,
  });

  it('prints one line per layer and status change when not on a terminal', () => {
    let out = '';
    const printer = new LayerProgressPrinter((s) => (out += s), false, progressBar);
    printer.update(p(D1, 'Waiting'));
    printer.update(p(D1, 'Downloading', 10));
    printer.update(p(D1, 'Downloading', 50));
    printer.update(p(D2, 'Already exists', 100));
    printer.update(p(D1, 'Download complete', 100));
    printer.update(p(D1, 'Pull complete', 100));
    printer.done();
    expect(out).toBe(
      [
        '111111111111: Pulling fs layer',
        '111111111111: Downloading',
        '222222222222: Already exists',
        '111111111111: Download complete',
        '111111111111: Pull complete',
        '',
      ].join('\n'),
    );
  });

  it('redraws a block of layer lines with bars on a terminal', () => {
    vi.useFakeTimers();
    try {
      let out = '';
      const printer = new LayerProgressPrinter(
        (s) => (out += s),
        true,
        (c, t) => progressBar(c, t, 10),
      );
      printer.update(p(D1, 'Downloading', 50));
      printer.update(p(D2, 'Waiting'));
      vi.advanceTimersByTime(150);
      expect(out).toBe(
        '\x1b[2K111111111111: Downloading [=====>    ]  50B/100B\n\x1b[2K222222222222: Pulling fs layer\n',
      );
      out = '';
      printer.update(p(D1, 'Pull complete', 100));
      printer.done();
      expect(out).toBe('\x1b[2A\x1b[2K111111111111: Pull complete\n\x1b[2K222222222222: Pulling fs layer\n');
    } finally {
      vi.useRealTimers();
    }
  });
});
