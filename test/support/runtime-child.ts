/**
 * Engine facts from the built-in engine, for the suites (./runtime.ts): `inspectBuiltin` in-process,
 * and, run as `node --import tsx runtime-child.ts <op> <argsJson>` with BERTH_TEST_ROOT /
 * BERTH_TEST_RUNROOT, one op whose JSON result is printed on stdout (the synchronous e2e helpers).
 * It reads the engine through its library objects (container records, runc state, the volume and
 * network stores), not through berth's CLI or verbs, which are what the suites test.
 */
import type { BuiltinRuntime } from '../../src/runtime/builtin/builtin-runtime.js';
import type { Runtime } from '../../src/runtime/runtime.js';

interface Inspect {
  Id: string;
  Name: string;
  State: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string };
  Config: { Labels: Record<string, string>; Env: string[] };
  Mounts: Array<{ Destination: string; Name?: string }>;
}

interface LiveView {
  state: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
}

export async function inspectBuiltin(runtime: Runtime, ids: string[]): Promise<Inspect[]> {
  const rt = runtime as BuiltinRuntime;
  const out: Inspect[] = [];
  for (const id of ids) {
    const rec = await rt.containers.record(id);
    if (!rec) throw new Error(`No such container: ${id}`);
    // The live state as the engine derives it (record + conmon's exit file + runc state): the same
    // view `docker inspect` gives of dockerd's. `observe` is internal to Containers.
    const live = await (rt.containers as unknown as { observe(r: typeof rec): Promise<LiveView> }).observe(
      rec,
    );
    out.push({
      Id: rec.id,
      Name: `/${rec.name}`,
      State: {
        Status: live.state,
        ExitCode: live.exitCode ?? 0,
        StartedAt: live.startedAt ?? '0001-01-01T00:00:00Z',
        FinishedAt: live.finishedAt ?? '0001-01-01T00:00:00Z',
      },
      Config: { Labels: { ...rec.labels }, Env: [...rec.process.env] },
      Mounts: rec.volumes.map((v) => ({ Destination: v.target, Name: v.name })),
    });
  }
  return out;
}

function matches(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => (v === '' ? k in labels : labels[k] === v));
}

async function runOp(rt: BuiltinRuntime, op: string, args: unknown[]): Promise<unknown> {
  switch (op) {
    case 'containers': {
      const [labels, all] = args as [Record<string, string>, boolean];
      const list = await rt.listContainers({ all });
      return list
        .filter((c) => matches(c.labels, labels))
        .map((c) => ({ id: c.id, name: c.name, state: c.state, labels: c.labels }));
    }
    case 'inspect':
      return inspectBuiltin(rt, args[0] as string[]);
    case 'networks': {
      const labels = args[0] as Record<string, string>;
      return (await rt.listNetworks({ labels })).map((n) => n.id);
    }
    case 'volumes': {
      const f = args[0] as { labels?: Record<string, string>; name?: string };
      const list = await rt.listVolumes(f.labels ? { labels: f.labels } : undefined);
      return list.filter((v) => f.name === undefined || v.name === f.name).map((v) => v.name);
    }
    case 'removeVolume':
      await rt.removeVolume(args[0] as string, { force: true });
      return null;
    case 'wait':
      return (await rt.waitContainer(args[0] as string)).exitCode;
    case 'exec': {
      const r = await rt.exec(args[0] as string, { cmd: args[1] as string[] });
      if (r.exitCode !== 0) throw new Error(`exec exited with ${r.exitCode}: ${r.stderr}`);
      return (r.stdout ?? '').trim();
    }
    case 'restart': {
      const [id, t] = args as [string, number];
      await rt.stopContainer(id, { timeoutSeconds: t });
      await rt.startContainer(id);
      return null;
    }
    case 'port': {
      const [id, spec] = args as [string, string];
      const [port, proto = 'tcp'] = spec.split('/');
      const c = await rt.inspectContainer(id);
      return (c?.ports ?? [])
        .filter((p) => String(p.target) === port && (p.protocol ?? 'tcp') === proto && p.published)
        .map((p) => `${p.hostIp || '0.0.0.0'}:${p.published}`);
    }
    case 'removeProject': {
      const labels = args[0] as Record<string, string>;
      const errors: string[] = [];
      for (const c of (await rt.listContainers({ all: true })).filter((x) => matches(x.labels, labels))) {
        await rt.removeContainer(c.id, { force: true, volumes: true }).catch((e) => errors.push(String(e)));
      }
      for (const n of await rt.listNetworks({ labels })) {
        await rt.removeNetwork(n.id).catch((e) => errors.push(String(e)));
      }
      for (const v of await rt.listVolumes({ labels })) {
        await rt.removeVolume(v.name, { force: true }).catch((e) => errors.push(String(e)));
      }
      if (errors.length > 0) throw new Error(errors.join('; '));
      return null;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

const isMain = process.argv[1]?.endsWith('runtime-child.ts');
if (isMain) {
  const [op, json] = process.argv.slice(2);
  const { createBuiltinRuntime } = await import('../../src/runtime/builtin/builtin-runtime.js');
  const root = process.env.BERTH_TEST_ROOT;
  const runRoot = process.env.BERTH_TEST_RUNROOT;
  if (!op || !root || !runRoot) {
    process.stderr.write('usage: BERTH_TEST_ROOT=… BERTH_TEST_RUNROOT=… runtime-child.ts <op> <argsJson>\n');
    process.exit(2);
  }
  const rt = await createBuiltinRuntime({ root, runRoot });
  try {
    const result = await runOp(rt, op, JSON.parse(json ?? '[]') as unknown[]);
    process.stdout.write(JSON.stringify(result ?? null));
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  } finally {
    await rt.close();
  }
}
