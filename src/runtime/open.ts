/**
 * Chooses the engine: the caller's Runtime, else the one `--runtime` / BERTH_RUNTIME names, else
 * (`auto`) a Docker engine when one is configured or answers, and berth's built-in engine otherwise.
 *
 * `auto` asks for Docker when the user pointed at one (DOCKER_HOST, DOCKER_CONTEXT, a current context
 * in the docker config): an unreachable engine they named is an error, not a silent switch to another
 * engine with other containers. Only the default socket is probed (a connect, no request), so a
 * machine without dockerd gets the built-in engine. Adapters load lazily so commands that need no
 * engine never pay for them.
 */
import { connect } from 'node:net';
import { BerthError } from '../api/errors.js';
import type { Runtime } from './runtime.js';

export type RuntimeName = 'docker' | 'builtin' | 'auto';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['auto', 'docker', 'builtin'];

export interface OpenRuntimeOptions {
  runtime?: Runtime;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export interface RuntimeChoice {
  name: 'docker' | 'builtin';
  /** Why, for `berth info` and messages. */
  reason: string;
}

/** Whether something accepts connections on a unix socket (no request is sent). */
function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function chooseRuntime(
  env: Record<string, string | undefined> = process.env,
  /** How the default socket is probed (tests replace it). */
  probe: (socketPath: string) => Promise<boolean> = socketAnswers,
): Promise<RuntimeChoice> {
  const wanted = (env.BERTH_RUNTIME ?? '').trim() || 'auto';
  if (!RUNTIME_NAMES.includes(wanted as RuntimeName)) {
    throw new BerthError('USAGE', `unknown runtime "${wanted}"`, {
      hint: 'use --runtime auto, docker or builtin',
    });
  }
  if (wanted === 'docker') return { name: 'docker', reason: 'asked for (--runtime docker / BERTH_RUNTIME)' };
  if (wanted === 'builtin')
    return { name: 'builtin', reason: 'asked for (--runtime builtin / BERTH_RUNTIME)' };
  const { resolveDockerEndpoint } = await import('./docker/endpoint.js');
  const endpoint = resolveDockerEndpoint({ env: env as NodeJS.ProcessEnv });
  if (endpoint.source === 'DOCKER_HOST') return { name: 'docker', reason: `DOCKER_HOST is ${endpoint.host}` };
  if (endpoint.source === 'context') {
    return { name: 'docker', reason: `the docker context "${endpoint.context}" (${endpoint.host})` };
  }
  if (endpoint.transport.kind === 'unix' && (await probe(endpoint.transport.socketPath))) {
    return { name: 'docker', reason: `a Docker engine answers at ${endpoint.host}` };
  }
  return { name: 'builtin', reason: `no Docker engine answers at ${endpoint.host}` };
}

/** The runtime to use, and whether the caller owns it (and so must close it). */
export async function openRuntime(
  options: OpenRuntimeOptions = {},
): Promise<{ runtime: Runtime; owned: boolean; choice?: RuntimeChoice }> {
  if (options.runtime) return { runtime: options.runtime, owned: false };
  const env = options.env ?? process.env;
  const choice = await chooseRuntime(env);
  if (choice.name === 'builtin') {
    const { createBuiltinRuntime } = await import('./builtin/builtin-runtime.js');
    const runtime = await createBuiltinRuntime({ env: env as NodeJS.ProcessEnv });
    return { runtime, owned: true, choice };
  }
  const { createDockerRuntime } = await import('./docker/docker-runtime.js');
  const runtime = await createDockerRuntime({ env, signal: options.signal });
  return { runtime, owned: true, choice };
}
