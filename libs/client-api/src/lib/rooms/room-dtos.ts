import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
  ArrayMaxSize,
} from 'class-validator';

export class InitialStateEventDto {
  @IsString()
  type: string;

  @IsOptional()
  @IsString()
  state_key?: string;

  @IsObject()
  content: Record<string, unknown>;
}

export class CreateRoomBody {
  @IsOptional()
  @IsIn(['public', 'private'])
  visibility?: 'public' | 'private';

  @IsOptional()
  @IsString()
  room_alias_name?: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  topic?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  invite?: string[];

  @IsOptional()
  @IsString()
  room_version?: string;

  @IsOptional()
  @IsObject()
  creation_content?: Record<string, unknown>;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => InitialStateEventDto)
  initial_state?: InitialStateEventDto[];

  @IsOptional()
  @IsIn(['private_chat', 'trusted_private_chat', 'public_chat'])
  preset?: 'private_chat' | 'trusted_private_chat' | 'public_chat';

  @IsOptional()
  @IsBoolean()
  is_direct?: boolean;

  @IsOptional()
  @IsObject()
  power_level_content_override?: Record<string, unknown>;
}

export class ReasonBody {
  @IsOptional()
  @IsString()
  reason?: string;
}

export class TargetUserBody extends ReasonBody {
  @IsString()
  user_id: string;
}

/** A page of a walk through a room's history or an event's relations. */
export class DirectedPageQuery {
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  to?: string;

  @IsOptional()
  @IsIn(['b', 'f'])
  dir?: 'b' | 'f';

  @IsOptional()
  @IsInt()
  @Min(0)
  limit?: number;
}

export class MessagesQuery extends DirectedPageQuery {
  @IsOptional()
  @IsString()
  filter?: string;
}

export class ContextQuery {
  @IsOptional()
  @IsInt()
  @Min(0)
  limit?: number;

  @IsOptional()
  @IsString()
  filter?: string;
}

export class MembersQuery {
  @IsOptional()
  @IsString()
  at?: string;

  @IsOptional()
  @IsIn(['invite', 'join', 'leave', 'ban', 'knock'])
  membership?: string;

  @IsOptional()
  @IsIn(['invite', 'join', 'leave', 'ban', 'knock'])
  not_membership?: string;
}

export class ThreadsQuery {
  @IsOptional()
  @IsIn(['all', 'participated'])
  include?: string;

  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  limit?: number;
}

export class TimestampQuery {
  @IsInt()
  @Min(0)
  ts: number;

  @IsIn(['b', 'f'])
  dir: 'b' | 'f';
}

export class StateEventQuery {
  @IsOptional()
  @IsIn(['content', 'event'])
  format?: string;
}

export class AliasBody {
  @IsString()
  room_id: string;
}

export class TypingBody {
  @IsBoolean()
  typing: boolean;

  @IsOptional()
  @IsInt()
  @Min(0)
  timeout?: number;
}

export class ReceiptBody {
  @IsOptional()
  @IsString()
  thread_id?: string;
}

export class ReadMarkersBody {
  @IsOptional()
  @IsString()
  'm.fully_read'?: string;

  @IsOptional()
  @IsString()
  'm.read'?: string;

  @IsOptional()
  @IsString()
  'm.read.private'?: string;
}

export class UpgradeBody {
  @IsString()
  new_version: string;

  /** v12+: users who become creators of the new room alongside the upgrader. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  additional_creators?: string[];
}

export class VisibilityBody {
  @IsIn(['public', 'private'])
  visibility: 'public' | 'private';
}

/** A page of the published room list: `limit` rooms after the `since` token. */
export class PublicRoomsPage {
  @IsOptional()
  @IsInt()
  @Min(1)
  limit?: number;

  @IsOptional()
  @IsString()
  since?: string;
}

export class PublicRoomsQuery extends PublicRoomsPage {
  @IsOptional()
  @IsString()
  server?: string;
}

export class PublicRoomsSearchFilter {
  @IsOptional()
  @IsString()
  generic_search_term?: string;
}

export class PublicRoomsBody extends PublicRoomsPage {
  @IsOptional()
  @ValidateNested()
  @Type(() => PublicRoomsSearchFilter)
  filter?: PublicRoomsSearchFilter;
}
