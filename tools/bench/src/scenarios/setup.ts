import { pool, retryRateLimited } from '../lib/bounds';
import type { Session } from '../lib/matrix-api';
import type { BenchContext } from './scenario';

/** A setup request may wait out this many 429s before the run gives up. */
const SETUP_ATTEMPTS = 10;

/** Setup work: `concurrency` requests in flight, 429s waited out, anything else ends the run. */
export function setupPool<T>(
  ctx: BenchContext,
  count: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  return pool(
    count,
    ctx.concurrency,
    (i) => retryRateLimited(() => task(i), SETUP_ATTEMPTS, ctx.signal),
    ctx.signal,
  );
}

/** `count` new users named `<seed>_<role><i>`. */
export function registerUsers(ctx: BenchContext, role: string, count: number): Promise<Session[]> {
  return setupPool(ctx, count, (i) => {
    const localpart = ctx.naming.localpart(role, i);
    return ctx.registrar.register(localpart, ctx.naming.password(localpart));
  });
}

/**
 * Public rooms, room r created by `creators[r % creators.length]`. Each creator makes its rooms
 * one after another, as a client does: in room version 12 the room id is the hash of the create
 * event, so two identical createRoom calls of one user within a millisecond collide.
 */
export async function createRooms(
  ctx: BenchContext,
  creators: Session[],
  count: number,
): Promise<string[]> {
  const roomIds = new Array<string>(count);
  const creating = Math.min(creators.length, count);
  await pool(
    creating,
    ctx.concurrency,
    async (c) => {
      for (let r = c; r < count; r += creators.length) {
        roomIds[r] = await retryRateLimited(
          () => ctx.api.createRoom(creators[c].accessToken),
          SETUP_ATTEMPTS,
          ctx.signal,
        );
      }
    },
    ctx.signal,
  );
  return roomIds;
}

export async function joinRooms(
  ctx: BenchContext,
  joins: ReadonlyArray<{ user: Session; roomId: string }>,
): Promise<void> {
  await setupPool(ctx, joins.length, (i) =>
    ctx.api.join(joins[i].user.accessToken, joins[i].roomId),
  );
}

/** Seconds since `start` (a performance.now() value), to the millisecond. */
export function secondsSince(start: number): number {
  return Math.round(performance.now() - start) / 1000;
}
