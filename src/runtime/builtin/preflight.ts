/**
 * What the built-in engine needs from the host, checked before anything is created so a user gets
 * one message with the install command instead of a half-made container: Linux, root (rootless is
 * not done yet), overlayfs in the kernel, and the Debian packages whose programs the engine runs.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';

export interface Requirement {
  /** What is needed, for messages. */
  what: string;
  /** The Debian package that provides it. */
  pkg?: string;
  ok: boolean;
  detail?: string;
}

export const NETAVARK_DEFAULT = '/usr/lib/podman/netavark';
export const AARDVARK_DEFAULT = '/usr/lib/podman/aardvark-dns';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH (sbin directories included, which a non-root PATH may lack). */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function requirements(env: NodeJS.ProcessEnv = process.env): Requirement[] {
  const out: Requirement[] = [];
  const linux = process.platform === 'linux';
  out.push({ what: 'Linux', ok: linux, detail: linux ? undefined : `this is ${process.platform}` });
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  out.push({
    what: 'root',
    ok: root,
    detail: root ? undefined : 'run berth as root (rootless is not supported yet)',
  });
  let overlay = false;
  try {
    overlay = /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {}
  out.push({ what: 'overlayfs', ok: overlay, detail: overlay ? undefined : 'modprobe overlay' });
  const bin = (what: string, pkg: string, path: string | undefined) =>
    out.push({ what, pkg, ok: path !== undefined && executable(path), detail: path });
  bin('runc', 'runc', env.BERTH_RUNC ?? which('runc', env));
  bin('conmon', 'conmon', env.BERTH_CONMON ?? which('conmon', env));
  bin('netavark', 'netavark', env.BERTH_NETAVARK ?? NETAVARK_DEFAULT);
  bin('aardvark-dns', 'aardvark-dns', env.BERTH_AARDVARK_DNS ?? AARDVARK_DEFAULT);
  bin('iptables', 'iptables', which('iptables', env));
  bin('ip', 'iproute2', which('ip', env));
  bin('tar', 'tar', which('tar', env));
  bin('mount', 'mount', which('mount', env));
  bin('setfattr', 'attr', which('setfattr', env));
  return out;
}

/** Throws RUNTIME_UNAVAILABLE naming everything missing and the command that installs it. */
export function assertBuiltinUsable(env: NodeJS.ProcessEnv = process.env): void {
  const missing = requirements(env).filter((r) => !r.ok);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.flatMap((r) => (r.pkg ? [r.pkg] : [])))];
  const other = missing.filter((r) => !r.pkg).map((r) => `${r.what}${r.detail ? ` (${r.detail})` : ''}`);
  const hints = [
    ...(pkgs.length > 0 ? [`install them: apt-get install -y ${pkgs.join(' ')}`] : []),
    ...other,
  ];
  throw new RuntimeError(
    'RUNTIME_UNAVAILABLE',
    `the built-in engine cannot run here: missing ${missing.map((r) => r.what).join(', ')}`,
    { hint: hints.join('; ') },
  );
}
