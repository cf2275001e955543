import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The state after an event: a full snapshot, or a delta on `prev_group`. */
@Entity({ name: 'state_groups' })
export class StateGroupEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id: number;

  @Column({ name: 'room_id', type: 'text' })
  roomId: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  /** Null for a full snapshot. */
  @Column({ name: 'prev_group', type: 'bigint', nullable: true })
  prevGroup: number | null;

  /** Deltas to walk back to a snapshot; bounds the cost of resolving a group. */
  @Column({ name: 'delta_depth', type: 'integer' })
  deltaDepth: number;
}
