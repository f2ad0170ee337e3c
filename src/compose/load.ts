/**
 * The loader pipeline, in compose-go's order (loader/loader.go; see compose-behaviour.md §2.1). Per file
 * and per YAML document: parse → interpolate → include → resets → extends → merge → unicity → schema →
 * canonical → omit empty → unicity. After all files: defaults → semantic validation → relative paths →
 * secrets/configs environment. Then project name → normalize → typed model → profiles → consistency →
 * selection → pruning → service environment. Each phase lives in its own module; this one only wires
 * them and turns YAML paths in errors into file:line:col.
 */
import { dirname } from 'node:path';
import { BerthError, ComposeError, type YamlPath } from '../api/errors.js';
import { canonical } from './canonical.js';
import { checkConsistency } from './consistency.js';
import { setDefaultValues } from './defaults.js';
import { resolveEnvironment, resolveServiceEnvironment, resolveServiceLabels } from './environment.js';
import { applyExtends } from './extends.js';
import { applyInclude } from './include.js';
import { readText } from './inputs.js';
import { interpolateModel } from './interpolate.js';
import { mergeModels } from './merge.js';
import type { Project } from './model.js';
import { toTypedModel } from './model.js';
import { normalize } from './normalize.js';
import { omitEmpty } from './omit-empty.js';
import { resolveRelativePaths } from './paths.js';
import { applyProfiles, enableServices, pruneUnusedResources, selectServices } from './profiles.js';
import { invalidProjectNameError, normalizeProjectName } from './project-name.js';
import { applyResets } from './reset.js';
import { validateSchema } from './schema.js';
import { substitute } from './template.js';
import { enforceUnicity } from './unicity.js';
import { validateSemantics } from './validation.js';
import { type Dict, type ParsedDocument, parseYaml, type SourceMap } from './yaml.js';

/** A compose file: its path (absolute, or `-` for stdin) and, when already read, its text. */
export interface ConfigFile {
  filename: string;
  content?: string;
}

/** compose-go's ConfigDetails. */
export interface ConfigDetails {
  workingDir: string;
  configFiles: ConfigFile[];
  environment: Record<string, string>;
}

/** compose-go's loader.Options, in berth's spelling. Every `skip*` defaults to false. */
export interface ModelOptions {
  skipInterpolation?: boolean;
  skipValidation?: boolean;
  skipNormalization?: boolean;
  skipConsistencyCheck?: boolean;
  skipInclude?: boolean;
  skipExtends?: boolean;
  skipDefaultValues?: boolean;
  skipResolveEnvironment?: boolean;
  /** Default true. */
  resolvePaths?: boolean;
  /** Drop env_file/label_file once inlined into environment/labels (what `config` prints). */
  discardEnvFiles?: boolean;
  profiles?: string[];
  selectedServices?: string[];
  withoutUnnecessaryResources?: boolean;
  /** A name given by the caller. When `imperative`, it beats `name:` and must be valid. */
  projectName?: { name: string; imperative: boolean };
  /** Used when neither the caller nor the files name the project (the CLI passes the directory name). */
  defaultProjectName?: string;
  onWarning?: (message: string) => void;
}

/** Per-load state: parsed files (each parsed once) and their positions for error locations. */
class LoadContext {
  readonly sources: SourceMap[] = [];
  private readonly parsed = new Map<string, ParsedDocument[]>();

  constructor(readonly options: ModelOptions) {}

  parse(file: ConfigFile): ParsedDocument[] {
    const cached = this.parsed.get(file.filename);
    if (cached) return cached;
    let text = file.content;
    if (text === undefined) {
      try {
        text = readText(file.filename);
      } catch (err) {
        throw new ComposeError(
          'COMPOSE_FILE_NOT_FOUND',
          `failed to read ${file.filename}: ${(err as Error).message}`,
          {
            location: { file: file.filename },
            cause: err,
          },
        );
      }
    }
    const docs = parseYaml(text, file.filename);
    for (const d of docs) this.sources.push(d.sourceMap);
    this.parsed.set(file.filename, docs);
    return docs;
  }

  warn(message: string): void {
    this.options.onWarning?.(message);
  }
}

interface FileOptions extends ModelOptions {
  environment: Record<string, string>;
  /** Relative paths in the model resolve against this (may itself be relative inside an include). */
  workingDir: string;
  /** Absolute directory where referenced files (include, extends) are read from. */
  lookupDir: string;
}

