import { IsOptional, IsString } from 'class-validator';

/**
 * Query strings stay strings here: the services parse numbers and booleans themselves so that
 * every malformed value gets the same M_INVALID_PARAM wording.
 */
export class SyncQueryDto {
  @IsOptional()
  @IsString()
  since?: string;

  @IsOptional()
  @IsString()
  timeout?: string;

  @IsOptional()
  @IsString()
  full_state?: string;

  @IsOptional()
  @IsString()
  set_presence?: string;

  @IsOptional()
  @IsString()
  filter?: string;
}

export class EventsQuery {
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  timeout?: string;
}

export class InitialSyncQuery {
  @IsOptional()
  @IsString()
  limit?: string;

  @IsOptional()
  @IsString()
  archived?: string;
}
