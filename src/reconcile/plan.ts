/**
 * The Plan: what `up`/`down` will do, as plain data (docker/compose v5 pkg/compose/plan.go; see
 * compose-behaviour.md §3.9). Operations carry a resource id (`container:web:1`, `network:default`,
 * `volume:data`), a type, a cause and the operation ids that must finish first; the array is in a
 * topological order (every dependency comes earlier). A Plan is JSON-serializable and printable:
 * `formatPlan` writes the lines `--dry-run` shows, modelled on Compose's progress rows
 * (`Container web-1  Recreate (config hash changed)`), optionally followed by the operation DAG.
 */
import type { NetworkSpec, VolumeSpec } from '../runtime/runtime.js';

export type OperationType =
  | 'CreateNetwork'
  | 'RemoveNetwork'
  | 'ConnectNetwork'
  | 'DisconnectNetwork'
  | 'CreateVolume'
  | 'RemoveVolume'
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'RenameContainer';

/** The container an operation is about. */
export interface ContainerRef {
  service: string;
  /** Replica number (0 for one-off containers). */
  number: number;
  /** Final name: `<project>-<service>-<n>` or `container_name`. */
  name: string;
  /** Engine id, for a container that exists now. */
  id?: string;
}

/** A dependency a container's start waits for (the executor checks the condition). */
export interface StartCondition {
  service: string;
  condition: string;
  required: boolean;
}

export interface Operation {
  /** Unique in the plan: `<resource>/<type>`, plus `(<network>)` for connect/disconnect. */
  id: string;
  type: OperationType;
  /** `container:<service>:<n>` (one-offs and orphans: `container:<name>`), `network:<key>`, `volume:<key>`. */
  resource: string;
  /** Why: `config hash changed`, `scale down`, `orphan`… */
  cause: string;
  /** Operation ids that must finish first. */
  dependsOn: string[];
  /** Operations shown as one row: the four steps of a container recreate, a network recreate. */
  group?: string;

  container?: ContainerRef;
  /** CreateContainer in a recreate: the temporary name (`<oldId12>_<name>`); RenameContainer: from. */
  tmpName?: string;
  /** CreateContainer in a recreate: the container replaced (the replace label). */
  replaces?: ContainerRef;
  /** CreateContainer in a recreate: mount the replaced container's anonymous volumes (no `-V`). */
  inheritAnonymousVolumes?: boolean;
  /** StartContainer: dependencies whose condition must hold first. */
  waitFor?: StartCondition[];
  /** RemoveContainer: also remove its anonymous volumes (`down -v`). */
  removeVolumes?: boolean;

  /** Network operations: compose key and engine name. */
  network?: { key: string; name: string };
  /** CreateNetwork: what to create. */
  networkSpec?: NetworkSpec;
  /** Volume operations: compose key and engine name. */
  volume?: { key: string; name: string };
  /** CreateVolume: what to create. */
  volumeSpec?: VolumeSpec;
  /** A failure is only a warning (old network removal, network still in use on `down`). */
  bestEffort?: boolean;
}

export interface Plan {
  project: string;
  operations: Operation[];
  /** Adoption of unlabelled resources, diverged volumes left as they are, ambiguous matches. */
  warnings: string[];
  /** Names of orphan containers (removed only with removeOrphans). */
  orphans: string[];
}

export function emptyPlan(project: string): Plan {
  return { project, operations: [], warnings: [], orphans: [] };
}

/** The container-number-aware resource id of a service container. */
export function containerResource(service: string, number: number): string {
  return `container:${service}:${number}`;
}

export function operationId(resource: string, type: OperationType, qualifier?: string): string {
  return qualifier === undefined ? `${resource}/${type}` : `${resource}/${type}(${qualifier})`;
}

/**
 * Appends operations and checks the invariants as it goes: ids are unique and dependencies refer to
 * operations already in the plan, so `operations` is always in a valid execution order.
 */
export class PlanBuilder {
  readonly plan: Plan;
  private readonly byId = new Map<string, Operation>();

