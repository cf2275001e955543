import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'ui_auth_sessions' })
export class UiAuthSessionEntity {
  @PrimaryColumn({ name: 'session_id', type: 'text' })
  sessionId: string;

  @Column({ name: 'method', type: 'text' })
  method: string;

  @Column({ name: 'uri', type: 'text' })
  uri: string;

  /** JSON text. */
  @Column({ name: 'client_dict', type: 'text' })
  clientDict: string;

  /** JSON text. */
  @Column({ name: 'server_dict', type: 'text' })
  serverDict: string;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
