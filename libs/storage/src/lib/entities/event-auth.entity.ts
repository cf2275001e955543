import { Entity, PrimaryColumn } from 'typeorm';

/** `auth_events` edges, walked to build auth chains. */
@Entity({ name: 'event_auth' })
export class EventAuthEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  @PrimaryColumn({ name: 'auth_id', type: 'text' })
  authId: string;
}
