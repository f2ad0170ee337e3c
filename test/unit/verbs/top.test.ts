/**
 * `top`: the verb (one engine `top` per running container of the project, services filtered, sorted by
 * name) and compose's one-table printing (SERVICE, #, the ps titles, CMD right-most, `-` for a missing
 * cell, tabwriter min width 4 padding 2).
 */
import { describe, expect, it } from 'vitest';
import type { ContainerProcesses } from '../../../src/api/inspect.js';
import { formatTop } from '../../../src/cli/commands/top.js';
import type { ContainerInfo, ProcessList } from '../../../src/runtime/runtime.js';
import { top } from '../../../src/verbs/top.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

const TITLES = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'];

describe('formatTop', () => {
  it('prints one table for every container, SERVICE and # first', () => {
    const containers: ContainerProcesses[] = [
      {
        ID: 'a',
        Name: 'p-web-1',
        Service: 'web',
        Replica: '1',
        Titles: TITLES,
        Processes: [
          ['root', '24764', '24722', '0', '15:42', '?', '00:00:00', "sh -c trap 'exit 0' TERM; sleep 1"],
          ['root', '24987', '24764', '0', '15:42', '?', '00:00:00', 'sleep 1'],
        ],
      },
      {
        ID: 'b',
        Name: 'p-worker-12',
        Service: 'worker',
        Replica: '12',
        Titles: TITLES,
        Processes: [['root', '770', '725', '0', '15:42', '?', '00:00:00', '/sbin/docker-init -- sleep 3600']],
      },
    ];
    expect(formatTop(containers)).toBe(
      [
        'SERVICE  #   UID   PID    PPID   C   STIME  TTY  TIME      CMD',
        "web      1   root  24764  24722  0   15:42  ?    00:00:00  sh -c trap 'exit 0' TERM; sleep 1",
        'web      1   root  24987  24764  0   15:42  ?    00:00:00  sleep 1',
        'worker   12  root  770    725    0   15:42  ?    00:00:00  /sbin/docker-init -- sleep 3600',
        '',
      ].join('\n'),
    );
  });

  it('keeps CMD right-most when containers report different columns, and fills gaps with -', () => {
    const out = formatTop([
      { ID: 'a', Name: 'a', Service: 'a', Replica: '1', Titles: ['PID', 'CMD'], Processes: [['1', 'init']] },
      {
        ID: 'b',
        Name: 'b',
        Service: 'b',
        Replica: '',
        Titles: ['PID', 'CMD', 'USER'],
        Processes: [['2', 'sh', 'me']],
      },
    ]);
    expect(out.split('\n')).toEqual([
      'SERVICE  #   PID  USER  CMD',
      'a        1   1    -     init',
      'b            2    me    sh',
      '',
    ]);
  });

  it('prints nothing when no process is listed', () => {
    expect(formatTop([])).toBe('');
    expect(
      formatTop([{ ID: 'a', Name: 'a', Service: 'a', Replica: '1', Titles: TITLES, Processes: [] }]),
    ).toBe('');
  });
});

/** A fake whose `top` answers one process per container, named after its id. */
function topRuntime(containers: ContainerInfo[]): FakeRuntime {
  const runtime = new FakeRuntime({ containers });
  runtime.topContainer = async (id: string): Promise<ProcessList> => {
    runtime.calls.push(`top:${id}`);
    return { titles: ['PID', 'CMD'], processes: [[id.length.toString(), `cmd-${id}`]] };
  };
  return runtime;
}

function running(
  project: string,
  service: string,
  n: number,
  state: ContainerInfo['state'] = 'running',
): ContainerInfo {
  return {
    id: `${service}${n}`,
    name: `${project}-${service}-${n}`,
    image: 'img',
    labels: {
      'com.docker.compose.project': project,
      'com.docker.compose.service': service,
      'com.docker.compose.container-number': String(n),
    },
    state,
    status: '',
    created: new Date(0).toISOString(),
    ports: [],
    networks: {},
  };
}

describe('top (verb)', () => {
  it("asks for the processes of the project's running containers, sorted by name", async () => {
    const runtime = topRuntime([
      running('p', 'worker', 1),
      running('p', 'web', 2),
      running('p', 'web', 1),
      running('p', 'db', 1, 'exited'),
      running('other', 'web', 1),
    ]);
    const result = await top('p', { runtime });
    expect(result.map((c) => [c.Name, c.Service, c.Replica, c.Processes[0]![1]])).toEqual([
      ['p-web-1', 'web', '1', 'cmd-web1'],
      ['p-web-2', 'web', '2', 'cmd-web2'],
      ['p-worker-1', 'worker', '1', 'cmd-worker1'],
    ]);
    expect(runtime.calls.filter((c) => c.startsWith('top:')).sort()).toEqual([
      'top:web1',
      'top:web2',
      'top:worker1',
    ]);
  });

  it('keeps only the services asked for', async () => {
    const runtime = topRuntime([running('p', 'worker', 1), running('p', 'web', 1)]);
    expect((await top('p', { runtime, services: ['worker'] })).map((c) => c.Name)).toEqual(['p-worker-1']);
  });
});
