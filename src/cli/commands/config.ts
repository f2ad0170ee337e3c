/**
 * `berth config [SERVICE...]`: parse, resolve and render the Compose model in canonical form, like
 * `docker compose config` (docker/compose cmd/compose/config.go). The listing flags are checked in
 * compose's order (--services, --volumes, --networks, --models, --hash, --profiles, --images,
 * --variables, --environment); the first one given wins. Where compose prints in Go map order (random), berth
 * sorts; --services prints dependencies before their dependents, as compose does.
 *
 * Only types are imported at the top: the loader and the printers load inside the action.
 */
import type { Command } from 'commander';
import type { LoadOptions, Project, ServiceConfig } from '../../index.js';
import type { CliIo, GlobalOptions } from '../program.js';

interface ConfigOptions {
  format?: string;
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  models?: boolean;
  profiles?: boolean;
  images?: boolean;
  hash?: string;
  variables?: boolean;
  environment?: boolean;
  interpolate: boolean;
  normalize: boolean;
  pathResolution: boolean;
  consistency: boolean;
  envResolution: boolean;
  resolveImageDigests?: boolean;
  lockImageDigests?: boolean;
  output?: string;
}

export function registerConfig(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('Parse, resolve and render compose file in canonical format')
    .argument('[services...]', 'Services to render (and whose profiles to enable)')
    .option('--format <format>', 'Format the output. Values: [yaml | json]')
    .option('-q, --quiet', "Only validate the configuration, don't print anything")
    .option('--services', 'Print the service names, one per line')
    .option('--volumes', 'Print the volume names, one per line')
    .option('--networks', 'Print the network names, one per line')
    .option('--models', 'Print the model names, one per line')
    .option('--profiles', 'Print the profile names, one per line')
    .option('--images', 'Print the image names, one per line')
    .option('--hash <services>', 'Print the service config hash, one per line ("*" for all, or a comma list)')
    .option('--variables', 'Print model variables and default values')
    .option('--environment', 'Print environment used for interpolation')
    .option('--no-interpolate', "Don't interpolate environment variables")
    .option('--no-normalize', "Don't normalize compose model")
    .option('--no-path-resolution', "Don't resolve file paths")
    .option('--no-consistency', "Don't check model consistency - warning: may produce invalid Compose output")
    .option('--no-env-resolution', "Don't resolve service env files")
    .option('--resolve-image-digests', 'Pin image tags to digests (needs a registry: not supported yet)')
    .option('--lock-image-digests', 'Produces an override file with image digests (not supported yet)')
    .option('-o, --output <file>', 'Save to file (default to stdout)')
    .action(async (services: string[], _opts: ConfigOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ConfigOptions & GlobalOptions>();
      await runConfig(services, opts, io);
    });
}

