/**
 * Image reference parsing and normalization, against the cases of distribution/reference
 * (reference_test.go, normalize_test.go) and go-digest.
 */
import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../../src/api/errors.js';
import {
  familiarString,
  formatReference,
  normalizeReference,
  parseDigest,
  parseDockerReference,
  parseNormalizedReference,
  parseReference,
  withDigest,
  withTag,
} from '../../../../src/engine/store/reference.js';

const HEX = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const DIGEST = `sha256:${HEX}`;

function errorOf(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe('INVALID_REFERENCE');
    return err as BerthError;
  }
  throw new Error('expected an INVALID_REFERENCE error');
}

describe('parseNormalizedReference (ParseNormalizedNamed)', () => {
  it.each([
    ['docker/docker', 'docker.io/docker/docker'],
    ['library/debian', 'docker.io/library/debian'],
    ['debian', 'docker.io/library/debian'],
    ['docker.io/docker/docker', 'docker.io/docker/docker'],
    ['docker.io/library/debian', 'docker.io/library/debian'],
    ['docker.io/debian', 'docker.io/library/debian'],
    ['index.docker.io/docker/docker', 'docker.io/docker/docker'],
    ['index.docker.io/debian', 'docker.io/library/debian'],
    ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000/docker/docker'],
    ['127.0.0.1:5000/library/debian', '127.0.0.1:5000/library/debian'],
    ['127.0.0.1:5000/debian', '127.0.0.1:5000/debian'],
    ['192.168.0.1', 'docker.io/library/192.168.0.1'],
    ['192.168.0.1:80', 'docker.io/library/192.168.0.1:80'],
    ['192.168.0.1:8/debian', '192.168.0.1:8/debian'],
    ['localhost/foo', 'localhost/foo'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['[::1]/foo', '[::1]/foo'],
    ['[2001:db8::1]:5000/foo:bar', '[2001:db8::1]:5000/foo:bar'],
    ['foo/foo_bar.com:8080', 'docker.io/foo/foo_bar.com:8080'],
    ['Foo/bar', 'Foo/bar'],
    ['a.b-c_d__e---f/g', 'a.b-c_d__e---f/g'],
    [`docker.io/${HEX}`, `docker.io/library/${HEX}`],
    [
      'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    ],
    [`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
    [`nginx:1.25@${DIGEST}`, `docker.io/library/nginx:1.25@${DIGEST}`],
  ])('%s → %s', (input, expected) => {
    expect(formatReference(parseNormalizedReference(input))).toBe(expected);
  });

  it('splits domain, path, tag and digest', () => {
    expect(parseNormalizedReference(`localhost:5000/a/b:t@${DIGEST}`)).toEqual({
      domain: 'localhost:5000',
      path: 'a/b',
      tag: 't',
      digest: DIGEST,
    });
    expect(parseNormalizedReference('nginx')).toEqual({ domain: 'docker.io', path: 'library/nginx' });
  });

  it.each([
    ['https://github.com/docker/docker', 'invalid reference format'],
    ['docker/Docker', 'invalid reference format: repository name (docker/Docker) must be lowercase'],
    ['Docker', 'invalid reference format: repository name (library/Docker) must be lowercase'],
    ['foo_bar.com:8080/foo', 'invalid reference format'],
    [
      'docker.io/docker/Docker',
      'invalid reference format: repository name (docker/Docker) must be lowercase',
    ],
    ['-docker', 'invalid reference format'],
    ['-docker/docker', 'invalid reference format'],
    ['-docker.io/docker/docker', 'invalid reference format'],
    ['docker///docker', 'invalid reference format'],
    ['docker.io/docker///docker', 'invalid reference format'],
    ['docker/', 'invalid reference format'],
    ['', 'invalid reference format'],
    ['foo:bar:baz', 'invalid reference format'],
    ['a__b_/c', 'invalid reference format'],
    ['a/b_', 'invalid reference format'],
    ['a/.b', 'invalid reference format'],
    ['a/b..c', 'invalid reference format'],
    ['[fe80::1%eth0]:5000/foo', 'invalid reference format'],
    ['foo@sha256:abc', 'invalid reference format'],
    [HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`],
    [`foo@sha256:${HEX.toUpperCase()}`, 'invalid checksum digest format'],
    [`foo@sha512:${HEX}`, 'invalid checksum digest length'],
    [`foo@md5:${HEX.slice(0, 32)}`, 'unsupported digest algorithm'],
    [`foo:${'a'.repeat(129)}`, 'invalid reference format'],
    [`${'a/'.repeat(127)}ab`, 'repository name must not be more than 255 characters'],
  ])('refuses %j: %s', (input, message) => {
    expect(errorOf(() => parseNormalizedReference(input)).message).toBe(message);
  });

  it('accepts a 128-character tag and a name of exactly 255 characters', () => {
    expect(parseNormalizedReference(`foo:${'a'.repeat(128)}`).tag).toHaveLength(128);
    const name = `docker.io/${'a/'.repeat(120)}abcde`;
    expect(name).toHaveLength(255);
    expect(referenceLength(name)).toBe(255);
  });
});

function referenceLength(name: string): number {
  const r = parseNormalizedReference(name);
  return `${r.domain}/${r.path}`.length;
}

describe('parseDockerReference (ParseDockerRef)', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx:latest'],
    ['gcr.io/project/img', 'gcr.io/project/img:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['localhost/a', 'localhost/a:latest'],
    [`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
    [`nginx:1.25@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
    [`localhost:5000/a/b:t@${DIGEST}`, `localhost:5000/a/b@${DIGEST}`],
  ])('%s → %s', (input, expected) => {
    expect(formatReference(parseDockerReference(input))).toBe(expected);
    expect(normalizeReference(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const r of ['nginx', 'a/b:c', `x@${DIGEST}`, 'localhost:5000/y']) {
      const once = normalizeReference(r);
      expect(normalizeReference(once)).toBe(once);
    }
  });
});

describe('parseReference (Parse, no normalization)', () => {
  it('keeps a name without a domain as it is', () => {
    expect(parseReference('nginx:1')).toEqual({ domain: '', path: 'nginx', tag: '1' });
    // As in Go: the grammar alone reads a first component as a domain.
    expect(parseReference('library/nginx')).toEqual({ domain: 'library', path: 'nginx' });
    expect(formatReference(parseReference('nginx'))).toBe('nginx');
  });

  it('tells an upper-case name from a malformed one', () => {
    expect(errorOf(() => parseReference('Nginx')).message).toBe('repository name must be lowercase');
    expect(errorOf(() => parseReference('')).message).toBe(
      'repository name must have at least one component',
    );
    expect(errorOf(() => parseReference('a b')).message).toBe('invalid reference format');
  });
});

describe('familiarString (FamiliarString)', () => {
  it.each([
    ['docker.io/library/nginx:latest', 'nginx:latest'],
    ['docker.io/berth-test/busybox:1', 'berth-test/busybox:1'],
    ['docker.io/library/a/b:c', 'library/a/b:c'],
    ['localhost:5000/a:b', 'localhost:5000/a:b'],
    [`docker.io/library/nginx@${DIGEST}`, `nginx@${DIGEST}`],
  ])('%s → %s', (input, expected) => {
    expect(familiarString(parseNormalizedReference(input))).toBe(expected);
  });
});

describe('digests and helpers', () => {
  it('parseDigest follows go-digest', () => {
    expect(parseDigest(DIGEST)).toBe(DIGEST);
    expect(parseDigest(`sha512:${'a'.repeat(128)}`)).toBe(`sha512:${'a'.repeat(128)}`);
    expect(errorOf(() => parseDigest('sha256')).message).toBe('invalid checksum digest format');
    expect(errorOf(() => parseDigest('sha256:')).message).toBe('invalid checksum digest format');
    expect(errorOf(() => parseDigest(':abc')).message).toBe('invalid checksum digest format');
    expect(errorOf(() => parseDigest('sha256:abc')).message).toBe('invalid checksum digest length');
    expect(errorOf(() => parseDigest('foo:abc')).message).toBe('unsupported digest algorithm');
    expect(errorOf(() => parseDigest('FOO:abc')).message).toBe('invalid checksum digest format');
  });

  it('withTag / withDigest replace what the reference points at', () => {
    const r = parseDockerReference('nginx:1');
    expect(formatReference(withTag(r, '2'))).toBe('docker.io/library/nginx:2');
    expect(formatReference(withDigest(r, DIGEST))).toBe(`docker.io/library/nginx@${DIGEST}`);
    expect(errorOf(() => withTag(r, '-bad')).message).toBe('invalid tag format');
  });

  it('carries a hint that shows the expected form', () => {
    expect(errorOf(() => normalizeReference('UPPER')).hint).toMatch(/\[registry\/\]name\[:tag\]/);
  });
});
