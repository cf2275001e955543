import { OpenApiValidator, type RunningServer, startServerProcess } from '@chat/testing';
import type { MatrixClient } from 'matrix-js-sdk';
import { messageIds, putMessage } from './support/messages';
import { pooled } from './support/pooled';
import { registeredClient } from './support/registered-client';
import { SdkHarness } from './support/sdk-harness';

const MESSAGES = 50;
const IN_FLIGHT = 5;

function send(client: MatrixClient, roomId: string, i: number): Promise<{ event_id: string }> {
  return putMessage(client, roomId, `durable-${i}`, `durable ${i}`);
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
