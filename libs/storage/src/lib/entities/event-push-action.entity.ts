import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One local member's push-rule outcome for an event that notifies or highlights them. */
@Entity({ name: 'event_push_actions' })
export class EventPushActionEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ name: 'room_id', type: 'text' })
  roomId: string;

  @Column({ name: 'stream_ordering', type: 'bigint' })
  streamOrdering: number;

  @Column({ name: 'topological_ordering', type: 'bigint' })
  topologicalOrdering: number;

  /** 1 when the actions include `notify`. */
  @Column({ name: 'notif', type: 'smallint' })
  notif: number;

  /** 1 when the actions set the `highlight` tweak. */
  @Column({ name: 'highlight', type: 'smallint' })
  highlight: number;

  /** The thread root for events in a thread, else null (the main timeline). */
  @Column({ name: 'thread_id', type: 'text', nullable: true })
  threadId: string | null;
}
