/** `berth logout [SERVER]` (docker/cli cli/command/registry/logout.go): forgets stored credentials. */
import type { Command } from 'commander';
import type { CliIo } from '../program.js';

export function registerLogout(program: Command, io: CliIo): void {
  program
    .command('logout')
    .description('Log out from a registry')
    .argument('[server]', 'Registry address (default: Docker Hub)')
    .action(async (server: string | undefined) => {
      const { logout } = await import('../../engine/images/auth.js');
      const result = await logout({ env: io.env, ...(server ? { server } : {}) });
      if (result.removed) io.out(`Removing login credentials for ${result.serverAddress}\n`);
      else io.out(`Not logged in to ${result.serverAddress}\n`);
    });
}
