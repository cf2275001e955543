import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Also indexed on lower(user_id) (migration 2) for case-insensitive login. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  @Column({ name: 'is_admin', type: 'boolean', default: false })
  isAdmin: boolean;

  @Column({ name: 'is_guest', type: 'boolean', default: false })
  isGuest: boolean;

  @Column({ name: 'deactivated', type: 'boolean', default: false })
  deactivated: boolean;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
