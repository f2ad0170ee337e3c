import { describe, expect, it } from 'vitest';
import type { BerthError } from '../../../../src/api/errors.js';
import {
  formatPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectPlatform,
} from '../../../../src/engine/registry/platform.js';

const entry = (digest: string, platform?: string, annotations?: Record<string, string>) => ({
  digest,
  ...(platform ? { platform: parsePlatform(platform) } : {}),
  ...(annotations ? { annotations } : {}),
});

describe('platforms', () => {
  it('parses and formats os/arch[/variant]', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
    for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d']) {
      expect(() => parsePlatform(bad)).toThrow(/invalid platform/);
    }
  });

  it('normalizes aliases and default variants', () => {
    expect(normalizePlatform({ os: 'Linux', architecture: 'x86_64' })).toEqual({
      os: 'linux',
      architecture: 'amd64',
    });
    expect(normalizePlatform({ os: 'linux', architecture: 'aarch64' })).toEqual({
      os: 'linux',
      architecture: 'arm64',
    });
    expect(normalizePlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toEqual({
      os: 'linux',
      architecture: 'arm64',
    });
    expect(normalizePlatform({ os: 'linux', architecture: 'armhf' })).toEqual({
      os: 'linux',
      architecture: 'arm',
    });
    expect(normalizePlatform({ os: 'linux', architecture: 'arm', variant: '6' })).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v6',
    });
  });

  it('matches os, architecture and a wanted variant', () => {
    expect(platformMatches(parsePlatform('linux/arm64/v8'), parsePlatform('linux/arm64'))).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64'), parsePlatform('linux/arm64/v8'))).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v6'), parsePlatform('linux/arm/v7'))).toBe(false);
    expect(platformMatches(parsePlatform('linux/amd64'), parsePlatform('linux/arm64'))).toBe(false);
    expect(platformMatches(parsePlatform('linux/amd64'), parsePlatform('windows/amd64'))).toBe(false);
  });

  it('selects the entry of an index, skipping attestations', () => {
    const entries = [
      entry('sha256:att', 'unknown/unknown', { 'vnd.docker.reference.type': 'attestation-manifest' }),
      entry('sha256:arm6', 'linux/arm/v6'),
      entry('sha256:arm7', 'linux/arm/v7'),
      entry('sha256:arm64', 'linux/arm64/v8'),
      entry('sha256:amd64', 'linux/amd64'),
      entry('sha256:none'),
    ];
    expect(selectPlatform(entries).digest).toBe('sha256:amd64');
    expect(selectPlatform(entries, parsePlatform('linux/arm64')).digest).toBe('sha256:arm64');
    expect(selectPlatform(entries, parsePlatform('linux/arm64/v8')).digest).toBe('sha256:arm64');
    expect(selectPlatform(entries, parsePlatform('linux/arm/v6')).digest).toBe('sha256:arm6');
    // Without a variant, arm's default (v7) wins over v6.
    expect(selectPlatform(entries, parsePlatform('linux/arm')).digest).toBe('sha256:arm7');
  });

  it('lists the available platforms when none matches', () => {
    const entries = [entry('sha256:a', 'linux/amd64'), entry('sha256:b', 'linux/arm64/v8')];
    let err: BerthError | undefined;
    try {
      selectPlatform(entries, parsePlatform('linux/s390x'), 'reg/x:1');
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('IMAGE_NOT_FOUND');
    expect(err?.message).toBe('no matching manifest for linux/s390x in the manifest list of reg/x:1');
    expect(err?.hint).toBe('available platforms: linux/amd64, linux/arm64/v8');
  });
});
