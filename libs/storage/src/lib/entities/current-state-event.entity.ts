import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Each room's resolved current state, kept flat so membership lookups need no state group walk. */
@Entity({ name: 'current_state_events' })
export class CurrentStateEventEntity {
  @PrimaryColumn({ name: 'room_id', type: 'text' })
  roomId: string;

  @PrimaryColumn({ name: 'type', type: 'text' })
  type: string;

  @PrimaryColumn({ name: 'state_key', type: 'text' })
  stateKey: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  /** Copied from the event for m.room.member, so "who is joined" is one index scan. */
  @Column({ name: 'membership', type: 'text', nullable: true })
  membership: string | null;
}
