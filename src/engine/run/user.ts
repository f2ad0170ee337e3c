/**
 * `user: name|uid[:group|gid]` → uid, gid and supplementary gids, resolved through the container's own
 * /etc/passwd and /etc/group as runc's libcontainer/user.GetExecUser does for Docker (pure: the caller
 * reads the files from the rootfs). Kept apart from spec.ts because exec resolves users too.
 *
 * Rules (Docker's): a name must exist in passwd; a numeric uid need not (gid 0, home /); an explicit
 * group replaces the passwd gid and then no supplementary groups are looked up, otherwise every group
 * that lists the user name is one. `group_add` entries (names or numbers) are added on top; the primary
 * gid is always in the list (Docker ≥ 25).
 */
import { RuntimeError } from '../../api/errors.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

function lines(text: string | undefined): string[][] {
  if (!text) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

const isNumeric = (s: string): boolean => /^\d+$/.test(s);

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 4 && isNumeric(f[2]!) && isNumeric(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3 && isNumeric(f[2]!))
    .map((f) => ({
      name: f[0]!,
      gid: Number(f[2]),
      members: (f[3] ?? '').split(',').filter((m) => m !== ''),
    }));
}

const MAX_ID = 2 ** 31 - 1;

function checkId(n: number, what: string, spec: string): number {
  if (n > MAX_ID) throw new RuntimeError('RUNTIME_ERROR', `${what} ${spec} is out of range`);
  return n;
}

/** Resolves a Docker user spec. Throws RUNTIME_ERROR as Docker does for unknown names. */
export function resolveUser(
  userSpec: string | undefined,
  passwdText: string | undefined,
  groupText: string | undefined,
  groupAdd: readonly string[] = [],
): ExecUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const spec = userSpec ?? '';
  const colon = spec.indexOf(':');
  const userPart = colon < 0 ? spec : spec.slice(0, colon);
  const groupPart = colon < 0 ? '' : spec.slice(colon + 1);

  let uid = 0;
  let gid = 0;
  let home = '/';
  let name: string | undefined;
  if (userPart === '') {
    const root = passwd.find((p) => p.uid === 0);
    if (root) ({ gid, home, name } = root);
  } else if (isNumeric(userPart)) {
    uid = checkId(Number(userPart), 'uid', userPart);
    const entry = passwd.find((p) => p.uid === uid);
    if (entry) ({ gid, home, name } = entry);
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `unable to find user ${userPart}: no matching entries in passwd file`,
        { hint: 'use a numeric uid, or a user the image defines in /etc/passwd' },
      );
    }
    ({ uid, gid, home, name } = entry);
  }

  const supplementary: number[] = [];
  if (groupPart !== '') {
    gid = lookupGroup(groupPart, groups);
  } else if (name !== undefined) {
    for (const g of groups) if (g.members.includes(name)) supplementary.push(g.gid);
  }
  for (const g of groupAdd) supplementary.push(lookupGroup(g, groups));

  const additionalGids: number[] = [];
  for (const g of [gid, ...supplementary]) if (!additionalGids.includes(g)) additionalGids.push(g);
  return { uid, gid, additionalGids, home };
}

function lookupGroup(spec: string, groups: readonly GroupEntry[]): number {
  if (isNumeric(spec)) return checkId(Number(spec), 'gid', spec);
  const g = groups.find((e) => e.name === spec);
  if (!g) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `unable to find group ${spec}: no matching entries in group file`,
    );
  }
  return g.gid;
}
