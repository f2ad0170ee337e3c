/**
 * Image references, parsed and normalized the way Docker does it (github.com/distribution/reference:
 * `Parse`, `ParseNormalizedNamed`, `ParseDockerRef`, `FamiliarString`; digests per go-digest):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component { "/" path-component }      (≤ 255 characters)
 *   domain     := host [ ":" port ]       host := domain-name | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex      (sha256: 64 lowercase hex, sha384: 96, sha512: 128)
 *
 * Normalization: a first component is a domain only when it contains "." or ":", is "localhost", or
 * has an upper-case letter; otherwise the domain is docker.io (index.docker.io is rewritten to it) and
 * a single-component docker.io path gets "library/". A name-only reference gets the tag "latest"; a
 * reference with both a tag and a digest keeps only the digest (ParseDockerRef).
 */
import { BerthError } from '../../api/errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const NAME_TOTAL_LENGTH_MAX = 255;

/** A parsed reference. `domain` is empty only for references parsed without normalization. */
export interface ImageReference {
  /** Registry host (and port), e.g. `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly domain: string;
  /** Repository path below the domain, e.g. `library/nginx`. */
  readonly path: string;
  readonly tag?: string;
  /** `algorithm:hex`, validated. */
  readonly digest?: string;
}

// distribution/reference's regexp building blocks.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}${optionalPort}`;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRegexp = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRegexp = new RegExp(`^${tagPat}$`);
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;
const anchoredDomainRegexp = new RegExp(`^${domainAndPort}$`);

const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function invalid(message: string, input: string): BerthError {
  return new BerthError('INVALID_REFERENCE', message, {
    hint: `"${input}" is not a valid image reference: expected [registry/]name[:tag][@sha256:<64 hex>], name in lower case`,
  });
}

/** Checks `algorithm:hex` the way go-digest's `Parse` does; throws INVALID_REFERENCE otherwise. */
export function parseDigest(value: string): string {
  const i = value.indexOf(':');
  if (i <= 0 || i + 1 === value.length) throw invalid('invalid checksum digest format', value);
  const algorithm = value.slice(0, i);
  const encoded = value.slice(i + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) {
    // go-digest: an algorithm that does not match its grammar is a format error, a well-formed
    // unknown one is unsupported.
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value)) {
      throw invalid('invalid checksum digest format', value);
    }
    throw invalid('unsupported digest algorithm', value);
  }
  if (encoded.length !== length) throw invalid('invalid checksum digest length', value);
  if (!/^[a-f0-9]+$/.test(encoded)) throw invalid('invalid checksum digest format', value);
  return value;
}

/** True for a valid `sha256:<64 lowercase hex>`. */
export function isSha256Digest(value: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(value);
}

/**
 * distribution/reference `Parse`: the grammar only, no normalization (a name without a domain keeps
 * `domain: ''`).
 */
export function parseReference(input: string): ImageReference {
  const m = referenceRegexp.exec(input);
  if (m === null) {
    if (input === '') throw invalid('repository name must have at least one component', input);
    if (referenceRegexp.test(input.toLowerCase())) {
      throw invalid('repository name must be lowercase', input);
    }
    throw invalid('invalid reference format', input);
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`, input);
  }
  const nm = anchoredNameRegexp.exec(name)!;
  const ref: { domain: string; path: string; tag?: string; digest?: string } = {
    domain: nm[1] ?? '',
    path: nm[2]!,
  };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = parseDigest(m[3]);
  return ref;
}

/** distribution/reference `splitDockerDomain`. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (i === -1) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    const first = name.slice(0, i);
    if (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first) {
      domain = DEFAULT_DOMAIN;
      remainder = name;
    } else {
      domain = first;
      remainder = name.slice(i + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * distribution/reference `ParseNormalizedNamed`: `nginx` → docker.io/library/nginx (no tag added).
 * A bare 64-hex string is refused (it is an image ID, not a name).
 */
export function parseNormalizedReference(input: string): ImageReference {
  if (anchoredIdentifierRegexp.test(input)) {
    throw invalid(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`, input);
  }
  const { domain, remainder } = splitDockerDomain(input);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw invalid(`invalid reference format: repository name (${remote}) must be lowercase`, input);
  }
  return parseReference(`${domain}/${remainder}`);
}

/**
 * distribution/reference `ParseDockerRef`: normalized, `:latest` when neither tag nor digest is
 * given, and only the digest when both are.
 */
export function parseDockerReference(input: string): ImageReference {
  const ref = parseNormalizedReference(input);
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  if (ref.tag === undefined) return { domain: ref.domain, path: ref.path, tag: DEFAULT_TAG };
  return ref;
}

/** `docker.io/library/nginx:latest` → `docker.io/library/nginx:latest` (normalized form, as a string). */
export function normalizeReference(input: string): string {
  return formatReference(parseDockerReference(input));
}

/** The repository name: `domain/path` (just `path` when the domain is empty). */
export function referenceName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The full string form: `name[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  let out = referenceName(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** distribution/reference `FamiliarName`: docker.io/library/nginx → nginx, docker.io/a/b → a/b. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return referenceName(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** distribution/reference `FamiliarString`: the short form Docker prints (`nginx:latest`). */
export function familiarString(ref: ImageReference): string {
  let out = familiarName(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** A copy of `ref` with another tag (and no digest). Throws on an invalid tag. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!anchoredTagRegexp.test(tag)) throw invalid('invalid tag format', tag);
  return { domain: ref.domain, path: ref.path, tag };
}

/** A copy of `ref` with a digest (and no tag). Throws on an invalid digest. */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return { domain: ref.domain, path: ref.path, digest: parseDigest(digest) };
}

/** True when `value` is a valid registry domain (`host[:port]`). */
export function isValidDomain(value: string): boolean {
  return anchoredDomainRegexp.test(value);
}
