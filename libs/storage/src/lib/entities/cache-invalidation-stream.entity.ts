import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One invalidation of the `caches` stream; `keys` is a JSON array of key tuples, NULL = all. */
@Entity({ name: 'cache_invalidation_stream_by_instance' })
@Index('cache_invalidation_stream_ts', ['invalidationTs'])
export class CacheInvalidationStreamEntity {
  @PrimaryColumn({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;

  @Column({ name: 'cache_func', type: 'text' })
  cacheFunc: string;

  @Column({ name: 'keys', type: 'text', nullable: true })
  keys: string | null;

  @Column({ name: 'invalidation_ts', type: 'bigint' })
  invalidationTs: number;
}
