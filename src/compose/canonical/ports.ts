/**
 * Short port syntax → long syntax: compose-go `types.ParsePortConfig`, which defers to
 * docker/go-connections v0.4.0 `nat.ParsePortSpecs` (spec 05-services.md#ports):
 * `[[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, where either port may be a range `A-B`.
 * - a container range expands into one entry per port; a host range must then have the same length;
 * - a host range with a single container port stays one entry, published as the range (`"80-90"`);
 * - the host IP may be an IPv4 or a bracketed IPv6 address (`[::1]:80:80`);
 * - entries come out sorted by their `"<port>/<proto>"` key *as strings*, like nat's map keys
 *   (so `998-1001` yields 1000, 1001, 998, 999).
 */

/** A long-syntax port entry as compose-go's canonical transform produces it (zero fields omitted). */
export interface PortEntry {
  mode: 'ingress';
  host_ip?: string;
  target?: number;
  published?: string;
  protocol: string;
}

/** A malformed port spec; the message uses go-connections' wording, lower-cased. */
export class PortSpecError extends Error {}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);
const DIGITS = /^[0-9]+$/;

/** Parses one short-syntax port spec into its long-syntax entries. Throws {@link PortSpecError}. */
export function parsePortSpec(spec: string): PortEntry[] {
  const { ip: rawIp, hostPort, containerPart } = splitParts(spec);
  const [proto, containerPort] = splitProtoPort(containerPart);

  const ip = stripBrackets(rawIp);
  if (ip !== '' && !isIP(ip)) throw new PortSpecError(`invalid ip address: ${ip}`);
  if (containerPort === '') throw new PortSpecError(`no port specified: ${spec}<empty>`);

  const container = parsePortRange(containerPort);
  if (!container) throw new PortSpecError(`invalid containerPort: ${containerPort}`);
  let host: [number, number] = [0, 0];
  if (hostPort !== '') {
    const h = parsePortRange(hostPort);
    if (!h) throw new PortSpecError(`invalid hostPort: ${hostPort}`);
    host = h;
  }
  const [start, end] = container;
  const [hostStart, hostEnd] = host;
  // A host range is allowed against a single container port (a pool to allocate from); otherwise the
  // two ranges must have the same length.
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new PortSpecError(
      `invalid ranges specified for container and host ports: ${containerPort} and ${hostPort}`,
    );
  }
  const protocol = proto.toLowerCase();
  if (!PROTOCOLS.has(protocol)) throw new PortSpecError(`invalid proto: ${proto}`);

  const entries: Array<{ key: string; entry: PortEntry }> = [];
  for (let i = 0; i <= end - start; i++) {
    const target = start + i;
    let published = hostPort === '' ? '' : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) published = `${published}-${hostEnd}`;
    // Key order and omitted zero fields follow compose-go's struct-to-map encoding.
    const entry = { mode: 'ingress' } as PortEntry;
    if (ip !== '') entry.host_ip = ip;
    if (target !== 0) entry.target = target;
    if (published !== '') entry.published = published;
    entry.protocol = protocol;
    entries.push({ key: `${target}/${protocol}`, entry });
  }
  // Numeric order is string order unless the range crosses a power of ten.
  if (String(start).length !== String(end).length) {
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return entries.map((e) => e.entry);
}

/** nat.splitParts: the container part is after the last `:`, the host port before it, the IP before that. */
function splitParts(raw: string): { ip: string; hostPort: string; containerPart: string } {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPart = parts[n - 1]!;
  if (n === 1) return { ip: '', hostPort: '', containerPart };
  if (n === 2) return { ip: '', hostPort: parts[0]!, containerPart };
  return { ip: parts.slice(0, n - 2).join(':'), hostPort: parts[n - 2]!, containerPart };
}

/** nat.SplitProtoPort: `80/udp` → [udp, 80]; no protocol means tcp. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

/**
 * go-connections runs `net.SplitHostPort(ip + ":")` to strip IPv6 brackets; that also rejects a bare
 * IPv6 address (too many colons) and stray brackets.
 */
function stripBrackets(rawIp: string): string {
  if (rawIp === '') return '';
  if (rawIp.startsWith('[')) {
    const end = rawIp.indexOf(']');
    if (end === rawIp.length - 1) {
      const host = rawIp.slice(1, end);
      if (!host.includes('[') && !host.includes(']')) return host;
    }
    throw new PortSpecError(`invalid ip address: ${rawIp}`);
  }
  if (rawIp.includes(':') || rawIp.includes('[') || rawIp.includes(']')) {
    throw new PortSpecError(`invalid ip address: ${rawIp}: too many colons in address`);
  }
  return rawIp;
}

/** nat.ParsePortRange: `80` or `80-90` (only the first two `-` fields count), each a uint16. */
function parsePortRange(s: string): [number, number] | undefined {
  if (s === '') return undefined;
  if (!s.includes('-')) {
    const p = parseUint16(s);
    return p === undefined ? undefined : [p, p];
  }
  const parts = s.split('-');
  const start = parseUint16(parts[0]!);
  const end = parseUint16(parts[1]!);
  if (start === undefined || end === undefined || end < start) return undefined;
  return [start, end];
}

function parseUint16(s: string): number | undefined {
  if (!DIGITS.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** Go `net.ParseIP` (IPv4 dotted quad without leading zeros, or IPv6 without zone). */
export function isIP(s: string): boolean {
  return s.includes(':') ? isIPv6(s) : isIPv4(s);
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !DIGITS.test(p)) return false;
    if (p.length > 1 && p[0] === '0') return false;
    if (Number(p) > 255) return false;
  }
  return true;
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** netip.ParseAddr's IPv6 rules: ≤4 hex digits a group, one `::`, optional trailing IPv4. */
function isIPv6(s: string): boolean {
  let groups = 0;
  let ellipsis = false;
  let i = 0;
  if (s.startsWith('::')) {
    ellipsis = true;
    i = 2;
    if (i === s.length) return true;
  }
  while (i < s.length) {
    let j = i;
    while (j < s.length && isHex(s[j])) {
      j++;
      if (j - i > 4) return false;
    }
    if (j === i) return false;
    if (s[j] === '.') {
      // An embedded IPv4 address fills the last two groups.
      if ((!ellipsis && groups !== 6) || groups > 6 || !isIPv4(s.slice(i))) return false;
      groups += 2;
      break;
    }
    groups++;
    i = j;
    if (i === s.length) break;
    if (s[i] !== ':') return false;
    i++;
    if (s[i] === ':') {
      if (ellipsis) return false;
      ellipsis = true;
      i++;
      if (i === s.length) break;
    } else if (i === s.length) {
      return false;
    }
    if (groups >= 8) return false;
  }
  return ellipsis ? groups < 8 : groups === 8;
}
