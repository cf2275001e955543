import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'registration_nonces' })
export class RegistrationNonceEntity {
  @PrimaryColumn({ name: 'nonce', type: 'text' })
  nonce: string;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
