/**
 * The glue between engine/run's container lifecycle and engine/net: `networkUp` / `networkDown` in the
 * shape of run's ContainerHooks (contracts.md), so the builtin adapter only has to pass them through.
 * Typed structurally (no import of engine/run): anything with a container's id, name and spec fits.
 *
 * networkUp: a netns per container, attached to the spec's networks (or to the network named by
 * `network_mode`, or to the engine's default `bridge` network like `docker run`), then /etc/hosts and
 * /etc/resolv.conf for those addresses and aardvark-dns. networkDown: netavark teardown of every
 * endpoint, then the netns; idempotent, safe after a crash.
 */
import type { ContainerSpec, PortBinding } from '../../runtime/runtime.js';
import { installEmbeddedDns } from './embedded-dns.js';
import { hostsFile, readHostResolvConf, resolvConf } from './etcfiles.js';
import { netnsName } from './netns.js';
import type { AttachedNetwork, Networks } from './networks.js';

/** What the hooks need of a container record. */
export interface NetworkedContainer {
  id: string;
  name: string;
  spec: Pick<
    ContainerSpec,
    | 'networks'
    | 'ports'
    | 'networkMode'
    | 'hostname'
    | 'domainname'
    | 'extraHosts'
    | 'dns'
    | 'dnsSearch'
    | 'dnsOpt'
  >;
  /** The resolved hostname (run's ProcessConfig); default the spec's, else the short id. */
  process?: { hostname?: string; domainname?: string };
}

export interface NetworkUpResult {
  netnsPath: string;
  hosts: string;
  resolvConf: string;
  networks: Record<string, AttachedNetwork>;
  ports: Array<PortBinding & { published: number }>;
}

export interface NetworkHooksOptions {
  /** The host's resolv.conf text (default: /etc/resolv.conf, or systemd-resolved's upstream list). */
  hostResolvConf?: () => Promise<string>;
  /** The network a container without networks joins (default `bridge`, created on first use). */
  defaultNetwork?: string;
}

/** `network_mode` values that are not a network name. */
function isSpecialMode(mode: string): boolean {
  return (
    mode === 'host' ||
    mode === 'none' ||
    mode === 'bridge' ||
    mode === 'default' ||
    mode.startsWith('container:')
  );
}

export function networkHooks(nets: Networks, options: NetworkHooksOptions = {}) {
  const defaultNetwork = options.defaultNetwork ?? 'bridge';
  const readHost = options.hostResolvConf ?? (() => readHostResolvConf());

  async function ensureDefaultNetwork(): Promise<void> {
    try {
      await nets.inspect(defaultNetwork);
    } catch (err) {
      if ((err as { code?: string }).code !== 'RUNTIME_NOT_FOUND') throw err;
      await nets.create({ name: defaultNetwork, labels: {} }).catch(async (e: { code?: string }) => {
        // Another process created it meanwhile.
        if (e.code !== 'RUNTIME_CONFLICT') throw e;
      });
    }
  }

  return {
    async networkUp(rec: NetworkedContainer): Promise<NetworkUpResult> {
      const spec = rec.spec;
      let wanted = { ...spec.networks };
      const mode = spec.networkMode;
      if (mode && !isSpecialMode(mode) && Object.keys(wanted).length === 0) wanted = { [mode]: {} };
      if (Object.keys(wanted).length === 0) {
        await ensureDefaultNetwork();
        wanted = { [defaultNetwork]: {} };
      }
      const shortId = rec.id.slice(0, 12);
      for (const [name, ep] of Object.entries(wanted)) {
        // Docker also answers a container's short id on user-defined networks.
        wanted[name] = { ...ep, aliases: [...(ep.aliases ?? []), shortId] };
      }
      const netnsPath = await nets.createNetns(rec.id);
      let attached: Awaited<ReturnType<Networks['attach']>>;
      try {
        attached = await nets.attach({
          containerId: rec.id,
          containerName: rec.name,
          netnsPath,
          networks: wanted,
          ports: spec.ports,
        });
      } catch (err) {
        await nets.removeNetns(rec.id).catch(() => undefined);
        throw err;
      }
      const hostname = rec.process?.hostname || spec.hostname || shortId;
      const domainname = rec.process?.domainname ?? spec.domainname;
      const hosts = hostsFile({
        hostname,
        ...(domainname ? { domainname } : {}),
        networks: Object.values(attached.networks),
        extraHosts: spec.extraHosts ?? [],
      });
      const resolv = resolvConf({
        dnsServers: attached.dnsServers,
        dnsSearch: attached.dnsSearch,
        ...(spec.dns?.length ? { dns: spec.dns } : {}),
        ...(spec.dnsSearch?.length ? { dnsSearchUser: spec.dnsSearch } : {}),
        ...(spec.dnsOpt?.length ? { dnsOpt: spec.dnsOpt } : {}),
        hostResolvConf: await readHost(),
      });
      // Docker's 127.0.0.11 as well, for configs written against it (embedded-dns.ts).
      const first = Object.values(attached.networks)[0];
      const dnsServer = attached.dnsServers[0];
      if (first?.ipAddress && dnsServer) {
        try {
          await installEmbeddedDns(netnsName(rec.id), dnsServer, first.ipAddress);
        } catch (err) {
          await nets.detach({ containerId: rec.id }).catch(() => undefined);
          await nets.removeNetns(rec.id).catch(() => undefined);
          throw err;
        }
      }
      return { netnsPath, hosts, resolvConf: resolv, networks: attached.networks, ports: attached.ports };
    },

    async networkDown(rec: Pick<NetworkedContainer, 'id'>): Promise<void> {
      let failure: unknown;
      await nets.detach({ containerId: rec.id }).catch((err: unknown) => {
        failure = err;
      });
      await nets.removeNetns(rec.id);
      if (failure) throw failure;
    },
  };
}
