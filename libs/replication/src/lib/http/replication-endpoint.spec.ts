import { replicationEndpoint, servesPlacement } from './replication-endpoint';
import { ReplicationEndpointRegistry } from './replication-endpoint.registry';

const writers = {
  events: ['persister1', 'persister2'],
  typing: ['main'],
  to_device: ['main'],
  account_data: ['main'],
  receipts: ['main'],
  presence: ['main'],
  push_rules: ['main'],
  device_lists: ['main'],
};

describe('replication endpoint specs', () => {
  it("fills in §6's defaults", () => {
    expect(replicationEndpoint({ name: 'send_events', onlyOn: 'writer:events' })).toEqual({
      name: 'send_events',
      pathArgs: [],
      method: 'POST',
      cacheable: true,
      waitForStreams: true,
      onlyOn: 'writer:events',
      retryOnTimeout: true,
      retryOnConnectError: true,
    });
  });

  it('refuses a malformed name or a repeated path argument', () => {
    expect(() => replicationEndpoint({ name: 'send/events', onlyOn: 'any' })).toThrow(/name/);
    expect(() =>
      replicationEndpoint({ name: 'tag', pathArgs: ['user_id', 'user_id'], onlyOn: 'any' }),
    ).toThrow(/twice/);
  });

  it('places endpoints on main, on the writers of a stream, or anywhere', () => {
    expect(servesPlacement('main', 'main', writers)).toBe(true);
    expect(servesPlacement('main', 'persister1', writers)).toBe(false);
    expect(servesPlacement('writer:events', 'persister2', writers)).toBe(true);
    expect(servesPlacement('writer:events', 'main', writers)).toBe(false);
    expect(servesPlacement('writer:typing', 'main', writers)).toBe(true);
    expect(servesPlacement('any', 'sync1', writers)).toBe(true);
  });
});

describe('ReplicationEndpointRegistry', () => {
  const SEND = replicationEndpoint({ name: 'send_events', onlyOn: 'writer:events' });
  const JOIN = replicationEndpoint({ name: 'remote_join', onlyOn: 'main' });
  const handler = async () => ({ body: {} });

  it('mounts only what this instance may serve', () => {
    const registry = new ReplicationEndpointRegistry({
      instanceName: 'persister1',
      streamWriters: writers,
    });
    registry.add(SEND, handler);
    registry.add(JOIN, handler);
    expect(registry.mountedNames()).toEqual(['send_events']);
    expect(registry.mounted('send_events')?.spec).toBe(SEND);
    expect(registry.mounted('remote_join')).toBeUndefined();
    expect(registry.mounted('unknown')).toBeUndefined();
  });

  it('refuses a second handler for one endpoint', () => {
    const registry = new ReplicationEndpointRegistry({
      instanceName: 'main',
      streamWriters: writers,
    });
    registry.add(JOIN, handler);
    expect(() => registry.add(JOIN, handler)).toThrow(/twice/);
  });
});