async function runConfig(services: string[], opts: ConfigOptions & GlobalOptions, io: CliIo): Promise<void> {
  const { BerthError } = await import('../../api/errors.js');
  const out = opts.quiet ? () => {} : (text: string) => io.out(text);
  const lines = (items: Iterable<string>) => {
    for (const item of items) out(`${item}\n`);
  };

  const format = opts.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    throw new BerthError('USAGE', `unsupported format "${format}"`, {
      hint: 'use --format yaml or --format json',
    });
  }
  if (opts.resolveImageDigests || opts.lockImageDigests) {
    const flag = opts.lockImageDigests ? '--lock-image-digests' : '--resolve-image-digests';
    throw new BerthError('USAGE', `${flag} is not supported yet: it needs to query a registry`, {
      hint: `drop ${flag}; pin images by digest in the Compose file meanwhile (image: name@sha256:…)`,
    });
  }

  const { loadOptions, loadWithCache } = await import('../project-options.js');
  const base: LoadOptions = loadOptions(opts, io, {
    interpolate: opts.interpolate,
    normalize: opts.normalize,
    resolvePaths: opts.pathResolution,
    consistency: opts.consistency,
    resolveEnvironment: opts.envResolution,
  });
  const load = (extra: Partial<LoadOptions> = {}): Promise<Project> => loadWithCache({ ...base, ...extra });

  if (opts.services) {
    const project = await load({ resolveEnvironment: false });
    lines(opts.interpolate ? dependencyOrder(project.services) : Object.keys(project.services).sort());
    return;
  }
  if (opts.volumes) {
    lines(Object.keys((await load({ resolveEnvironment: false })).volumes ?? {}).sort());
    return;
  }
  if (opts.networks) {
    lines(Object.keys((await load({ resolveEnvironment: false })).networks ?? {}).sort());
    return;
  }
  if (opts.models) {
    const project = await load({ resolveEnvironment: false });
    const models = project.models ?? {};
    lines(
      Object.keys(models)
        .sort()
        .map((k) => models[k]?.model)
        .filter((m): m is string => !!m),
    );
    return;
  }
  if (opts.hash !== undefined && opts.hash !== '') {
    const project = await load();
    const wanted =
      opts.hash === '*'
        ? Object.keys(project.services)
        : opts.hash
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    for (const name of wanted) {
      if (!project.services[name]) {
        throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${name}`, {
          hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
        });
      }
    }
    const { configHash } = await import('../../reconcile/hash.js');
    lines([...new Set(wanted)].sort().map((name) => `${name} ${configHash(project.services[name])}`));
    return;
  }
  if (opts.profiles) {
    const project = await load({ services });
    const all = { ...project.disabledServices, ...project.services };
    lines([...new Set(Object.values(all).flatMap((s) => s.profiles ?? []))].sort());
    return;
  }
  if (opts.images) {
    const project = await load({ services });
    const images: string[] = [];
    for (const name of Object.keys(project.services).sort()) {
      const svc = project.services[name];
      const image = svc.image || `${project.name}-${name}`;
      images.push(image);
      for (const hook of svc.pre_start ?? []) if (hook.image && hook.image !== image) images.push(hook.image);
    }
    lines(images);
    return;
  }
  if (opts.variables) {
    if (services.length > 0) {
      io.err(
        'warning: service filtering is not applied when --variables is set, variables from the full model will be rendered\n',
      );
    }
    const project = await load({ interpolate: false, resolveEnvironment: false });
    const { extractVariables } = await import('../../compose/template.js');
    const model = Object.fromEntries(Object.entries(project).filter(([k]) => !PROJECT_METADATA_KEYS.has(k)));
    const vars = [...extractVariables(model).values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    out(await formatVariables(vars, opts.format));
    return;
  }
  if (opts.environment) {
    const project = await load({ services });
    lines(
      Object.entries(project.environment ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
    );
    return;
  }

  // The model itself.
  let selected = services;
  if (!opts.interpolate && services.length > 0) {
    io.err(
      'warning: service filtering is not applied when --no-interpolate is set, the full model will be rendered\n',
    );
    selected = [];
  }
  const project = (await load({ services: selected })) as unknown as Record<string, unknown>;
  if (opts.quiet) return; // loading validated it: nothing to render
  const render = { raw: !opts.interpolate, escapeDollar: opts.interpolate };
  const content =
    format === 'json'
      ? (await import('../render/json.js')).renderJson(project, render)
      : (await import('../render/yaml.js')).renderYaml(project, render);
  if (opts.output) {
    if (content.length > 0) {
      const { writeFile } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
      await writeFile(resolve(io.cwd, opts.output), content, { mode: 0o666 });
    }
    return;
  }
  out(content);
}

/** Load metadata on a Project that is not part of the Compose model. */
const PROJECT_METADATA_KEYS = new Set(['workingDir', 'configFiles', 'environment', 'disabledServices']);

interface Variable {
  name: string;
  defaultValue: string;
  presenceValue: string;
  required: boolean;
}

/**
 * `--variables` output as compose prints it: a table by default (Go tabwriter: minimum width 20,
 * padding 3), go-yaml of the Go struct (lower-cased field names) for yaml, and 4-space-indented JSON
 * with Go field names plus compose's extra blank line for json.
 */
async function formatVariables(vars: Variable[], format: string | undefined): Promise<string> {
  if (format === 'json') {
    const obj = Object.fromEntries(
      vars.map((v) => [
        v.name,
        { Name: v.name, DefaultValue: v.defaultValue, PresenceValue: v.presenceValue, Required: v.required },
      ]),
    );
    return `${JSON.stringify(obj, null, 4)}\n\n`;
  }
  if (format === 'yaml') {
    const { orderedToYaml } = await import('../render/yaml.js');
    const { compareYamlKeys } = await import('../render/shape.js');
    const sorted = [...vars].sort((a, b) => compareYamlKeys(a.name, b.name));
    return orderedToYaml(
      new Map(
        sorted.map((v) => [
          v.name,
          new Map<string, string | boolean>([
            ['name', v.name],
            ['defaultvalue', v.defaultValue],
            ['presencevalue', v.presenceValue],
            ['required', v.required],
          ]),
        ]),
      ),
    );
  }
  const rows = [
    ['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'],
    ...vars.map((v) => [v.name, String(v.required), v.defaultValue, v.presenceValue]),
  ];
  return tabulate(rows, 20, 3);
}

/** Go's text/tabwriter with space padding: every cell but the last of a line is padded to its column. */
export function tabulate(rows: string[][], minWidth: number, padding: number): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? minWidth, cell.length + padding);
    });
  }
  return rows
    .map((row) => `${row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('')}\n`)
    .join('');
}

/**
 * Service names with every service after the ones it depends on; ties in name order. compose walks
 * the same dependencies first (Project.ForEachService) but in Go's random map order.
 */
export function dependencyOrder(services: Record<string, Pick<ServiceConfig, 'depends_on'>>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !services[name]) return;
    seen.add(name);
    for (const dep of Object.keys(services[name].depends_on ?? {}).sort()) visit(dep);
    order.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name);
  return order;
}
