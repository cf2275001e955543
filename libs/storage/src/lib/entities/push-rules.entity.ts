import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'push_rules' })
export class PushRulesEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  /** The user's rules per kind, as the push-rules API keeps them. */
  @Column({ name: 'rules_json', type: 'text' })
  rulesJson: string;

  @Column({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;
}
