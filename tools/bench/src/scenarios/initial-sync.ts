import { LoopGuard } from '../lib/bounds';
import { perSecond, summarize } from '../lib/stats';
import { type Scenario, sizeOption } from './scenario';
import { createRooms, joinRooms, registerUsers, secondsSince, setupPool } from './setup';

/** The two first syncs compared: what a lazy-loading client asks for, and a bare `/sync`. */
const VARIANTS = {
  lazyLoadFilter: { room: { timeline: { limit: 10 }, state: { lazy_load_members: true } } },
  noFilter: undefined,
} as const;

/**
 * A user in R rooms of M members with E messages each, all made through the API; then the time
 * of that user's first `/sync` (no `since`), `runs` times with each variant.
 */
export const initialSyncScenario: Scenario = {
  name: 'initial-sync',
  summary: "a user in R rooms of M members and E events each: the first /sync's time",
  options: {
    rooms: sizeOption(100, 'rooms the measured user is in'),
    members: sizeOption(50, 'members per room, the measured user included'),
    events: sizeOption(100, 'messages per room'),
    runs: { integer: true, min: 1, max: 1_000, default: 3, help: 'first syncs per variant' },
  },
  async run(ctx, p) {
    const phases: Record<string, number> = {};
    let phaseStart = performance.now();
    const phase = (name: string): void => {
      phases[name] = secondsSince(phaseStart);
      phaseStart = performance.now();
      ctx.log(`setup ${name}: ${phases[name]} s`);
    };
    // The measured user is member 0 and creates every room; the others join.
    const users = await registerUsers(ctx, 'member', p['members']);
    phase('register');
    const roomIds = await createRooms(ctx, users.slice(0, 1), p['rooms']);
    phase('createRoom');
    await joinRooms(
      ctx,
      roomIds.flatMap((roomId) => users.slice(1).map((user) => ({ user, roomId }))),
    );
    phase('join');
    // Round-robin over rooms first, so concurrent sends land in different rooms.
    await setupPool(ctx, p['rooms'] * p['events'], (k) => {
      const room = k % p['rooms'];
      const n = Math.floor(k / p['rooms']);
      const sender = users[n % users.length];
      return ctx.api.sendMessage(
        sender.accessToken,
        roomIds[room],
        ctx.naming.txnId(),
        `message ${n}`,
      );
    });
    phase('send');

    const subject = users[0].accessToken;
    const samples: Record<string, number[]> = {};
    const details: Record<string, { bytes: number; rooms: number }> = {};
    const throughput: Record<string, number> = {};
    const counts: Record<string, number> = { rooms: roomIds.length, members: users.length };
    await ctx.measure(async () => {
      for (const [name, filter] of Object.entries(VARIANTS)) {
        samples[name] = [];
        const start = performance.now();
        const runs = new LoopGuard({
          maxIterations: p['runs'],
          durationMs: Infinity,
          signal: ctx.signal,
        });
        while (runs.next() !== undefined) {
          try {
            const t0 = performance.now();
            const { json, bytes } = await ctx.api.sync(subject, { filter });
            samples[name].push(performance.now() - t0);
            details[name] = { bytes, rooms: Object.keys(json.rooms?.join ?? {}).length };
          } catch (err) {
            ctx.errors.add(err);
          }
        }
        counts[`${name}Runs`] = samples[name].length;
        throughput[`${name} syncs/s`] = perSecond(samples[name].length, performance.now() - start);
      }
    });
    const failures = Object.entries(details)
      .filter(([, d]) => d.rooms !== roomIds.length)
      .map(([name, d]) => `${name}: ${d.rooms} of ${roomIds.length} rooms in the response`);
    return {
      throughput,
      latencyMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)])),
      counts,
      details: { responses: details, setupPhasesS: phases },
      failures,
    };
  },
};
