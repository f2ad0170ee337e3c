/**
 * `ls`: projects from container labels — grouping, compose's status aggregation (`exited(1),
 * running(2)`, states in name order), config files merged in first-seen order, the name filter
 * (exact or regular expression), and the table / JSON printing.
 */
import { describe, expect, it } from 'vitest';
import { formatLsJson, formatLsTable, nameFilters } from '../../../src/cli/commands/ls.js';
import type { ContainerInfo, ContainerState } from '../../../src/runtime/runtime.js';
import { combinedConfigFiles, combinedStatus, ls, nameMatches, projectsOf } from '../../../src/verbs/ls.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

let seq = 0;
function container(project: string, state: ContainerState, files?: string): ContainerInfo {
  seq++;
  return {
    id: `id${seq}`,
    name: `${project}-svc-${seq}`,
    image: 'img',
    labels: {
      'com.docker.compose.project': project,
      'com.docker.compose.config-hash': 'h',
      ...(files === undefined ? {} : { 'com.docker.compose.project.config_files': files }),
    },
    state,
    status: '',
    created: new Date(0).toISOString(),
    ports: [],
    networks: {},
  };
}

describe('combinedStatus', () => {
  it('counts each state, states in name order', () => {
    expect(combinedStatus(['running', 'exited', 'running'])).toBe('exited(1), running(2)');
    expect(combinedStatus(['running'])).toBe('running(1)');
    expect(combinedStatus(['running', 'paused', 'created', 'running'])).toBe(
      'created(1), paused(1), running(2)',
    );
    expect(combinedStatus([])).toBe('');
  });
});

describe('combinedConfigFiles', () => {
  it('joins every file once, in the order first seen', () => {
    expect(
      combinedConfigFiles([
        container('p', 'running', '/a/compose.yaml,/a/override.yaml'),
        container('p', 'running', '/a/compose.yaml'),
        container('p', 'exited', '/b/other.yaml,/a/override.yaml'),
      ]),
    ).toBe('/a/compose.yaml,/a/override.yaml,/b/other.yaml');
  });

  it('is undefined when a container has no config-files label', () => {
    expect(
      combinedConfigFiles([container('p', 'running', '/a.yaml'), container('p', 'running')]),
    ).toBeUndefined();
  });
});

describe('projectsOf', () => {
  it('groups by project, sorted by name, and says N/A (with a warning) for unlabelled files', () => {
    const warnings: string[] = [];
    const projects = projectsOf(
      [
        container('zeta', 'running', '/z/compose.yaml'),
        container('alpha', 'exited', '/a/compose.yaml'),
        container('alpha', 'running', '/a/compose.yaml'),
        container('legacy', 'running'),
      ],
      (m) => warnings.push(m),
    );
    expect(projects).toEqual([
      { Name: 'alpha', Status: 'exited(1), running(1)', ConfigFiles: '/a/compose.yaml' },
      { Name: 'legacy', Status: 'running(1)', ConfigFiles: 'N/A' },
      { Name: 'zeta', Status: 'running(1)', ConfigFiles: '/z/compose.yaml' },
    ]);
    expect(warnings).toEqual([
      expect.stringContaining('no label "com.docker.compose.project.config_files" set on container'),
    ]);
  });
});

describe('ls (through a runtime)', () => {
  const runtime = () =>
    new FakeRuntime({
      containers: [
        container('web-app', 'running', '/w/compose.yaml'),
        container('web-app', 'exited', '/w/compose.yaml'),
        container('stopped', 'exited', '/s/compose.yaml'),
        // Not a compose service container (no config hash): not listed, as in compose.
        { ...container('nohash', 'running', '/n.yaml'), labels: { 'com.docker.compose.project': 'nohash' } },
      ],
    });

  it('lists projects with a running container, counting running containers only', async () => {
    expect(await ls({ runtime: runtime() })).toEqual([
      { Name: 'web-app', Status: 'running(1)', ConfigFiles: '/w/compose.yaml' },
    ]);
  });

  it('lists every project and every container with all', async () => {
    expect(await ls({ runtime: runtime(), all: true })).toEqual([
      { Name: 'stopped', Status: 'exited(1)', ConfigFiles: '/s/compose.yaml' },
      { Name: 'web-app', Status: 'exited(1), running(1)', ConfigFiles: '/w/compose.yaml' },
    ]);
  });

  it('filters by name, exactly or as a regular expression', async () => {
    expect((await ls({ runtime: runtime(), all: true, names: ['stopped'] })).map((p) => p.Name)).toEqual([
      'stopped',
    ]);
    expect((await ls({ runtime: runtime(), all: true, names: ['^web'] })).map((p) => p.Name)).toEqual([
      'web-app',
    ]);
    expect(await ls({ runtime: runtime(), all: true, names: ['nothing'] })).toEqual([]);
  });
});

describe('name filter', () => {
  it('matches exactly, or as an unanchored regular expression; an invalid expression only exactly', () => {
    expect(nameMatches('myapp', ['myapp'])).toBe(true);
    expect(nameMatches('myapp', ['app'])).toBe(true);
    expect(nameMatches('myapp', ['^app'])).toBe(false);
    expect(nameMatches('a(b', ['a(b'])).toBe(true);
    expect(nameMatches('ab', ['a(b'])).toBe(false);
  });

  it('accepts name=… only', async () => {
    expect(await nameFilters(['name=web', 'name= db '])).toEqual(['web', 'db']);
    await expect(nameFilters(['status=running'])).rejects.toThrow("invalid filter 'status'");
    await expect(nameFilters(['web'])).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('printing', () => {
  const projects = [
    { Name: 'berth-e2e-1', Status: 'running(2)', ConfigFiles: '/tmp/x/compose.yaml' },
    { Name: 'a', Status: 'exited(1), running(1)', ConfigFiles: '/a/compose.yaml,/a/compose.override.yaml' },
  ];

  it('prints the table with tabwriter (min width 20, padding 3)', () => {
    expect(formatLsTable(projects)).toBe(
      [
        'NAME                STATUS                  CONFIG FILES',
        'berth-e2e-1         running(2)              /tmp/x/compose.yaml',
        'a                   exited(1), running(1)   /a/compose.yaml,/a/compose.override.yaml',
        '',
      ].join('\n'),
    );
    expect(formatLsTable([])).toBe('NAME                STATUS              CONFIG FILES\n');
  });

  it('prints one JSON array on one line', () => {
    expect(formatLsJson(projects)).toBe(
      '[{"Name":"berth-e2e-1","Status":"running(2)","ConfigFiles":"/tmp/x/compose.yaml"},{"Name":"a","Status":"exited(1), running(1)","ConfigFiles":"/a/compose.yaml,/a/compose.override.yaml"}]\n',
    );
    expect(formatLsJson([])).toBe('[]\n');
  });
});
