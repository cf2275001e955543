import { Entity, PrimaryColumn } from 'typeorm';

/** A room's events without children yet: the `prev_events` of the next event sent there. */
@Entity({ name: 'event_forward_extremities' })
export class EventForwardExtremityEntity {
  @PrimaryColumn({ name: 'room_id', type: 'text' })
  roomId: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;
}
