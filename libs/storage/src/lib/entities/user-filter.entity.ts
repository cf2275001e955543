import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'user_filters' })
export class UserFilterEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'filter_id', type: 'bigint' })
  filterId: number;

  /** The filter as the client uploaded it, after validation. */
  @Column({ name: 'filter_json', type: 'text' })
  filterJson: string;
}
