import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Small integers standing for instance names inside multi-writer tokens (replication.md §5.5). */
@Entity({ name: 'instance_ids' })
export class InstanceIdEntity {
  @PrimaryGeneratedColumn({ name: 'instance_id', type: 'integer' })
  instanceId: number;

  @Column({ name: 'instance_name', type: 'text', unique: true })
  instanceName: string;
}
