import { Entity, PrimaryColumn } from 'typeorm';

/** The DAG's `prev_events` edges, also read backwards (prev → children). */
@Entity({ name: 'event_edges' })
export class EventEdgeEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  @PrimaryColumn({ name: 'prev_event_id', type: 'text' })
  prevEventId: string;
}
