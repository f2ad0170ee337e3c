/**
 * Docker's embedded DNS address, 127.0.0.11, inside a container's network namespace. Compose users
 * write it into their configs (nginx's `resolver 127.0.0.11`, the most common), so a container on the
 * built-in engine answers there too: DNS to 127.0.0.11:53 (UDP and TCP) is DNAT'ed to the network's
 * aardvark-dns (its gateway), with the container's own address as the source — a packet from 127/8
 * may not leave through eth0, so `route_localnet` is set in that namespace only. The rules live in the
 * container's namespace, not the host's, and go with it. resolv.conf keeps naming aardvark-dns
 * directly (podman's way); this is an alias for configs written against Docker.
 */
import { spawn } from 'node:child_process';

export const EMBEDDED_DNS = '127.0.0.11';

/** iptables-restore input for the namespace's nat table. */
export function embeddedDnsRules(dnsServer: string, containerIp: string): string {
  const lines = ['*nat'];
  for (const proto of ['udp', 'tcp']) {
    lines.push(
      `-A OUTPUT -d ${EMBEDDED_DNS}/32 -p ${proto} --dport 53 -j DNAT --to-destination ${dnsServer}:53`,
    );
  }
  lines.push(`-A POSTROUTING -s 127.0.0.0/8 -d ${dnsServer}/32 -j SNAT --to-source ${containerIp}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** Installs the alias in the namespace `netnsName` (`ip netns` name). */
export function installEmbeddedDns(netnsName: string, dnsServer: string, containerIp: string): Promise<void> {
  const script = 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec iptables-restore --noflush';
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netnsName, 'sh', '-c', script], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`embedded DNS in ${netnsName}: ${err.trim() || `exit ${code}`}`)),
    );
    child.stdin.end(embeddedDnsRules(dnsServer, containerIp));
  });
}
