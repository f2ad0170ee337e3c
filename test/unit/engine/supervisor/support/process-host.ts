/**
 * A SupervisorHost whose "containers" are real processes: `/bin/sh -c <cmd>` run by a small wrapper
 * that writes the exit code to `<runRoot>/exits/<id>` the way conmon does (temp file + rename), in
 * its own process group. Records live in `<root>/proc-containers/<id>.json`, so the supervisor can
 * run in another process (main.ts with `--host-module` pointing here). Probes run on the host.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnginePaths } from '../../../../../src/engine/paths.js';
import { writeFileAtomic } from '../../../../../src/engine/store/fsutil.js';
import { withLock } from '../../../../../src/engine/store/lock.js';
import { type HealthState, initialHealth } from '../../../../../src/engine/supervisor/health.js';
import type { SupervisorHostContext } from '../../../../../src/engine/supervisor/main.js';
import type {
  ProbeOutcome,
  SupervisedContainer,
  SupervisorHost,
} from '../../../../../src/engine/supervisor/supervisor.js';
import type { HealthcheckSpec, RestartPolicy } from '../../../../../src/runtime/runtime.js';

export interface ProcRecord {
  id: string;
  name: string;
  cmd: string;
  restart?: RestartPolicy;
  healthcheck?: HealthcheckSpec;
  state: 'created' | 'running' | 'exited';
  startedAt?: number;
  /** Process group of the wrapper. */
  pid?: number;
  pids: number[];
  restartCount: number;
  health?: HealthState;
  stoppedByUser?: boolean;
}

export class ProcessHost implements SupervisorHost {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly paths: Pick<EnginePaths, 'root' | 'exits'>) {}

  get dir(): string {
    return join(this.paths.root, 'proc-containers');
  }

  /** Registers a container (not started). */
  async add(rec: Pick<ProcRecord, 'id' | 'cmd'> & Partial<ProcRecord>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.write({ name: rec.id, state: 'created', restartCount: 0, pids: [], ...rec });
  }

  async read(id: string): Promise<ProcRecord> {
    return JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as ProcRecord;
  }

  async list(): Promise<SupervisedContainer[]> {
    let names: string[] = [];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const out: SupervisedContainer[] = [];
    for (const n of names) {
      const r = await this.read(n.slice(0, -5));
      out.push({
        id: r.id,
        name: r.name,
        state: r.state,
        startedAt: r.startedAt,
        restart: r.restart,
        healthcheck: r.healthcheck,
        stoppedByUser: r.stoppedByUser,
        restartCount: r.restartCount,
        health: r.health,
      });
    }
    return out;
  }

  async exec(_id: string, argv: string[], timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
    return new Promise<ProbeOutcome>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let timedOut = false;
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const kill = (): void => {
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
      signal.addEventListener('abort', kill, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', kill);
        resolve({ exitCode: code ?? -1, output, timedOut });
      });
    });
  }

  async start(id: string): Promise<void> {
    await this.update(id, async (r) => {
      const exitFile = join(this.paths.exits, id);
      await mkdir(this.paths.exits, { recursive: true });
      await rm(exitFile, { force: true });
      const wrapper = 'sh -c "$1"; c=$?; printf %s "$c" > "$2.tmp"; mv "$2.tmp" "$2"';
      const child = spawn('/bin/sh', ['-c', wrapper, 'berth-test-ctr', r.cmd, exitFile], {
        detached: true,
        stdio: 'ignore',
      });
      child.unref();
      r.pid = child.pid;
      r.pids.push(child.pid!);
      r.state = 'running';
      r.startedAt = Date.now();
      r.stoppedByUser = false;
      if (r.healthcheck) r.health = initialHealth(r.health);
    });
  }

  async exitCodeOf(id: string): Promise<number | undefined> {
    try {
      const text = (await readFile(join(this.paths.exits, id), 'utf8')).trim();
      return text === '' ? undefined : Number(text);
    } catch {
      return undefined;
    }
  }

  async saveHealth(id: string, health: HealthState): Promise<void> {
    await this.update(id, async (r) => {
      r.health = health;
    });
  }

  async saveRestart(id: string, restartCount: number): Promise<void> {
    await this.update(id, async (r) => {
      r.restartCount = restartCount;
    });
  }

  /** A user stop: marks it, then kills its process group. */
  async stop(id: string): Promise<void> {
    await this.update(id, async (r) => {
      r.stoppedByUser = true;
      if (r.pid) killGroup(r.pid, 'SIGKILL');
    });
  }

  /** Kills every process group ever started (test cleanup). */
  async killAll(): Promise<void> {
    let names: string[] = [];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return;
    }
    for (const n of names) {
      const r = await this.read(n.slice(0, -5));
      for (const pid of r.pids) killGroup(pid, 'SIGKILL');
    }
  }

  private async write(r: ProcRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, `${r.id}.json`), JSON.stringify(r));
  }

  private update(id: string, fn: (r: ProcRecord) => Promise<void>): Promise<void> {
    // serialized in this process, and locked against the other (the supervisor in main.ts)
    const next = this.chain.then(() =>
      withLock(join(this.dir, '.lock'), {}, async () => {
        const r = await this.read(id);
        await fn(r);
        await this.write(r);
      }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // gone
  }
}

/** main.ts's host factory (`--host-module`). */
export function createSupervisorHost(ctx: SupervisorHostContext): SupervisorHost {
  return new ProcessHost(ctx.paths);
}
