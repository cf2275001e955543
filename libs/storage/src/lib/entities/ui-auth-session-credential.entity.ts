import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UiAuthSessionEntity } from './ui-auth-session.entity';

@Entity({ name: 'ui_auth_sessions_credentials' })
export class UiAuthSessionCredentialEntity {
  @PrimaryColumn({ name: 'session_id', type: 'text' })
  sessionId: string;

  @PrimaryColumn({ name: 'stage_type', type: 'text' })
  stageType: string;

  /** JSON text. */
  @Column({ name: 'result', type: 'text' })
  result: string;

  @ManyToOne(() => UiAuthSessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', referencedColumnName: 'sessionId' })
  session?: UiAuthSessionEntity;
}
