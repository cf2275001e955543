import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One (type, state_key) → event of a state group's snapshot or delta. */
@Entity({ name: 'state_group_entries' })
export class StateGroupEntryEntity {
  @PrimaryColumn({ name: 'state_group', type: 'bigint' })
  stateGroup: number;

  @PrimaryColumn({ name: 'type', type: 'text' })
  type: string;

  @PrimaryColumn({ name: 'state_key', type: 'text' })
  stateKey: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;
}
