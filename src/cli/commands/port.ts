/**
 * `berth port [--protocol tcp|udp] [--index N] SERVICE PRIVATE_PORT` (docker/compose
 * cmd/compose/port.go): prints `ip:port`, where the service's container publishes PRIVATE_PORT. The
 * container is the running one numbered `--index`, else the lowest-numbered. Works from `-p NAME` alone.
 * Errors as compose: `service "web" is not running`, `no port 81/tcp for container …: 80/tcp`.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';

interface PortFlags {
  protocol: string;
  index: number;
}

function parseIndex(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** PRIVATE_PORT as compose parses it: an unsigned 16-bit decimal. */
export function parsePrivatePort(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 65535 ? n : undefined;
}

export function registerPort(program: Command, io: CliIo): void {
  program
    .command('port')
    .description('Print the public port for a port binding')
    .argument('<service>', 'Service name')
    .argument('<private_port>', 'Container port')
    .option('--protocol <protocol>', 'tcp or udp', 'tcp')
    .option('--index <n>', 'Index of the container if service has multiple replicas', parseIndex, 0)
    .action(async (service: string, privatePort: string, _flags: PortFlags, cmd: Command) => {
      await runPort(service, privatePort, cmd.optsWithGlobals<PortFlags & GlobalOptions>(), io);
    });
}

async function runPort(
  service: string,
  privatePortText: string,
  opts: PortFlags & GlobalOptions,
  io: CliIo,
): Promise<void> {
  const privatePort = parsePrivatePort(privatePortText);
  if (privatePort === undefined) {
    const { BerthError } = await import('../../api/errors.js');
    throw new BerthError('USAGE', `invalid port "${privatePortText}"`, {
      hint: 'PRIVATE_PORT is the container port, a number from 0 to 65535',
    });
  }
  const { projectOrName } = await import('../project-options.js');
  const { name } = await projectOrName(opts, io);
  const { port } = await import('../../verbs/port.js');
  const binding = await port(name, service, privatePort, {
    env: io.env,
    protocol: opts.protocol,
    index: opts.index,
  });
  io.out(`${binding.ip}:${binding.port}\n`);
}