function lookupIn(env: Record<string, string>): (name: string) => string | undefined {
  return (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
}

/** compose-go loadYamlFile: one file (all its documents) merged into `dict`. */
function loadYamlFile(
  ctx: LoadContext,
  file: ConfigFile,
  opts: FileOptions,
  dict: Dict,
  included: string[],
): { dict: Dict; resetPaths: string[] } {
  const docs = ctx.parse(file);
  const allResets: string[] = [];
  for (const doc of docs) {
    if (doc.value === null || doc.value === undefined) continue;
    if (typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      throw new ComposeError('COMPOSE_SCHEMA', 'top-level object must be a mapping', {
        location: { file: file.filename, line: 1, column: 1 },
      });
    }
    let cfg = structuredClone(doc.value) as Dict;
    const resets = doc.resetPaths;
    allResets.push(...resets);
    if (!opts.skipInterpolation) {
      cfg = interpolateModel(cfg, { lookup: lookupIn(opts.environment), onWarning: (m) => ctx.warn(m) });
    }
    if (!opts.skipInclude && cfg.include !== undefined) {
      applyInclude(cfg, {
        lookupDir: opts.lookupDir,
        environment: opts.environment,
        included: [...included, file.filename],
        applyResets: (target) => applyResets(target, resets),
        load: (details) =>
          loadYamlModel(
            ctx,
            {
              workingDir: details.workingDir,
              lookupDir: details.lookupDir,
              configFiles: details.files.map((f) => ({ filename: f })),
              environment: details.environment,
            },
            { ...opts, resolvePaths: true, skipNormalization: true, skipConsistencyCheck: true },
            details.included,
          ),
      });
    } else if (opts.skipInclude) {
      delete cfg.include;
    }
    applyResets(dict, resets);
    if (!opts.skipExtends) {
      cfg = applyExtends(cfg, {
        file: file.filename,
        workingDir: opts.lookupDir,
        loadFile: (absPath: string) => loadExtendedFile(ctx, absPath, opts),
        resetPaths: resets,
        resetPathsOf: (absPath: string) => ctx.parse({ filename: absPath }).flatMap((d) => d.resetPaths),
        onWarning: (m: string) => ctx.warn(m),
      });
    }
    dict = mergeModels(dict, cfg);
    dict = enforceUnicity(dict);
    if (!opts.skipValidation) {
      validateSchema(dict);
      if (Object.hasOwn(dict, 'version')) {
        ctx.warn(
          `${file.filename}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
        );
        delete dict.version;
      }
    }
    dict = canonical(dict, opts.skipInterpolation === true);
    dict = omitEmpty(dict);
    dict = enforceUnicity(dict);
  }
  return { dict, resetPaths: allResets };
}

/** A file named by `extends.file`: loaded raw (no include, extends, validation, defaults or paths). */
function loadExtendedFile(ctx: LoadContext, absPath: string, opts: FileOptions): Dict {
  return loadYamlFile(
    ctx,
    { filename: absPath },
    {
      ...opts,
      workingDir: dirname(absPath),
      lookupDir: dirname(absPath),
      resolvePaths: false,
      skipNormalization: true,
      skipConsistencyCheck: true,
      skipInclude: true,
      skipExtends: true,
      skipValidation: true,
      skipDefaultValues: true,
    },
    {},
    [],
  ).dict;
}

/** compose-go loadYamlModel: every file merged, then defaults, validation, paths, environment. */
function loadYamlModel(
  ctx: LoadContext,
  details: ConfigDetails & { lookupDir?: string },
  opts: ModelOptions,
  included: string[],
): Dict {
  const fileOpts: FileOptions = {
    ...opts,
    environment: details.environment,
    workingDir: details.workingDir,
    lookupDir: details.lookupDir ?? details.workingDir,
  };
  let dict: Dict = {};
  for (const file of details.configFiles) {
    dict = loadYamlFile(ctx, file, fileOpts, dict, included).dict;
  }
  if (!opts.skipDefaultValues) dict = setDefaultValues(dict);
  if (!opts.skipValidation) validateSemantics(dict);
  if (opts.resolvePaths !== false) dict = resolveRelativePaths(dict, details.workingDir);
  resolveEnvironment(dict, details.environment);
  return dict;
}

/** compose-go projectName(): the caller's name, else `name:` from the files (interpolated). */
function projectNameFor(ctx: LoadContext, details: ConfigDetails, opts: ModelOptions): string {
  const given = opts.projectName;
  if (given?.imperative) {
    if (normalizeProjectName(given.name) !== given.name)
      throw invalidProjectNameError(given.name, 'the project name');
    return given.name;
  }
  let fromFiles = '';
  for (const file of details.configFiles) {
    let docs: ParsedDocument[];
    try {
      docs = ctx.parse(file);
    } catch {
      break; // reported by the real load below
    }
    for (const d of docs) {
      const n = (d.value as Dict | null)?.name;
      if (typeof n === 'string' && n !== '') fromFiles = n;
    }
  }
  if (!opts.skipInterpolation && fromFiles !== '') {
    try {
      fromFiles = substitute(fromFiles, lookupIn(details.environment));
    } catch (err) {
      if (err instanceof BerthError) err.location = { ...err.location, path: ['name'] };
      throw err;
    }
  }
  if (!opts.skipNormalization) fromFiles = normalizeProjectName(fromFiles);
  if (fromFiles !== '') return fromFiles;
  return given?.name ?? opts.defaultProjectName ?? '';
}

/** The result of {@link loadModel}: the project plus what it was made from. */
export interface LoadedModel {
  project: Project;
}

/**
 * compose-go LoadWithContext: loads `details` into a normalized, validated Project. Errors are
 * ComposeErrors located at file:line:col where the YAML path can be found in the sources.
 */
export function loadModel(details: ConfigDetails, opts: ModelOptions = {}): Project {
  const ctx = new LoadContext(opts);
  try {
    return loadModelIn(ctx, details, opts);
  } catch (err) {
    if (err instanceof BerthError) locate(err, ctx.sources);
    throw err;
  }
}

function loadModelIn(ctx: LoadContext, details: ConfigDetails, opts: ModelOptions): Project {
  if (details.configFiles.length === 0) {
    throw new ComposeError('COMPOSE_FILE_NOT_FOUND', 'no compose file specified');
  }
  const name = projectNameFor(ctx, details, opts);
  const environment = { ...details.environment, COMPOSE_PROJECT_NAME: name };
  const env = { ...details, environment };

  let dict = loadYamlModel(ctx, env, opts, []);
  if (Object.keys(dict).length === 0) {
    throw new ComposeError('COMPOSE_SCHEMA', 'empty compose file', {
      location: { file: details.configFiles[0]!.filename },
      hint: 'a compose file needs at least a `services:` section',
    });
  }
  if (!opts.skipValidation && name === '') {
    throw new ComposeError('COMPOSE_PROJECT_NAME', 'project name must not be empty', {
      hint: 'set `name:` in the compose file or pass -p NAME',
    });
  }
  if (!opts.skipNormalization) {
    dict.name = name;
    dict = normalize(dict, environment);
  }
  return modelToProject(dict, name, env, opts);
}

/** compose-go ModelToProject: typed values, profiles, consistency, selection, environment. */
function modelToProject(dict: Dict, name: string, details: ConfigDetails, opts: ModelOptions): Project {
  delete dict.name;
  let model = toTypedModel(dict);
  const profiled = applyProfiles(model, opts.profiles ?? []);
  model = profiled.project;
  let disabled: Dict = profiled.disabled;
  if (!opts.skipConsistencyCheck) checkConsistency(model, disabled);
  if (opts.selectedServices && opts.selectedServices.length > 0) {
    const enabled = enableServices(model, disabled, opts.selectedServices);
    model = enabled.project;
    disabled = enabled.disabled;
    const selected = selectServices(model, disabled, opts.selectedServices, opts.onWarning);
    model = selected.project;
    disabled = selected.disabled;
  }
  if (opts.withoutUnnecessaryResources) model = pruneUnusedResources(model);
  if (!opts.skipResolveEnvironment) {
    model = resolveServiceEnvironment(model, {
      env: details.environment,
      discardEnvFiles: opts.discardEnvFiles === true,
      baseDir: details.workingDir,
    });
  }
  model = resolveServiceLabels(model, {
    discardLabelFiles: opts.discardEnvFiles === true,
    baseDir: details.workingDir,
  });
  const project = { name, ...model } as Project;
  Object.defineProperties(project, {
    workingDir: { value: details.workingDir, enumerable: false, writable: true },
    configFiles: { value: details.configFiles.map((f) => f.filename), enumerable: false, writable: true },
    environment: { value: details.environment, enumerable: false, writable: true },
    disabledServices: { value: disabled, enumerable: false, writable: true },
  });
  return project;
}

/** Fills file/line/column from the source maps, searching the latest file that defines the path. */
export function locate(err: BerthError, sources: SourceMap[]): void {
  const loc = err.location;
  if (!loc?.path || loc.line !== undefined) return;
  const path: YamlPath = loc.key === undefined ? loc.path : [...loc.path, loc.key];
  for (let len = path.length; len > 0; len--) {
    const prefix: YamlPath = path.slice(0, len);
    for (let i = sources.length - 1; i >= 0; i--) {
      const src = sources[i]!;
      if (loc.file && src.file !== loc.file) continue;
      const pos = src.get(prefix);
      if (pos) {
        err.location = { ...loc, file: src.file, line: pos.line, column: pos.column };
        return;
      }
    }
  }
  if (!loc.file && sources.length > 0) err.location = { ...loc, file: sources[sources.length - 1]!.file };
}
