/**
 * `berth images [SERVICE...]` (docker/compose cmd/compose/images.go): the images the project's
 * containers use (verbs/image-list.ts), as a table, `--format json`, or `-q` ids. Works from `-p NAME`
 * alone (projectOrName), like `ps`.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';

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
  const { BerthError } = await import('../../api/errors.js');
  const format = opts.format ?? 'table';
  if (format !== 'table' && format !== 'json') {
    throw new BerthError('USAGE', `unsupported format "${format}"`, {
      hint: 'use --format table or --format json (Go templates are not supported)',
    });
  }
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  if (project) {
    for (const s of services) {
      if (!project.services[s] && !project.disabledServices?.[s]) {
        throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${s}`, {
          hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
        });
      }
    }
  }
  const { images } = await import('../../verbs/image-list.js');
  const rows = await images(name, { env: io.env, services });
  const { imagesJson, imagesQuiet, imagesTable } = await import('../render/images-format.js');
  if (opts.quiet) io.out(imagesQuiet(rows));
  else io.out(format === 'json' ? imagesJson(rows) : imagesTable(rows));
}
