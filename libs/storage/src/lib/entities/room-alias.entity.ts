import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'room_aliases' })
export class RoomAliasEntity {
  @PrimaryColumn({ name: 'room_alias', type: 'text' })
  roomAlias: string;

  @Column({ name: 'room_id', type: 'text' })
  roomId: string;

  @Column({ name: 'creator', type: 'text' })
  creator: string;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