  constructor(project: string) {
    this.plan = emptyPlan(project);
  }

  add(
    op: Omit<Operation, 'id' | 'dependsOn'> & { dependsOn?: readonly string[]; qualifier?: string },
  ): string {
    const { qualifier, dependsOn = [], ...rest } = op;
    const id = operationId(op.resource, op.type, qualifier);
    if (this.byId.has(id)) throw new Error(`plan: duplicate operation ${id}`);
    for (const d of dependsOn) if (!this.byId.has(d)) throw new Error(`plan: ${id} depends on unknown ${d}`);
    const operation: Operation = { id, ...rest, dependsOn: [...new Set(dependsOn)].sort() };
    this.byId.set(id, operation);
    this.plan.operations.push(operation);
    return id;
  }

  get(id: string): Operation | undefined {
    return this.byId.get(id);
  }

  warn(message: string): void {
    this.plan.warnings.push(message);
  }
}

const VERB: Record<OperationType, string> = {
  CreateNetwork: 'Create',
  RemoveNetwork: 'Remove',
  ConnectNetwork: 'Connect',
  DisconnectNetwork: 'Disconnect',
  CreateVolume: 'Create',
  RemoveVolume: 'Remove',
  CreateContainer: 'Create',
  StartContainer: 'Start',
  StopContainer: 'Stop',
  RemoveContainer: 'Remove',
  RenameContainer: 'Rename',
};

/** The row an operation shows as: `Container demo-web-1`, `Network demo_default`, `Volume demo_data`. */
function subject(op: Operation): string {
  if (op.container) return `Container ${op.container.name}`;
  if (op.network) return `Network ${op.network.name}`;
  if (op.volume) return `Volume ${op.volume.name}`;
  return op.resource;
}

function row(op: Operation): string {
  let verb = VERB[op.type];
  if (op.type === 'ConnectNetwork' || op.type === 'DisconnectNetwork') verb += ` ${op.network?.name}`;
  return `${subject(op)}  ${verb}${op.cause ? ` (${op.cause})` : ''}`;
}

export interface FormatOptions {
  /** Also print every operation with its id and dependencies (for golden tests and `--debug`). */
  operations?: boolean;
}

/**
 * The human form: one line per row, in plan order. The steps of a group (a recreate) collapse into
 * one `Recreate` row, as Compose shows one row for them; warnings and orphans follow.
 */
export function formatPlan(plan: Plan, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const seenGroups = new Set<string>();
  for (const op of plan.operations) {
    if (op.group !== undefined) {
      if (seenGroups.has(op.group)) continue;
      seenGroups.add(op.group);
      const [kind, name, verb] = op.group.split(' ');
      lines.push(`${kind} ${name}  ${verb}${op.cause ? ` (${op.cause})` : ''}`);
      continue;
    }
    lines.push(row(op));
  }
  for (const w of plan.warnings) lines.push(`Warning: ${w}`);
  if (plan.orphans.length > 0) lines.push(`Orphans: ${plan.orphans.join(', ')}`);
  if (options.operations && plan.operations.length > 0) {
    lines.push('--');
    plan.operations.forEach((op) => {
      const deps = op.dependsOn.length === 0 ? '' : ` <- ${op.dependsOn.join(', ')}`;
      const cause = op.cause ? `  (${op.cause})` : '';
      const tmp =
        op.tmpName === undefined ? '' : ` ${op.type === 'RenameContainer' ? 'from' : 'as'} ${op.tmpName}`;
      const waits = op.waitFor
        ? ` waits ${op.waitFor.map((w) => `${w.service}:${w.condition}`).join(',')}`
        : '';
      lines.push(`${op.id}${cause}${tmp}${waits}${deps}`);
    });
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** `Container demo-web-1 Recreate`: the group key of operations shown as one row. */
export function groupKey(kind: 'Container' | 'Network', name: string, verb: string): string {
  return `${kind} ${name} ${verb}`;
}
