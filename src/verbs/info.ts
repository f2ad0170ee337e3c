/**
 * `info`: which engine berth talks to and why (BERTH_RUNTIME / `--runtime`, DOCKER_HOST, a docker
 * context, or whether the default socket answers), with the engine's version, and for the built-in
 * engine the host requirements it checked. Not a compose command; `docker info`'s spirit.
 */
import type { InfoResult } from '../api/inspect.js';
import type { EngineOptions } from '../api/verbs.js';
import { chooseRuntime, openRuntime } from '../runtime/open.js';

export async function info(options: EngineOptions = {}): Promise<InfoResult> {
  const env = options.env ?? process.env;
  const choice = options.runtime
    ? { name: options.runtime.address, reason: 'given by the caller' }
    : await chooseRuntime(env);
  const requirements =
    choice.name === 'builtin'
      ? (await import('../runtime/builtin/preflight.js'))
          .requirements(env as NodeJS.ProcessEnv)
          .map((r) => ({ what: r.what, ok: r.ok, package: r.pkg, detail: r.detail }))
      : undefined;
  if (requirements?.some((r) => !r.ok)) {
    return {
      runtime: 'builtin',
      reason: choice.reason,
      endpoint: '',
      serverVersion: '',
      os: process.platform,
      arch: process.arch,
      requirements,
    };
  }
  const { runtime, owned } = await openRuntime(options);
  try {
    const i = await runtime.info(options.signal);
    return {
      runtime: i.runtime,
      reason: choice.reason,
      endpoint: i.endpoint,
      serverVersion: i.serverVersion,
      apiVersion: i.apiVersion,
      os: i.os,
      arch: i.arch,
      requirements,
    };
  } finally {
    if (owned) await runtime.close();
  }
}
