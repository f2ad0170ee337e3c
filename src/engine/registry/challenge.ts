/**
 * `WWW-Authenticate` challenges and token scopes (RFC 7235 auth-params as distribution's
 * registry/client/auth/challenge parses them; scopes per the distribution token spec:
 * `repository:<name>:<action>[,<action>…]`, several scopes space-separated or repeated `scope=`).
 */

export interface Challenge {
  /** Lower-cased: `basic`, `bearer`. */
  scheme: string;
  /** Lower-cased parameter names → values (quotes removed, `\x` unescaped). */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses one or more challenges: `Bearer realm="https://auth.example/token",service="registry",
 * scope="repository:a/b:pull"`, `Basic realm="x"`, or both comma-separated. Unparseable trailing text
 * is ignored, as Go's parser does.
 */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  if (typeof header !== 'string') return header.flatMap((h) => parseWwwAuthenticate(h));
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    while (i < s.length && s[i] === ',') {
      i++;
      skipWs();
    }
    const scheme = token();
    if (scheme === '') break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    // auth-params: name=value pairs separated by commas, until the next scheme (a token not followed by '=').
    for (;;) {
      skipWs();
      const save = i;
      const name = token();
      skipWs();
      if (name === '' || s[i] !== '=') {
        i = save;
        break;
      }
      i++;
      skipWs();
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      challenge.params[name.toLowerCase()] = value;
      skipWs();
      if (s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  return out;
}

/** `repository:<name>:<actions>` with actions sorted and deduplicated. */
export function repositoryScope(name: string, actions: readonly string[]): string {
  return `repository:${name}:${[...new Set(actions)].sort().join(',')}`;
}

/**
 * Merges scopes: the same resource's actions are united (`repository:a:pull` + `repository:a:push`
 * → `repository:a:pull,push`); the result is sorted, so equal sets give equal cache keys. Input
 * entries may themselves be space-separated lists (as a challenge's `scope` parameter is).
 */
export function mergeScopes(...scopes: ReadonlyArray<string | undefined>): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const entry of scopes) {
    if (!entry) continue;
    for (const scope of entry.split(' ')) {
      if (scope === '') continue;
      const last = scope.lastIndexOf(':');
      const first = scope.indexOf(':');
      if (first < 0 || last === first) {
        opaque.add(scope);
        continue;
      }
      const resource = scope.slice(0, last);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const a of scope.slice(last + 1).split(',')) if (a !== '') actions.add(a);
      byResource.set(resource, actions);
    }
  }
  const out = [...opaque];
  for (const [resource, actions] of byResource) out.push(`${resource}:${[...actions].sort().join(',')}`);
  return out.sort();
}

/** The token cache key of a scope set. */
export function scopeKey(scopes: readonly string[]): string {
  return mergeScopes(...scopes).join(' ');
}
