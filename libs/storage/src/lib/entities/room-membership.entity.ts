import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Every membership event, in stream order: a user's rooms at any stream position. */
@Entity({ name: 'room_memberships' })
export class RoomMembershipEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ name: 'room_id', type: 'text' })
  roomId: string;

  /** The state key: the member, who may differ from the sender (invites, kicks, bans). */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'sender', type: 'text' })
  sender: string;

  @Column({ name: 'membership', type: 'text' })
  membership: string;

  @Column({ name: 'stream_ordering', type: 'bigint' })
  streamOrdering: number;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName: string | null;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  /** Set by /forget: the room is hidden from the user once they have left. */
  @Column({ name: 'forgotten', type: 'boolean', default: false })
  forgotten: boolean;
}
