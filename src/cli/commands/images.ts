/**
 * `berth images [SERVICE...]` (docker/compose cmd/compose/images.go): the images the project's
 * containers use (verbs/image-list.ts), as a table, `--format json`, or `-q` ids. Works from `-p NAME`
 * alone (projectOrName), like `ps`.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { checkServiceNames, tableOrJson } from './checks.js';

interface ImagesFlags {
  quiet?: boolean;
  format?: string;
}

export function registerImages(program: Command, io: CliIo): void {
  program
    .command('images')
    .description('List images used by the created containers')
    .argument('[services...]', 'Only these services')
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action(async (services: string[], _flags: ImagesFlags, cmd: Command) => {
      await runImages(services, cmd.optsWithGlobals<ImagesFlags & GlobalOptions>(), io);
    });
}

async function runImages(services: string[], opts: ImagesFlags & GlobalOptions, io: CliIo): Promise<void> {
  const format = await tableOrJson(opts.format ?? 'table');
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  if (project) await checkServiceNames(project, services);
  const { images } = await import('../../verbs/image-list.js');
  const rows = await images(name, { env: io.env, services });
  const { imagesJson, imagesQuiet, imagesTable } = await import('../render/images-format.js');
  if (opts.quiet) io.out(imagesQuiet(rows));
  else io.out(format === 'json' ? imagesJson(rows) : imagesTable(rows));
}
