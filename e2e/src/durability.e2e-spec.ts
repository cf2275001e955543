import { OpenApiValidator, type RunningServer, startServerProcess } from '@chat/testing';
import { Direction, type MatrixClient, Method } from 'matrix-js-sdk';
import { registeredClient } from './support/registered-client';
import { paginateMessages } from './support/room-api';
import { SdkHarness } from './support/sdk-harness';

const MESSAGES = 50;
const IN_FLIGHT = 5;

/**
 * `PUT /send` with the txn id of message `i`, straight through the SDK's HTTP layer: its
 * `sendMessage` queues a client's messages one at a time, and these are meant to overlap.
 */
function send(client: MatrixClient, roomId: string, i: number): Promise<{ event_id: string }> {
  const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/durable-${i}`;
  return client.http.authedRequest(Method.Put, path, undefined, {
    msgtype: 'm.text',
    body: `durable ${i}`,
  });
}

/** Runs `task` for 0..count-1 with at most `width` running at once; resolves in index order. */
async function pooled<T>(count: number, width: number, task: (i: number) => Promise<T>) {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Event ids of every message in the room, oldest first. */
async function messageIds(client: MatrixClient, roomId: string): Promise<string[]> {
  const pages = await paginateMessages(client, roomId, Direction.Forward, 100);
  return pages
    .flatMap((p) => p.chunk)
    .filter((e) => e.type === 'm.room.message')
    .map((e) => e.event_id);
}

describe.each(['sqlite', 'postgres'] as const)('durability (%s)', (engine) => {
  let server: RunningServer;
  let sdk: SdkHarness;
  let alice: MatrixClient;
  let roomId: string;
  let acknowledged: string[];

  beforeAll(async () => {
    server = await startServerProcess({ engine });
    sdk = new SdkHarness(server.baseUrl, '/_matrix', await OpenApiValidator.load());
    alice = await registeredClient(server, sdk, 'alice');
    ({ room_id: roomId } = await alice.createRoom({ name: 'Durable' }));
  });

  afterAll(async () => {
    sdk?.stopAll();
    await server?.stop();
  });

  it(`keeps all ${MESSAGES} acknowledged messages through a SIGKILL right after the last 200`, async () => {
    const sends = await pooled(MESSAGES, IN_FLIGHT, (i) => send(alice, roomId, i));
    // No await between the last acknowledgement and the kill: nothing gets time to flush.
    await server.kill('SIGKILL');
    acknowledged = sends.map((s) => s.event_id);
    expect(new Set(acknowledged).size).toBe(MESSAGES);

    await server.restart();
    expect((await messageIds(alice, roomId)).sort()).toEqual([...acknowledged].sort());
  });

  it('answers every resent transaction id with its original event id, creating nothing', async () => {
    const resent = await pooled(MESSAGES, IN_FLIGHT, (i) => send(alice, roomId, i));
    expect(resent.map((s) => s.event_id)).toEqual(acknowledged);
    expect(await messageIds(alice, roomId)).toHaveLength(MESSAGES);
  });

  it('got only responses that match the spec', () => {
    expect(sdk.violations).toEqual([]);
  });
});
