/**
 * `ls`: the Compose projects on the engine, from container labels alone (docker/compose
 * pkg/compose/ls.go): one list call for containers carrying both the project and the config-hash label,
 * grouped by project (sorted by name), each with its container states counted (`exited(1),
 * running(2)`, states in name order) and the union of their config files. Without `all`, only running
 * containers are listed, so only projects with a running container show.
 */
import type { LsOptions, ProjectListing } from '../api/inspect.js';
import { CONFIG_FILES_LABEL, CONFIG_HASH_LABEL, PROJECT_LABEL } from '../api/labels.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { withEngine } from './engine.js';

/** `running(2), exited(1)` in compose's order: states sorted by name. */
export function combinedStatus(states: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((s) => `${s}(${counts.get(s)})`)
    .join(', ');
}

/** The config files of every container, each once, in first-seen order; undefined when one has none. */
export function combinedConfigFiles(containers: readonly ContainerInfo[]): string | undefined {
  const files: string[] = [];
  for (const c of containers) {
    const label = c.labels[CONFIG_FILES_LABEL];
    if (label === undefined) return undefined;
    for (const f of label.split(',')) if (!files.includes(f)) files.push(f);
  }
  return files.join(',');
}

/** Containers grouped into projects, sorted by name. `warn` hears of containers without config files. */
export function projectsOf(
  containers: readonly ContainerInfo[],
  warn: (message: string) => void = () => {},
): ProjectListing[] {
  const byProject = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const name = c.labels[PROJECT_LABEL];
    if (name === undefined) continue;
    const list = byProject.get(name);
    if (list) list.push(c);
    else byProject.set(name, [c]);
  }
  return [...byProject.keys()].sort().map((name) => {
    const list = byProject.get(name)!;
    let files = combinedConfigFiles(list);
    if (files === undefined) {
      const without = list.find((c) => c.labels[CONFIG_FILES_LABEL] === undefined)!;
      warn(`no label "${CONFIG_FILES_LABEL}" set on container "${without.id}" of compose project`);
      files = 'N/A';
    }
    return { Name: name, Status: combinedStatus(list.map((c) => c.state)), ConfigFiles: files };
  });
}

/**
 * docker's filter match: equal, or the value as an (unanchored) regular expression matches; a value
 * that is not a valid expression only matches exactly.
 */
export function nameMatches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p === name) return true;
    try {
      return new RegExp(p).test(name);
    } catch {
      return false;
    }
  });
}

/** The projects on the engine (`docker compose ls`). */
export async function ls(options: LsOptions = {}): Promise<ProjectListing[]> {
  return withEngine('', options, false, async ({ runtime }) => {
    const containers = await runtime.listContainers({
      labels: { [PROJECT_LABEL]: true, [CONFIG_HASH_LABEL]: true },
      all: options.all === true,
    });
    const warn = (message: string) =>
      options.onEvent?.({ type: 'warning', message, time: new Date().toISOString() });
    const projects = projectsOf(containers, warn);
    const names = options.names ?? [];
    return names.length === 0 ? projects : projects.filter((p) => nameMatches(p.Name, names));
  });
}
