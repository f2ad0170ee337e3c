/**
 * /etc/hosts and /etc/resolv.conf of a container that gets no network hook (private netns with only
 * loopback, `network_mode: none`): Docker's default hosts lines plus the container's own names and
 * extra_hosts, and the host's resolv.conf without loopback name servers (unreachable from the
 * container's namespace) with dns/dns_search/dns_opt applied. Pure.
 */
import type { ContainerSpec } from '../../runtime/runtime.js';
import type { ContainerRecord } from './types.js';

/** `/etc/hosts` of a container without a network hook. */
export function defaultHosts(rec: Pick<ContainerRecord, 'process' | 'spec'>): string {
  const names = [
    rec.process.hostname,
    ...(rec.process.domainname ? [`${rec.process.hostname}.${rec.process.domainname}`] : []),
  ];
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `127.0.1.1\t${names.join(' ')}`,
  ];
  for (const h of rec.spec.extraHosts ?? []) {
    // `host=ip` (compose ≥ 2.24) or `host:ip`; an IPv6 address may be bracketed.
    const i = h.includes('=') ? h.indexOf('=') : h.indexOf(':');
    if (i > 0) lines.push(`${h.slice(i + 1).replace(/^\[|\]$/g, '')}\t${h.slice(0, i)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The host's resolv.conf without loopback name servers (unreachable from a netns), with dns overrides. */
export function hostResolvConf(host: string, spec: ContainerSpec): string {
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  let out = lines.filter((l) => l.trim() !== '');
  if (spec.dns?.length)
    out = [...out.filter((l) => !/^\s*nameserver\b/.test(l)), ...spec.dns.map((d) => `nameserver ${d}`)];
  if (spec.dnsSearch?.length)
    out = [...out.filter((l) => !/^\s*(search|domain)\b/.test(l)), `search ${spec.dnsSearch.join(' ')}`];
  if (spec.dnsOpt?.length)
    out = [...out.filter((l) => !/^\s*options\b/.test(l)), `options ${spec.dnsOpt.join(' ')}`];
  return out.length ? `${out.join('\n')}\n` : '';
}
