import { waitUntil } from '@chat/testing';
import type { ReplicationCommand } from '../commands/replication-command';
import { USER_IP_CHANNEL } from './channels';
import {
  type DeliveryTorture,
  InProcessReplicationHub,
  InProcessReplicationTransport,
} from './in-process-replication.transport';

const USER_IP: ReplicationCommand = {
  name: 'USER_IP',
  userId: '@a:example.com',
  accessToken: 't',
  ip: '10.0.0.1',
  userAgent: 'ua',
  deviceId: 'D',
  lastSeen: 1,
};

/** A process on the hub that records what it hears and how often it lost its subscription. */
async function join(
  hub: InProcessReplicationHub,
  instanceName: string,
  options: { torture?: DeliveryTorture; userIp?: boolean } = {},
) {
  const transport = new InProcessReplicationTransport(hub, {
    instanceName,
    torture: options.torture,
    extraChannels: options.userIp ? [USER_IP_CHANNEL] : [],
  });
  const heard: ReplicationCommand[] = [];
  let losses = 0;
  const hooks: number[] = [];
  transport.onConnected(() => void hooks.push(transport.stats.connections));
  await transport.start({ onCommand: (cmd) => heard.push(cmd), onConnectionLost: () => losses++ });
  return { transport, heard, hooks, losses: () => losses };
}

const ping = (data: string): ReplicationCommand => ({ name: 'PING', data });
const pings = (heard: ReplicationCommand[]) =>
  heard.flatMap((c) => (c.name === 'PING' ? [c.data] : []));

describe('InProcessReplicationTransport', () => {
  it('delivers to every process, our own echo only for commands without our name', async () => {
    const hub = new InProcessReplicationHub();
    const a = await join(hub, 'a');
    const b = await join(hub, 'b');
    const rdata: ReplicationCommand = {
      name: 'RDATA',
      stream: 'events',
      instance: 'a',
      token: 5,
      row: ['x'],
    };

    expect(a.transport.publish(rdata)).toBe(true);
    a.transport.publish({ name: 'REPLICATE' });
    a.transport.publish(ping('end'));

    await waitUntil('both to hear the end', () =>
      [a, b].every((p) => pings(p.heard).includes('end')),
    );
    expect(b.heard).toEqual([rdata, { name: 'REPLICATE' }, ping('end')]);
    expect(a.heard).toEqual([{ name: 'REPLICATE' }, ping('end')]);
    expect(a.hooks).toEqual([1]);
  });

  it('sends USER_IP only to processes that declared its channel', async () => {
    const hub = new InProcessReplicationHub();
    const main = await join(hub, 'main', { userIp: true });
    const worker = await join(hub, 'worker');

    worker.transport.publish(USER_IP);
    worker.transport.publish(ping('end'));

    await waitUntil('both to hear the end', () =>
      [main, worker].every((p) => pings(p.heard).includes('end')),
    );
    expect(main.heard).toContainEqual(USER_IP);
    expect(worker.heard).not.toContainEqual(USER_IP);
  });

  it('publishes nothing before start or after stop', async () => {
    const hub = new InProcessReplicationHub();
    const listener = await join(hub, 'listener');
    const transport = new InProcessReplicationTransport(hub, { instanceName: 'p' });
    expect(transport.connected).toBe(false);
    expect(transport.publish(ping('early'))).toBe(false);

    await transport.start({ onCommand: () => undefined, onConnectionLost: () => undefined });
    await transport.stop();
    expect(transport.publish(ping('late'))).toBe(false);
    listener.transport.publish(ping('end'));

    await waitUntil('the end', () => pings(listener.heard).includes('end'));
    expect(pings(listener.heard)).toEqual(['end']);
  });

  it('counts and drops lines that do not parse', async () => {
    const hub = new InProcessReplicationHub();
    const p = await join(hub, 'p');
    hub.publish('', 'someone', 'BOGUS 1');
    hub.publish('', 'someone', 'POSITION events main one two');
    p.transport.publish(ping('end'));

    await waitUntil('the end', () => pings(p.heard).includes('end'));
    expect(p.transport.stats.malformedCommands).toBe(2);
    expect(p.heard).toEqual([ping('end')]);
  });

  it("under torture, interleaves publishers but keeps each publisher's order", async () => {
    const hub = new InProcessReplicationHub();
    const receiver = await join(hub, 'r', { torture: { seed: 7, shuffleWindow: 8, delayMs: 1 } });
    const senders = await Promise.all(['s1', 's2', 's3'].map((name) => join(hub, name)));
    for (let i = 0; i < 50; i++) {
      for (const s of senders) s.transport.publish(ping(`${s.transport.instanceName}.${i}`));
    }
    const published = senders.flatMap((_, i) =>
      Array.from({ length: 50 }, (__, n) => `s${i + 1}.${n}`),
    );

    await waitUntil('every ping', () => pings(receiver.heard).length === published.length);
    const heard = pings(receiver.heard);
    for (const s of ['s1', 's2', 's3']) {
      expect(heard.filter((p) => p.startsWith(`${s}.`))).toEqual(
        Array.from({ length: 50 }, (_, n) => `${s}.${n}`),
      );
    }
    const roundRobin = Array.from({ length: 50 }, (_, n) => [`s1.${n}`, `s2.${n}`, `s3.${n}`]);
    expect(heard).not.toEqual(roundRobin.flat());
  });

  it('under torture, loses messages only with the subscription, then reconnects', async () => {
    const hub = new InProcessReplicationHub();
    const receiver = await join(hub, 'r', { torture: { seed: 3, dropProbability: 0.1 } });
    const sender = await join(hub, 's');
    for (let i = 0; i < 200; i++) sender.transport.publish(ping(String(i)));
    sender.transport.publish(ping('end'));

    // Anything lost was lost with a subscription; the last message may be one of them.
    await waitUntil('the receiver to be connected after the burst', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return receiver.transport.connected && receiver.losses() > 0;
    });
    expect(pings(receiver.heard).length).toBeLessThan(201);
    expect(receiver.hooks.length).toBe(receiver.losses() + 1);
    expect(receiver.hooks).toEqual(receiver.hooks.map((_, i) => i + 1));
    await receiver.transport.stop();
  });
});
