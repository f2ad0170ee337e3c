import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../../src/compose/model.js';
import { canonicalJson, hashInput, configHash as hashOf } from '../../../src/reconcile/hash.js';

/** The fixtures are loose objects (some deliberately invalid, e.g. `user: null`). */
const configHash = (service: Record<string, any>): string => hashOf(service as ServiceConfig);

/** A normalized service, as loadProject returns it. */
function web(): Record<string, any> {
  return {
    image: 'nginx:1.27',
    command: ['nginx', '-g', 'daemon off;'],
    environment: { A: '1', B: 'two' },
    ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
    networks: { default: null },
  };
}

// Golden values: these are labels on running containers. If one changes, every container berth
// manages is recreated on the next `up`, so a change here is a breaking change, never a test fix.
// Each was checked independently: `printf '%s' '<canonical json>' | sha256sum`.
const GOLDEN_WEB = '7c6a6061a7560661ae6474aeb733d8a7277161ddba07f0c061f9e207d73be7d0';
const GOLDEN_BUSYBOX = '86f4436baf5570f69349bc6cfad53e024834285e866a0ca1e4865942747fcf6a'; // {"image":"busybox"}
const GOLDEN_EMPTY = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'; // {}

describe('configHash', () => {
  it('is stable: golden values', () => {
    expect(configHash(web())).toBe(GOLDEN_WEB);
    expect(configHash({ image: 'busybox' })).toBe(GOLDEN_BUSYBOX);
    expect(configHash({})).toBe(GOLDEN_EMPTY);
  });

  it('hashes the canonical JSON: sorted keys, no whitespace', () => {
    expect(canonicalJson(hashInput(web() as ServiceConfig))).toBe(
      '{"command":["nginx","-g","daemon off;"],"environment":{"A":"1","B":"two"},"image":"nginx:1.27",' +
        '"networks":{"default":null},"ports":[{"mode":"ingress","protocol":"tcp","published":"8080","target":80}]}',
    );
  });

  it('ignores key order', () => {
    const reordered = Object.fromEntries(Object.entries(web()).reverse());
    reordered.environment = { B: 'two', A: '1' };
    expect(configHash(reordered)).toBe(GOLDEN_WEB);
  });

  it('ignores x-* extensions at any depth', () => {
    const s = web();
    s['x-owner'] = 'team-a';
    s.ports[0]['x-note'] = 'public';
    s.networks = { default: { 'x-hint': 1 } };
    const plain = web();
    plain.networks = { default: {} };
    expect(configHash(s)).toBe(configHash(plain));
    expect(configHash({ ...web(), 'x-owner': 'team-b' })).toBe(GOLDEN_WEB);
  });

  it('keeps x- keys that are user data (labels, environment)', () => {
    expect(configHash({ ...web(), labels: { 'x-team': 'a' } })).not.toBe(
      configHash({ ...web(), labels: { 'x-team': 'b' } }),
    );
    expect(configHash({ ...web(), labels: { 'x-team': 'a' } })).not.toBe(
      configHash({ ...web(), labels: {} }),
    );
  });

  it('ignores build, pull_policy, scale, depends_on, profiles and deploy.replicas', () => {
    const s = {
      ...web(),
      build: { context: '/src', dockerfile: 'Dockerfile' },
      pull_policy: 'always',
      scale: 3,
      depends_on: { db: { condition: 'service_healthy', required: true } },
      profiles: ['debug'],
      deploy: { replicas: 3 },
    };
    expect(configHash(s)).toBe(GOLDEN_WEB);
    const withLimits = { ...web(), deploy: { replicas: 1, resources: { limits: { memory: '1024' } } } };
    expect(configHash({ ...withLimits, deploy: { ...withLimits.deploy, replicas: 5 } })).toBe(
      configHash(withLimits),
    );
  });

  it('ignores undefined values but not nulls', () => {
    expect(configHash({ ...web(), user: undefined })).toBe(GOLDEN_WEB);
    expect(configHash({ ...web(), user: null })).not.toBe(GOLDEN_WEB);
  });

  it('changes with the container configuration', () => {
    const changedEnv = web();
    changedEnv.environment.B = 'three';
    expect(configHash(changedEnv)).not.toBe(GOLDEN_WEB);
    expect(configHash({ ...web(), image: 'nginx:1.28' })).not.toBe(GOLDEN_WEB);
    const changedPort = web();
    changedPort.ports[0].published = '8081';
    expect(configHash(changedPort)).not.toBe(GOLDEN_WEB);
    const changedArgv = web();
    changedArgv.command = ['nginx', '-g', 'daemon  off;'];
    expect(configHash(changedArgv)).not.toBe(GOLDEN_WEB);
  });

  it('distinguishes list order (argv, ports) from key order', () => {
    const s = web();
    s.command = [...s.command].reverse();
    expect(configHash(s)).not.toBe(GOLDEN_WEB);
  });
});
