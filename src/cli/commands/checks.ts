/**
 * Argument checks several commands make, with compose's messages: `--format` is `table` or `json`,
 * and the services named must be the project's (declared, or set aside by profiles). Light at import
 * time: the errors load when needed.
 */
import type { Project } from '../../compose/model.js';

/** `table` or `json`; anything else (a Go template) is a usage error. */
export async function tableOrJson(format: string): Promise<'table' | 'json'> {
  if (format === 'table' || format === 'json') return format;
  const { BerthError } = await import('../../api/errors.js');
  throw new BerthError('USAGE', `unsupported format "${format}"`, {
    hint: 'use --format table or --format json (Go templates are not supported)',
  });
}

/** Throws COMPOSE_UNKNOWN_SERVICE for the first name the project has no service of. */
export async function checkServiceNames(project: Project, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    if (!project.services[name] && !project.disabledServices?.[name]) {
      const { BerthError } = await import('../../api/errors.js');
      throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${name}`, {
        hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
      });
    }
  }
}
