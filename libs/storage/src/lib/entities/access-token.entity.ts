import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'access_tokens' })
@Index('access_tokens_user_id', ['userId'])
export class AccessTokenEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id: number;

  /** SHA-256 (hex) of the token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'device_id', type: 'text' })
  deviceId: string;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;

  @Column({ name: 'last_used_ts', type: 'bigint', nullable: true })
  lastUsedTs: number | null;

  @Column({ name: 'valid_until_ms', type: 'bigint', nullable: true })
  validUntilMs: number | null;
}
