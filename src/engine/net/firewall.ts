/**
 * The one firewall rule berth adds itself. On a host running Docker, the filter FORWARD policy is DROP
 * and br_netfilter sends bridged frames through it, so traffic between two containers on the *same*
 * bridge is forwarded only if a rule accepts it. netavark accepts it for normal networks
 * (`NETAVARK_FORWARD -s <subnet> -j ACCEPT`) but adds nothing for internal ones, whose containers
 * then cannot reach each other (verified: ping over an internal network failed until this rule).
 * Docker does the same for its bridges (`-i docker0 -o docker0 -j ACCEPT`).
 *
 * The rule is keyed by bridge name and a comment, added idempotently while the network has endpoints
 * and removed with the last one.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RuntimeError } from '../../api/errors.js';

const execFileP = promisify(execFile);

/** The rule spec (without the chain operation) that lets `bridge` forward to itself. */
export function intraBridgeRule(bridge: string, networkId: string): string[] {
  return [
    '-i',
    bridge,
    '-o',
    bridge,
    '-m',
    'comment',
    '--comment',
    `berth internal network ${networkId.slice(0, 12)}`,
    '-j',
    'ACCEPT',
  ];
}

async function iptables(args: string[]): Promise<boolean> {
  try {
    await execFileP('iptables', ['-w', ...args]);
    return true;
  } catch (err) {
    const e = err as Error & { code?: unknown; stderr?: string };
    // `-C` and `-D` of a missing rule exit 1: that is an answer, not a failure.
    if (e.code === 1 && (args[0] === '-C' || args[0] === '-D')) return false;
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `iptables ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`,
      {
        hint: 'install iptables',
        cause: err,
      },
    );
  }
}

/** Adds the rule at the top of FORWARD unless it is there. */
export async function allowIntraBridge(bridge: string, networkId: string): Promise<void> {
  const rule = intraBridgeRule(bridge, networkId);
  if (await iptables(['-C', 'FORWARD', ...rule])) return;
  await iptables(['-I', 'FORWARD', '1', ...rule]);
}

/** Removes the rule (every copy); a missing one is fine. */
export async function removeIntraBridge(bridge: string, networkId: string): Promise<void> {
  const rule = intraBridgeRule(bridge, networkId);
  for (let i = 0; i < 10 && (await iptables(['-D', 'FORWARD', ...rule])); i++) {
    // Deleted one copy; look for another (a crashed run may have added it twice).
  }
}
