import { describe, expect, it } from 'vitest';
import {
  mergeScopes,
  parseWwwAuthenticate,
  repositoryScope,
  scopeKey,
} from '../../../../src/engine/registry/challenge.js';

describe('parseWwwAuthenticate', () => {
  it('parses a Bearer challenge as Docker Hub sends it', () => {
    const c = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    );
    expect(c).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ]);
  });

  it('parses Basic, unquoted values, escapes, case and spaces', () => {
    expect(parseWwwAuthenticate('Basic realm="berth-test"')).toEqual([
      { scheme: 'basic', params: { realm: 'berth-test' } },
    ]);
    expect(parseWwwAuthenticate('BEARER  Realm = "a\\"b" , Service=reg , error="invalid_token"')).toEqual([
      { scheme: 'bearer', params: { realm: 'a"b', service: 'reg', error: 'invalid_token' } },
    ]);
  });

  it('keeps a scope with several actions and separates several challenges', () => {
    const c = parseWwwAuthenticate([
      'Bearer realm="http://127.0.0.1:1/t",scope="repository:a/b:pull,push repository:c:pull"',
      'Basic realm="r"',
    ]);
    expect(c.map((x) => x.scheme)).toEqual(['bearer', 'basic']);
    expect(c[0]!.params.scope).toBe('repository:a/b:pull,push repository:c:pull');
    expect(parseWwwAuthenticate('Basic realm="r", Bearer realm="t"').map((x) => x.scheme)).toEqual([
      'basic',
      'bearer',
    ]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
  });
});

describe('scopes', () => {
  it('builds repository scopes with sorted, unique actions', () => {
    expect(repositoryScope('library/busybox', ['push', 'pull', 'pull'])).toBe(
      'repository:library/busybox:pull,push',
    );
  });

  it('merges the actions of one resource and keeps others apart', () => {
    expect(
      mergeScopes(
        'repository:a/b:pull',
        'repository:a/b:push repository:c:pull',
        undefined,
        'registry:catalog:*',
      ),
    ).toEqual(['registry:catalog:*', 'repository:a/b:pull,push', 'repository:c:pull']);
    expect(mergeScopes('repository:127.0.0.1:5000/x:pull')).toEqual(['repository:127.0.0.1:5000/x:pull']);
  });

  it('gives one cache key per scope set, whatever the order', () => {
    expect(scopeKey(['repository:c:pull', 'repository:a:push', 'repository:a:pull'])).toBe(
      scopeKey(['repository:a:pull,push', 'repository:c:pull']),
    );
    expect(scopeKey(['repository:a:pull'])).not.toBe(scopeKey(['repository:a:pull,push']));
  });
});
