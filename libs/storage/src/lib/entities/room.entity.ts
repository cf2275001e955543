import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'rooms' })
export class RoomEntity {
  @PrimaryColumn({ name: 'room_id', type: 'text' })
  roomId: string;

  @Column({ name: 'room_version', type: 'text' })
  roomVersion: string;

  @Column({ name: 'creator', type: 'text', nullable: true })
  creator: string | null;

  /** Listed in the public room directory. */
  @Column({ name: 'is_public', type: 'boolean', default: false })
  isPublic: boolean;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
