import { describe, expect, it } from 'vitest';
import { formatPlan, groupKey, PlanBuilder } from '../../../src/reconcile/plan.js';

describe('PlanBuilder', () => {
  it('ids are <resource>/<type>, qualified for connect/disconnect; dependencies sorted and unique', () => {
    const b = new PlanBuilder('demo');
    const net = b.add({ type: 'CreateNetwork', resource: 'network:default', cause: '' });
    const c = b.add({
      type: 'CreateContainer',
      resource: 'container:web:1',
      cause: '',
      dependsOn: [net, net],
    });
    const d = b.add({
      type: 'DisconnectNetwork',
      resource: 'container:web:1',
      qualifier: 'back',
      cause: 'x',
      dependsOn: [c],
    });
    expect([net, c, d]).toEqual([
      'network:default/CreateNetwork',
      'container:web:1/CreateContainer',
      'container:web:1/DisconnectNetwork(back)',
    ]);
    expect(b.plan.operations[1]!.dependsOn).toEqual([net]);
  });

  it('rejects duplicate ids and dependencies on operations not yet planned', () => {
    const b = new PlanBuilder('demo');
    b.add({ type: 'CreateVolume', resource: 'volume:data', cause: '' });
    expect(() => b.add({ type: 'CreateVolume', resource: 'volume:data', cause: '' })).toThrow(/duplicate/);
    expect(() =>
      b.add({ type: 'RemoveVolume', resource: 'volume:x', cause: '', dependsOn: ['nope'] }),
    ).toThrow(/unknown nope/);
  });
});

describe('formatPlan', () => {
  it('an empty plan prints nothing', () => {
    expect(formatPlan(new PlanBuilder('demo').plan, { operations: true })).toBe('');
  });

  it('one row per operation, a group as one row, then warnings and orphans', () => {
    const b = new PlanBuilder('demo');
    const container = { service: 'web', number: 1, name: 'demo-web-1' };
    const group = groupKey('Container', 'demo-web-1', 'Recreate');
    const create = b.add({
      type: 'CreateContainer',
      resource: 'container:web:1',
      cause: 'image changed',
      container,
      group,
    });
    const stop = b.add({
      type: 'StopContainer',
      resource: 'container:web:1',
      cause: 'image changed',
      container,
      group,
      dependsOn: [create],
    });
    b.add({ type: 'StartContainer', resource: 'container:web:1', cause: '', container, dependsOn: [stop] });
    b.add({
      type: 'CreateVolume',
      resource: 'volume:data',
      cause: '',
      volume: { key: 'data', name: 'demo_data' },
    });
    b.add({
      type: 'ConnectNetwork',
      resource: 'container:web:1',
      qualifier: 'front',
      cause: 'network front config changed',
      container,
      network: { key: 'front', name: 'demo_front' },
    });
    b.warn('something odd');
    b.plan.orphans = ['demo-old-1'];
    expect(formatPlan(b.plan)).toBe(
      [
        'Container demo-web-1  Recreate (image changed)',
        'Container demo-web-1  Start',
        'Volume demo_data  Create',
        'Container demo-web-1  Connect demo_front (network front config changed)',
        'Warning: something odd',
        'Orphans: demo-old-1',
        '',
      ].join('\n'),
    );
    expect(formatPlan(b.plan, { operations: true })).toContain(
      '\n--\ncontainer:web:1/CreateContainer  (image changed)\n' +
        'container:web:1/StopContainer  (image changed) <- container:web:1/CreateContainer\n',
    );
  });
});
