import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `json` is the PDU exactly as it travels; every other column is an index over it. */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ name: 'room_id', type: 'text' })
  roomId: string;

  /** Position in the `events` stream: the order this server persisted events in. */
  @Column({ name: 'stream_ordering', type: 'bigint', unique: true })
  streamOrdering: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;

  /** The PDU's depth: the order within the room's DAG, used for /messages pagination. */
  @Column({ name: 'topological_ordering', type: 'bigint' })
  topologicalOrdering: number;

  @Column({ name: 'type', type: 'text' })
  type: string;

  /** Null for message events; '' is a real state key. */
  @Column({ name: 'state_key', type: 'text', nullable: true })
  stateKey: string | null;

  @Column({ name: 'sender', type: 'text' })
  sender: string;

  @Column({ name: 'origin_server_ts', type: 'bigint' })
  originServerTs: number;

  /** `content.membership` of m.room.member events. */
  @Column({ name: 'membership', type: 'text', nullable: true })
  membership: string | null;

  @Column({ name: 'redacts', type: 'text', nullable: true })
  redacts: string | null;

  /** `content.m.relates_to.event_id`, for relations and threads. */
  @Column({ name: 'relates_to_id', type: 'text', nullable: true })
  relatesToId: string | null;

  @Column({ name: 'rel_type', type: 'text', nullable: true })
  relType: string | null;

  @Column({ name: 'contains_url', type: 'boolean', default: false })
  containsUrl: boolean;

  /** Stored without its prev events and state, e.g. auth chain members fetched over federation. */
  @Column({ name: 'outlier', type: 'boolean', default: false })
  outlier: boolean;

  @Column({ name: 'rejected_reason', type: 'text', nullable: true })
  rejectedReason: string | null;

  /** The state after this event; null for outliers. */
  @Column({ name: 'state_group', type: 'bigint', nullable: true })
  stateGroup: number | null;

  /** Set once a redaction of this event is accepted; `json` is then served redacted. */
  @Column({ name: 'redacted_by', type: 'text', nullable: true })
  redactedBy: string | null;

  /** The state event this one replaced, for `unsigned.replaces_state`. */
  @Column({ name: 'replaces_state', type: 'text', nullable: true })
  replacesState: string | null;

  @Column({ name: 'json', type: 'text' })
  json: string;
}
