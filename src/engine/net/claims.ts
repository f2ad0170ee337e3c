/**
 * Host-wide subnet claims. Subnets are a host resource (one routing table), but network records live
 * under a berth root, and several roots can share a host (BERTH_ROOT, parallel test runs). A network's
 * bridge (and so its host route) only exists while a container is attached, so neither the records of
 * another root nor `ip route` show a subnet that was picked a moment ago elsewhere. Each berth network
 * therefore claims its subnets in `/run/lock/berth-ipam/<subnet>` (under a host-wide flock), naming
 * its record; a claim whose record is gone (root deleted, crash) is stale and taken over.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/fsutil.js';
import { withLock } from '../store/lock.js';
import { type Cidr, parseCidr } from './ipam.js';

export const DEFAULT_CLAIMS_DIR = '/run/lock/berth-ipam';

interface Claim {
  /** Absolute path of the network record that owns the subnet. */
  record: string;
  subnet: string;
}

const fileName = (subnet: string): string => subnet.replace(/[/:]/g, '_');

export class SubnetClaims {
  constructor(readonly dir: string = DEFAULT_CLAIMS_DIR) {}

  /** Runs `fn` holding the host-wide claims lock. */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    return withLock(join(this.dir, '.lock'), {}, fn);
  }

  /** Live claims of other records (call under `locked`); stale ones are removed on the way. */
  async taken(exceptRecord?: string): Promise<Cidr[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: Cidr[] = [];
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const path = join(this.dir, n);
      let claim: Claim;
      try {
        claim = JSON.parse(await readFile(path, 'utf8')) as Claim;
      } catch {
        await rm(path, { force: true });
        continue;
      }
      if (claim.record === exceptRecord) continue;
      if (!(await exists(claim.record))) {
        await rm(path, { force: true });
        continue;
      }
      try {
        out.push(parseCidr(claim.subnet));
      } catch {
        await rm(path, { force: true });
      }
    }
    return out;
  }

  /** Claims `subnets` for `record` (call under `locked`, after checking `taken`). */
  async claim(record: string, subnets: string[]): Promise<void> {
    for (const subnet of subnets) {
      const claim: Claim = { record, subnet };
      await writeFileAtomic(join(this.dir, fileName(subnet)), `${JSON.stringify(claim)}\n`);
    }
  }

  /** Drops the claims `record` holds on `subnets`. */
  async release(record: string, subnets: string[]): Promise<void> {
    for (const subnet of subnets) {
      const path = join(this.dir, fileName(subnet));
      try {
        const claim = JSON.parse(await readFile(path, 'utf8')) as Claim;
        if (claim.record === record) await rm(path, { force: true });
      } catch {
        // Not claimed (or not by us): nothing to release.
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
