/**
 * Where the built-in engine keeps its state. Two roots, as podman and containerd have them:
 *
 *   <root>     persistent (`$BERTH_ROOT`, default /var/lib/berth): images/ and layers/ (the store,
 *              see store/paths.ts), containers/<id>/ (record, bundle, upper/work/merged, log),
 *              networks/, volumes/<name>/{_data,volume.json}, locks/
 *   <runRoot>  volatile (`$BERTH_RUNROOT`, default /run/berth): gone after a reboot, like the
 *              processes it describes: runc/ (runc --root), exits/ (conmon exit files), conmon/
 *              (attach sockets), netavark/ (netavark --config, aardvark-dns), supervisor/
 *
 * Tests pass temporary directories for both.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { resolveRoot } from './store/paths.js';

export const DEFAULT_RUN_ROOT = '/run/berth';

export interface EnginePathOptions {
  root?: string;
  runRoot?: string;
  env?: NodeJS.ProcessEnv;
}

export interface EnginePaths {
  root: string;
  runRoot: string;
  containers: string;
  networks: string;
  volumes: string;
  locks: string;
  runc: string;
  exits: string;
  conmon: string;
  netavark: string;
  supervisor: string;
}

export function resolveRunRoot(options: EnginePathOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = options.runRoot ?? (env.BERTH_RUNROOT ? env.BERTH_RUNROOT : DEFAULT_RUN_ROOT);
  return isAbsolute(dir) ? dir : resolve(dir);
}

export function enginePaths(options: EnginePathOptions = {}): EnginePaths {
  const root = resolveRoot(options);
  const runRoot = resolveRunRoot(options);
  return {
    root,
    runRoot,
    containers: join(root, 'containers'),
    networks: join(root, 'networks'),
    volumes: join(root, 'volumes'),
    locks: join(root, 'locks'),
    runc: join(runRoot, 'runc'),
    exits: join(runRoot, 'exits'),
    conmon: join(runRoot, 'conmon'),
    netavark: join(runRoot, 'netavark'),
    supervisor: join(runRoot, 'supervisor'),
  };
}
