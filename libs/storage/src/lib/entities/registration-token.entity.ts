import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'registration_tokens' })
export class RegistrationTokenEntity {
  @PrimaryColumn({ name: 'token', type: 'text' })
  token: string;

  @Column({ name: 'uses_allowed', type: 'integer', nullable: true })
  usesAllowed: number | null;

  @Column({ name: 'pending', type: 'integer', default: 0 })
  pending: number;

  @Column({ name: 'completed', type: 'integer', default: 0 })
  completed: number;

  @Column({ name: 'expiry_time', type: 'bigint', nullable: true })
  expiryTime: number | null;
}
