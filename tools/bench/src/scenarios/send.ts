import { LoopGuard } from '../lib/bounds';
import { perSecond, summarize } from '../lib/stats';
import { countOption, durationOption, type Scenario, sizeOption } from './scenario';
import { createRooms, joinRooms, registerUsers } from './setup';

/**
 * R rooms × S senders: every sender is in every room, and each (room, sender) pair sends
 * messages back to back, so R × S sends are in flight. Events/s and send latency.
 */
export const sendScenario: Scenario = {
  name: 'send',
  summary: 'R rooms × S senders sending messages; events/s and send latency',
  options: {
    rooms: sizeOption(10, 'rooms'),
    senders: sizeOption(5, 'senders, each in every room'),
    duration: durationOption(10),
    count: countOption,
  },
  async run(ctx, p) {
    const senders = await registerUsers(ctx, 'sender', p['senders']);
    const roomIds = await createRooms(ctx, senders, p['rooms']);
    await joinRooms(
      ctx,
      roomIds.flatMap((roomId, r) =>
        senders.filter((_, s) => s !== r % senders.length).map((user) => ({ user, roomId })),
      ),
    );
    ctx.log(`setup: ${senders.length} senders in ${roomIds.length} rooms`);
    const latencies: number[] = [];
    let failed = 0;
    const { elapsedMs } = await ctx.measure(async () => {
      const guard = new LoopGuard({
        maxIterations: p['count'],
        durationMs: p['duration'] * 1000,
        signal: ctx.signal,
      });
      const start = performance.now();
      const loop = async (roomId: string, token: string): Promise<void> => {
        for (let k = guard.next(); k !== undefined; k = guard.next()) {
          try {
            const t0 = performance.now();
            await ctx.api.sendMessage(token, roomId, ctx.naming.txnId(), `bench ${k}`);
            latencies.push(performance.now() - t0);
          } catch (err) {
            ctx.errors.add(err);
            failed++;
          }
        }
      };
      await Promise.all(
        roomIds.flatMap((roomId) => senders.map((s) => loop(roomId, s.accessToken))),
      );
      return { elapsedMs: performance.now() - start };
    });
    return {
      throughput: { 'events/s': perSecond(latencies.length, elapsedMs) },
      latencyMs: { send: summarize(latencies) },
      counts: { rooms: roomIds.length, senders: senders.length, sent: latencies.length, failed },
      failures: [],
    };
  },
};
