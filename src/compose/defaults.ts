/**
 * Default values — compose-go `transform.SetDefaultValues` (transform/defaults.go), applied once to the
 * merged canonical model, before semantic validation (spec 05-services.md):
 * - `build.context` defaults to `.`;
 * - long-syntax `ports` get `protocol: tcp` and `mode: ingress`;
 * - service `secrets` target `/run/secrets/<source>` (configs keep no default: the engine uses `/<source>`);
 * - `gpus` and `deploy.resources.reservations.devices` entries with neither `count` nor `device_ids`
 *   request every device (`count: all`);
 * - a `bind` block on a volume gets `create_host_path: true`.
 * (`depends_on` defaults are set by the canonical transform.)
 */
import { ComposeError, formatYamlPath, type YamlPath } from '../api/errors.js';
import type { Dict } from './yaml.js';

/** Fills compose-go's default values. Mutates `dict` in place and returns it. */
export function setDefaultValues(dict: Dict): Dict {
  const services = dict.services;
  if (!isDict(services)) return dict;
  for (const name of Object.keys(services)) {
    const svc = services[name];
    if (!isDict(svc)) continue;
    if (isDict(svc.build) && !Object.hasOwn(svc.build, 'context')) svc.build.context = '.';
    if (Array.isArray(svc.secrets)) {
      svc.secrets.forEach((secret: unknown, i: number) => {
        if (!isDict(secret)) throw unsupported(['services', name, 'secrets', i], secret, 'secret');
        if (!Object.hasOwn(secret, 'target')) secret.target = `/run/secrets/${secret.source ?? ''}`;
      });
    }
    if (Array.isArray(svc.ports)) {
      for (const port of svc.ports) {
        if (!isDict(port)) continue;
        if (!Object.hasOwn(port, 'protocol')) port.protocol = 'tcp';
        if (!Object.hasOwn(port, 'mode')) port.mode = 'ingress';
      }
    }
    if (Array.isArray(svc.gpus)) deviceRequests(svc.gpus, ['services', name, 'gpus']);
    const devices = svc.deploy?.resources?.reservations?.devices;
    if (Array.isArray(devices)) {
      deviceRequests(devices, ['services', name, 'deploy', 'resources', 'reservations', 'devices']);
    }
    if (Array.isArray(svc.volumes)) {
      svc.volumes.forEach((volume: unknown, i: number) => {
        if (!isDict(volume) || !Object.hasOwn(volume, 'bind')) return;
        const bind = volume.bind;
        if (!isDict(bind))
          throw unsupported(['services', name, 'volumes', i, 'bind'], bind, 'service volume bind');
        if (!Object.hasOwn(bind, 'create_host_path')) bind.create_host_path = true;
      });
    }
  }
  return dict;
}

function deviceRequests(list: unknown[], path: YamlPath): void {
  list.forEach((request, i) => {
    if (!isDict(request)) throw unsupported([...path, i], request, 'device request');
    if (!Object.hasOwn(request, 'count') && !Object.hasOwn(request, 'device_ids')) request.count = 'all';
  });
}

function unsupported(path: YamlPath, value: unknown, what: string): ComposeError {
  const type = value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
  return new ComposeError('COMPOSE_INVALID', `${formatYamlPath(path)}: invalid type ${type} for ${what}`, {
    location: { path },
    hint: 'use the long (mapping) syntax',
  });
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
