import { LoopGuard } from '../lib/bounds';
import { Prng } from '../lib/prng';
import { perSecond, summarize } from '../lib/stats';
import { countOption, durationOption, type Scenario, sizeOption } from './scenario';
import { registerUsers } from './setup';

/**
 * Registers N users, then `concurrency` workers log in as a seeded-random one of them and call
 * whoami with the new token, back to back. Every login makes a device; none is logged out.
 */
export const loginScenario: Scenario = {
  name: 'login',
  summary: 'register N users, then login + whoami throughput and latency',
  options: {
    users: sizeOption(20, 'users registered before the measurement'),
    duration: durationOption(10),
    count: countOption,
  },
  async run(ctx, p) {
    const users = await registerUsers(ctx, 'user', p['users']);
    ctx.log(`setup: ${users.length} users`);
    const login: number[] = [];
    const whoami: number[] = [];
    let failedPairs = 0;
    const { elapsedMs } = await ctx.measure(async () => {
      const guard = new LoopGuard({
        maxIterations: p['count'],
        durationMs: p['duration'] * 1000,
        signal: ctx.signal,
      });
      const start = performance.now();
      const worker = async (): Promise<void> => {
        for (let k = guard.next(); k !== undefined; k = guard.next()) {
          const user = users[Prng.pick(ctx.seed, k, users.length)];
          try {
            const t0 = performance.now();
            const session = await ctx.api.login(user.localpart, user.password);
            const t1 = performance.now();
            await ctx.api.whoami(session.access_token);
            login.push(t1 - t0);
            whoami.push(performance.now() - t1);
          } catch (err) {
            ctx.errors.add(err);
            failedPairs++;
          }
        }
      };
      await Promise.all(Array.from({ length: ctx.concurrency }, worker));
      return { elapsedMs: performance.now() - start };
    });
    return {
      throughput: { 'logins/s': perSecond(whoami.length, elapsedMs) },
      latencyMs: { login: summarize(login), whoami: summarize(whoami) },
      counts: { users: users.length, pairsOk: whoami.length, pairsFailed: failedPairs },
      failures: [],
    };
  },
};
