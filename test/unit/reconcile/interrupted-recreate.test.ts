/**
 * A recreate interrupted between "create `<id12>_<name>`" and "rename it" (kill -9 of berth, a crash)
 * leaves two containers with one container number, or only the temporary one. The next `up` keeps the
 * up-to-date one, removes the other, and renames the kept one to its final name (found by the
 * kill -9 integration test, test/integration/stack.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { observe } from '../../../src/reconcile/observe.js';
import { planUp } from '../../../src/reconcile/reconcile.js';
import { FakeRuntime } from '../../support/fake-runtime.js';
import { appliedState, fakeId, project } from './fixtures.js';

const file = (value: string) => `
services:
  app:
    image: example/app:1
    environment: { VALUE: ${value} }
`;

/** The old container (VALUE=one) and, when `withOld` is false, only the new temporary one. */
function interrupted(withOld: boolean) {
  const before = appliedState(project(file('one')));
  const after = appliedState(project(file('two')));
  const old = before.containers[0]!;
  const tmp = {
    ...after.containers[0]!,
    id: 'new-app-1-'.padEnd(64, '0'),
    name: `${fakeId('app', 1).slice(0, 12)}_demo-app-1`,
    state: 'created' as const,
    status: 'Created',
  };
  return new FakeRuntime({
    containers: withOld ? [old, tmp] : [tmp],
    networks: before.networks,
    volumes: before.volumes,
  });
}

describe('planUp after an interrupted recreate', () => {
  it('keeps the up-to-date temporary container, removes the old one, then renames and starts it', async () => {
    const p = project(file('two'));
    const rt = interrupted(true);
    const plan = planUp(p, await observe(rt, p.name, p));
    const ops = plan.operations.map((o) => `${o.id} <- ${o.dependsOn.join(',')}`);
    expect(ops).toEqual([
      'container:demo-app-1/StopContainer <- ',
      'container:demo-app-1/RemoveContainer <- container:demo-app-1/StopContainer',
      'container:app:1/RenameContainer <- container:demo-app-1/RemoveContainer',
      'container:app:1/StartContainer <- container:app:1/RenameContainer',
    ]);
    const rename = plan.operations.find((o) => o.type === 'RenameContainer')!;
    expect(rename.container).toEqual({
      service: 'app',
      number: 1,
      name: 'demo-app-1',
      id: rt.containers[1]!.id,
    });
    expect(rename.tmpName).toBe(rt.containers[1]!.name);
    expect(plan.operations[1]!.container?.id).toBe(fakeId('app', 1));
  });

  it('renames a lone temporary container (the old one was already removed)', async () => {
    const p = project(file('two'));
    const plan = planUp(p, await observe(interrupted(false), p.name, p));
    expect(plan.operations.map((o) => `${o.id} <- ${o.dependsOn.join(',')}`)).toEqual([
      'container:app:1/RenameContainer <- ',
      'container:app:1/StartContainer <- container:app:1/RenameContainer',
    ]);
  });
});
