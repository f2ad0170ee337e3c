/**
 * Omit empty — compose-go `loader.OmitEmpty` (loader/omitEmpty.go), run after the canonical transform:
 * attributes that mean nothing when empty are dropped. compose-go lists one such path,
 * `services.*.dns`, whose empty (`""` or null) entries are removed (an interpolated `dns: ${DNS}` with
 * DNS unset must not become a nameserver "").
 */
import type { Dict } from './yaml.js';

/** Drops empty entries where compose-go does. Mutates `dict` in place and returns it. */
export function omitEmpty(dict: Dict): Dict {
  const services = dict.services;
  if (typeof services !== 'object' || services === null) return dict;
  for (const service of Object.values(services as Dict)) {
    if (typeof service !== 'object' || service === null) continue;
    const dns = (service as Dict).dns;
    if (Array.isArray(dns) && dns.some(isEmpty)) (service as Dict).dns = dns.filter((e) => !isEmpty(e));
  }
  return dict;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}
