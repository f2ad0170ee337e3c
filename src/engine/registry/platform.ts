/**
 * Platforms (`os/arch[/variant]`) and the choice of one manifest from an OCI index or a Docker
 * manifest list, the way containerd's platforms.Only matcher does it: os and architecture must be
 * equal after normalization (x86_64 → amd64, aarch64 → arm64, armhf → arm/v7…); a wanted variant
 * must match, where arm64's default variant is v8 and arm's v7; without a wanted variant the entry
 * without one (or with the default) wins over others.
 */
import { RuntimeError } from '../../api/errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
};

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7', amd64: 'v1' };

/** Normalized form: lower case, aliases resolved, default variants removed. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  const alias = ARCH_ALIASES[architecture];
  if (alias) {
    architecture = alias.architecture;
    variant ??= alias.variant;
  }
  if (architecture === 'arm' && variant !== undefined && /^\d$/.test(variant)) variant = `v${variant}`;
  if (variant === '' || variant === DEFAULT_VARIANT[architecture]) variant = undefined;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** `linux/arm64/v8` → `{ os: 'linux', architecture: 'arm64', variant: 'v8' }`. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => x === '')) {
    throw new RuntimeError('USAGE', `invalid platform "${spec}"`, {
      hint: 'a platform is os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8',
    });
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2] !== undefined) p.variant = parts[2];
  return p;
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** True when `candidate` satisfies `wanted` (see the file comment). */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return false;
  if (w.variant === undefined) return true;
  return w.variant === c.variant;
}

export interface PlatformEntry {
  digest: string;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/**
 * Picks the entry of an index for `wanted`. Entries without a platform and attestation manifests
 * (`unknown/unknown`, `vnd.docker.reference.type`) are never chosen. Throws IMAGE_NOT_FOUND listing
 * the platforms the index has when none matches.
 */
export function selectPlatform<T extends PlatformEntry>(
  entries: readonly T[],
  wanted: Platform = DEFAULT_PLATFORM,
  what = 'the image',
): T {
  const candidates = entries.filter(
    (e) =>
      e.platform !== undefined &&
      e.platform.os !== 'unknown' &&
      e.annotations?.['vnd.docker.reference.type'] === undefined,
  );
  const matching = candidates.filter((e) => platformMatches(wanted, e.platform!));
  if (matching.length > 0) {
    const w = normalizePlatform(wanted);
    // Without a wanted variant, prefer the entry with the default (no) variant.
    const exact = matching.find((e) => normalizePlatform(e.platform!).variant === w.variant);
    return exact ?? matching[0]!;
  }
  const available = [...new Set(candidates.map((e) => formatPlatform(e.platform!)))];
  throw new RuntimeError(
    'IMAGE_NOT_FOUND',
    `no matching manifest for ${formatPlatform(wanted)} in the manifest list of ${what}`,
    {
      hint:
        available.length > 0
          ? `available platforms: ${available.join(', ')}`
          : 'the manifest list names no platforms',
    },
  );
}
