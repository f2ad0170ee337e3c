/**
 * Chooses the engine: the caller's Runtime, else the Docker engine (DOCKER_HOST, DOCKER_CONTEXT, the
 * docker config's current context, /var/run/docker.sock). The built-in engine joins here once it exists
 * (issue: built-in engine); until then an unreachable Docker engine is an error that says so.
 * Adapters load lazily so commands that need no engine never pay for them.
 */
import type { Runtime } from './runtime.js';

export interface OpenRuntimeOptions {
  runtime?: Runtime;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** The runtime to use, and whether the caller owns it (and so must close it). */
export async function openRuntime(
  options: OpenRuntimeOptions = {},
): Promise<{ runtime: Runtime; owned: boolean }> {
  if (options.runtime) return { runtime: options.runtime, owned: false };
  const { createDockerRuntime } = await import('./docker/docker-runtime.js');
  const runtime = await createDockerRuntime({ env: options.env, signal: options.signal });
  return { runtime, owned: true };
}
