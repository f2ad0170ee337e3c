/**
 * `run`'s pure parts: the one-off's name, labels, aliases, ports, restart policy and the mapping of
 * every option onto the service (docker/compose run.go applyRunOptions / prepareRun).
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  SERVICE_LABEL,
  SLUG_LABEL,
} from '../../../src/api/labels.js';
import { newSlug, oneOffName, oneOffSpec, runService, withService } from '../../../src/verbs/run.js';
import { project } from '../reconcile/fixtures.js';

const p = project(`
services:
  web:
    image: busybox
    command: ["sleep", "3600"]
    entrypoint: ["/init"]
    restart: always
    container_name: fixed
    environment: { A: "1", B: "2" }
    labels: { team: core }
    ports: ["8080:80", "127.0.0.1::443"]
    cap_add: [NET_ADMIN]
    networks:
      front: { aliases: [www] }
    depends_on: [db]
  db:
    image: busybox
    deploy: { replicas: 3, restart_policy: { condition: any } }
networks:
  front: {}
`);
const slug = 'ab12cd34ef56'.padEnd(64, '7');

describe('one-off naming', () => {
  it('is <project>-<service>-run-<first 12 of the slug>', () => {
    expect(oneOffName('demo', 'web', slug)).toBe('demo-web-run-ab12cd34ef56');
  });

  it('slugs are 64 random hex characters', () => {
    const a = newSlug();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newSlug()).not.toBe(a);
  });
});

describe('oneOffSpec', () => {
  const spec = oneOffSpec(p, 'web', {}, { slug, imageId: 'sha256:img' });

  it('is named after the slug, not container_name', () => {
    expect(spec.name).toBe('demo-web-run-ab12cd34ef56');
  });

  it('carries the compose labels with oneoff=True and the slug, and no container number', () => {
    expect(spec.labels[ONEOFF_LABEL]).toBe('True');
    expect(spec.labels[SLUG_LABEL]).toBe(slug);
    expect(spec.labels[PROJECT_LABEL]).toBe('demo');
    expect(spec.labels[SERVICE_LABEL]).toBe('web');
    expect(spec.labels[CONFIG_HASH_LABEL]).toMatch(/^[0-9a-f]{64}$/);
    expect(spec.labels[CONTAINER_NUMBER_LABEL]).toBeUndefined();
    expect(spec.labels.team).toBe('core');
  });

  it('publishes no ports and has no restart policy by default', () => {
    expect(spec.ports).toEqual([]);
    expect(spec.restart).toBeUndefined();
  });

  it('answers only to its own name unless useAliases', () => {
    expect(spec.networks.demo_front?.aliases).toEqual(['demo-web-run-ab12cd34ef56']);
    const aliased = oneOffSpec(p, 'web', { useAliases: true }, { slug });
    expect(aliased.networks.demo_front?.aliases).toEqual(['demo-web-run-ab12cd34ef56', 'web', 'www']);
  });

  it('--name wins over the generated name', () => {
    expect(oneOffSpec(p, 'web', { name: 'mine' }, { slug }).name).toBe('mine');
  });

  it('--rm is the engine AutoRemove; -i keeps stdin open for the first attach only', () => {
    expect(spec.autoRemove).toBeUndefined();
    expect(spec.stdinOpen).toBe(false);
    expect(spec.stdinOnce).toBeUndefined();
    const s = oneOffSpec(p, 'web', { rm: true, interactive: true, tty: true }, { slug });
    expect(s.autoRemove).toBe(true);
    expect(s.stdinOpen).toBe(true);
    expect(s.stdinOnce).toBe(true);
    expect(s.tty).toBe(true);
  });

  it('-P publishes the service ports; -p replaces them', () => {
    expect(oneOffSpec(p, 'web', { servicePorts: true }, { slug }).ports).toEqual([
      { target: 80, published: 8080, protocol: 'tcp' },
      { target: 443, protocol: 'tcp', hostIp: '127.0.0.1' },
    ]);
    expect(oneOffSpec(p, 'web', { publish: ['127.0.0.1:9000:90/udp'] }, { slug }).ports).toEqual([
      { target: 90, published: 9000, protocol: 'udp', hostIp: '127.0.0.1' },
    ]);
  });

  it('rejects a malformed --publish as a usage error', () => {
    expect(() => oneOffSpec(p, 'web', { publish: ['80:abc'] }, { slug })).toThrow(/invalid --publish/);
  });
});

describe('runService', () => {
  it('maps command, user, workdir, env, labels and capabilities', () => {
    const svc = runService(p, 'web', {
      command: ['echo', 'hi'],
      user: 'nobody',
      workdir: '/tmp',
      environment: { B: 'over', C: '3' },
      labels: { extra: 'x', team: 'edge' },
      capAdd: ['SYS_TIME'],
      capDrop: ['NET_ADMIN'],
    });
    expect(svc.command).toEqual(['echo', 'hi']);
    expect(svc.entrypoint).toEqual(['/init']);
    expect(svc.user).toBe('nobody');
    expect(svc.working_dir).toBe('/tmp');
    expect(svc.environment).toEqual({ A: '1', B: 'over', C: '3' });
    expect(svc.labels).toEqual({ team: 'edge', extra: 'x' });
    expect(svc.cap_add).toEqual(['SYS_TIME']);
    expect(svc.cap_drop).toEqual(['NET_ADMIN']);
    expect(svc.container_name).toBeUndefined();
    expect(svc.restart).toBeUndefined();
  });

  it('--entrypoint clears the service command unless a command is given', () => {
    expect(runService(p, 'web', { entrypoint: ['sh', '-c'] }).command).toEqual([]);
    expect(runService(p, 'web', { entrypoint: ['sh', '-c'], command: ['id'] }).command).toEqual(['id']);
  });

  it('scale 1 and no deploy restart policy', () => {
    const db = runService(p, 'db', {});
    expect(db.scale).toBe(1);
    expect(db.deploy?.replicas).toBe(1);
    expect(db.deploy?.restart_policy).toBeUndefined();
  });

  it('appends -v mounts, relative bind sources from cwd', () => {
    const svc = runService(p, 'web', { volumes: ['./data:/data:ro', 'cache:/cache'], cwd: '/home/me' });
    expect(svc.volumes).toEqual([
      {
        type: 'bind',
        source: '/home/me/data',
        target: '/data',
        read_only: true,
        bind: { create_host_path: true },
      },
      { type: 'volume', source: 'cache', target: '/cache', volume: {} },
    ]);
  });

  it('does not change the project', () => {
    runService(p, 'web', { command: ['x'] });
    expect(p.services.web?.command).toEqual(['sleep', '3600']);
  });
});

describe('withService', () => {
  it('keeps the non-enumerable project facts (working dir, files, environment)', () => {
    const copy = withService(p, 'web', { image: 'other' });
    expect(copy.services.web).toEqual({ image: 'other' });
    expect(copy.workingDir).toBe('/srv/demo');
    expect(copy.configFiles).toEqual(['/srv/demo/compose.yaml']);
    expect(copy.services.db).toBe(p.services.db);
    expect(p.services.web?.image).toBe('busybox');
  });
});
