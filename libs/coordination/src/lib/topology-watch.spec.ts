import type { HelloCommand } from '@chat/replication';

import { HELLO_INTERVAL_MS, REPLICATION_PROTOCOL, TopologyWatch } from './topology-watch';

const hello = (instanceName: string, topologyHash: string, proto = REPLICATION_PROTOCOL) =>
  ({
    name: 'HELLO',
    instanceName,
    topologyHash,
    proto,
    app: 'chat.app.generic_worker',
    instanceId: 'abcde',
  }) as HelloCommand;

describe('TopologyWatch', () => {
  let now = 1_000_000;
  const watch = () =>
    new TopologyWatch({ instanceName: 'main', topologyHash: 'h1', app: 'main' }, () => now);

  it('says who it is in its HELLO', () => {
    expect(watch().hello()).toMatchObject({
      name: 'HELLO',
      instanceName: 'main',
      topologyHash: 'h1',
      proto: REPLICATION_PROTOCOL,
    });
  });

  it('allows sharded writes while every live instance agrees', () => {
    const w = watch();
    w.heard(hello('worker1', 'h1'));
    w.heard(hello('worker2', 'h1', '1.7'));
    expect(() => w.assertShardedWritesAllowed()).not.toThrow();
  });

  it('refuses them with a 503 while a live instance runs another topology or protocol major', () => {
    const w = watch();
    w.heard(hello('persister2', 'h2'));
    expect(() => w.assertShardedWritesAllowed()).toThrow(
      expect.objectContaining({ status: 503, errcode: 'M_UNKNOWN' }),
    );
    expect(w.disagreeing()).toEqual(['persister2']);
    const old = watch();
    old.heard(hello('worker9', 'h1', '2.0'));
    expect(old.disagreeing()).toEqual(['worker9']);
  });

  it('forgets an instance not heard for three intervals, and trusts it again once it agrees', () => {
    const w = watch();
    w.heard(hello('persister2', 'h2'));
    now += 3 * HELLO_INTERVAL_MS + 1;
    expect(w.disagreeing()).toEqual([]);
    w.heard(hello('persister2', 'h2'));
    expect(w.disagreeing()).toEqual(['persister2']);
    w.heard(hello('persister2', 'h1'));
    expect(w.disagreeing()).toEqual([]);
  });
});
