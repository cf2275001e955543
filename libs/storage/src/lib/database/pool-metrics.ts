import { Gauge, register } from 'prom-client';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const pools = new Set<PgPool>();
let gauge: Gauge<'state'> | undefined;

/**
 * `chat_db_pool_connections{state=total|idle|waiting}` on prom-client's default registry, summed
 * over the open PostgreSQL pools of this process. One gauge for all pools: registering a metric
 * name twice is an error, and tests open several databases in one process.
 */
export function trackPgPool(pool: PgPool): () => void {
  gauge ??=
    (register.getSingleMetric('chat_db_pool_connections') as Gauge<'state'> | undefined) ??
    new Gauge({
      name: 'chat_db_pool_connections',
      help: 'PostgreSQL pool connections by state',
      labelNames: ['state'],
      collect() {
        let total = 0;
        let idle = 0;
        let waiting = 0;
        for (const p of pools) {
          total += p.totalCount;
          idle += p.idleCount;
          waiting += p.waitingCount;
        }
        this.set({ state: 'total' }, total);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, waiting);
      },
    });
  pools.add(pool);
  return () => pools.delete(pool);
}
