import { STREAM_NAMES } from '@chat/streams';
import { FakeDbStream, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import { ReplicationDataHandler } from './replication-data.handler';
import { StreamRegistry } from './stream-registry';

const STREAM = STREAM_NAMES.pushRules;

describe('ReplicationDataHandler', () => {
  let stream: FakeDbStream;
  let data: ReplicationDataHandler;

  beforeEach(async () => {
    stream = await FakeDbStream.open(new FakeStreamTable(), {
      name: STREAM,
      instanceName: 'reader',
      writers: ['w1', 'w2'],
    });
    data = new ReplicationDataHandler(new StreamRegistry([stream]));
    data.addHook('advancePosition', ({ writer, token }) => stream.advance(writer, token));
  });

  afterEach(() => jest.useRealTimers());

  it('runs the hooks step by step in the order of §3.7, whatever the registration order', async () => {
    const calls: string[] = [];
    data.addHook('notify', () => void calls.push('notify'));
    data.addHook('roleHooks', () => void calls.push('roles 1'));
    data.addHook('invalidateCaches', () => void calls.push('caches'));
    data.addHook('roleHooks', async () => {
      await Promise.resolve();
      calls.push('roles 2');
    });
    data.addHook('advancePosition', () => void calls.push(`position ${stream.currentToken('w1')}`));

    await data.applyRows(STREAM, 'w1', 5, [['x']]);

    expect(calls).toEqual(['caches', 'position 5', 'roles 1', 'roles 2', 'notify']);
  });

  it('resolves a wait at once when the position is already reached', async () => {
    await data.applyRows(STREAM, 'w1', 7, []);
    await expect(data.waitForStreamPosition(STREAM, 'w1', 7, 60_000)).resolves.toBe(true);
  });

  it("resolves a wait when the writer's position reaches the token, not before", async () => {
    const waited = data.waitForStreamPosition(STREAM, 'w1', 9, 60_000);
    let result: boolean | undefined;
    void waited.then((r) => (result = r));

    await data.applyRows(STREAM, 'w1', 8, []);
    await data.applyRows(STREAM, 'w2', 12, []);
    expect(result).toBeUndefined();
    await data.applyRows(STREAM, 'w1', 11, [['row']]);

    await expect(waited).resolves.toBe(true);
  });

  it('resolves false when the position is not reached in time, and forgets the waiter', async () => {
    jest.useFakeTimers();
    const waited = data.waitForStreamPosition(STREAM, 'w1', 9, 500);
    jest.advanceTimersByTime(500);
    await expect(waited).resolves.toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not wait on streams it does not know beyond the timeout', async () => {
    jest.useFakeTimers();
    const waited = data.waitForStreamPosition('not_a_stream', 'w1', 1, 100);
    jest.advanceTimersByTime(100);
    await expect(waited).resolves.toBe(false);
  });
});
