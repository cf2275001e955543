import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import {
  CREATABLE_ROOM_VERSIONS,
  DEFAULT_ROOM_VERSION,
  defaultPowerLevelsContent,
  getRoomVersion,
  MatrixError,
  parseUserId,
  stateMapKey,
  type RoomVersion,
} from '@chat/protocol';
import { RoomAliasStore } from '@chat/storage';
import type { EventDraft } from '@chat/stream-writers';

import { ProfileService } from '../profile/profile.service';
import { localAliasFor } from './room-alias.service';
import { RoomDirectoryService } from './room-directory.service';
import { RoomEventSender } from './room-event-sender';

export type RoomPreset = 'private_chat' | 'trusted_private_chat' | 'public_chat';

export interface CreateRoomRequest {
  visibility?: 'public' | 'private';
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  room_version?: string;
  creation_content?: Record<string, unknown>;
  initial_state?: Array<{ type: string; state_key?: string; content: Record<string, unknown> }>;
  preset?: RoomPreset;
  is_direct?: boolean;
  power_level_content_override?: Record<string, unknown>;
}

const PRESETS: Record<RoomPreset, { joinRule: string; guestAccess: string; inviteLevel: number }> =
  {
    private_chat: { joinRule: 'invite', guestAccess: 'can_join', inviteLevel: 0 },
    trusted_private_chat: { joinRule: 'invite', guestAccess: 'can_join', inviteLevel: 0 },
    public_chat: { joinRule: 'public', guestAccess: 'forbidden', inviteLevel: 50 },
  };

/** Synapse's defaults, with the preset's invite level and trusted invitees' power (protocol.md §3.7). */
export function defaultPowerLevels(
  version: RoomVersion,
  creator: string,
  preset: RoomPreset,
  invitees: readonly string[],
): Record<string, unknown> {
  const content = defaultPowerLevelsContent(creator, version);
  const users = { ...(content['users'] as Record<string, number>) };
  if (!version.creatorsInfinitePower && preset === 'trusted_private_chat') {
    for (const invitee of invitees) users[invitee] = 100;
  }
  return { ...content, users, invite: PRESETS[preset].inviteLevel };
}

/**
 * `createRoom`: the create event, the creator's join, power levels, alias, preset events,
 * initial state, name, topic and invites — in the order the auth rules need (protocol.md §3.7),
 * written as one unit.
 */
@Injectable()
export class RoomCreationService {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly writer: RoomEventSender,
    private readonly directory: RoomDirectoryService,
    private readonly aliases: RoomAliasStore,
    private readonly profiles: ProfileService,
  ) {}

  async createRoom(requester: Requester, req: CreateRoomRequest): Promise<{ room_id: string }> {
    const versionId = req.room_version ?? DEFAULT_ROOM_VERSION;
    const version = getRoomVersion(versionId);
    if (!version || !CREATABLE_ROOM_VERSIONS.includes(versionId)) {
      throw new MatrixError(
        400,
        'M_UNSUPPORTED_ROOM_VERSION',
        `Room version ${versionId} is not supported`,
      );
    }
    const creator = requester.userId;
    const invitees = [...new Set(req.invite ?? [])];
    for (const invitee of invitees) {
      if (!parseUserId(invitee))
        throw MatrixError.invalidParam(`Invalid user id to invite: ${invitee}`);
    }
    const preset: RoomPreset =
      req.preset ?? (req.visibility === 'public' ? 'public_chat' : 'private_chat');
    const creationContent = { ...(req.creation_content ?? {}) };
    const federate = creationContent['m.federate'];
    if (federate !== undefined && typeof federate !== 'boolean') {
      throw MatrixError.badJson('m.federate must be a boolean');
    }
    creationContent['room_version'] = versionId;
    if (version.implicitCreator) delete creationContent['creator'];
    else creationContent['creator'] = creator;
    if (version.creatorsInfinitePower && preset === 'trusted_private_chat' && invitees.length) {
      const extra = Array.isArray(creationContent['additional_creators'])
        ? (creationContent['additional_creators'] as unknown[])
        : [];
      creationContent['additional_creators'] = [...new Set([...extra, ...invitees])];
    }

    const alias =
      req.room_alias_name !== undefined
        ? localAliasFor(req.room_alias_name, this.config.serverName)
        : null;
    if (alias && (await this.aliases.getAlias(alias))) {
      throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    }

    const profile = await this.profiles
      .getProfile(creator)
      .catch(() => ({}) as Record<string, string>);
    const state = (type: string, content: Record<string, unknown>, stateKey = ''): EventDraft => ({
      type,
      stateKey,
      sender: creator,
      content,
    });
    const drafts: EventDraft[] = [
      state('m.room.member', { membership: 'join', ...profile }, creator),
    ];
    const powerLevels = {
      ...defaultPowerLevels(version, creator, preset, invitees),
      ...(req.power_level_content_override ?? {}),
    };
    drafts.push(state('m.room.power_levels', powerLevels));
    if (alias) drafts.push(state('m.room.canonical_alias', { alias }));

    const initialState = new Map<string, EventDraft>();
    for (const entry of req.initial_state ?? []) {
      initialState.set(
        stateMapKey(entry.type, entry.state_key ?? ''),
        state(entry.type, entry.content, entry.state_key ?? ''),
      );
    }
    const presetEvents: Array<[string, Record<string, unknown>]> = [
      ['m.room.join_rules', { join_rule: PRESETS[preset].joinRule }],
      ['m.room.history_visibility', { history_visibility: 'shared' }],
      ['m.room.guest_access', { guest_access: PRESETS[preset].guestAccess }],
    ];
    for (const [type, content] of presetEvents) {
      if (!initialState.has(stateMapKey(type, ''))) drafts.push(state(type, content));
    }
    drafts.push(...initialState.values());
    if (req.name !== undefined) drafts.push(state('m.room.name', { name: req.name }));
    if (req.topic !== undefined) drafts.push(state('m.room.topic', { topic: req.topic }));
    for (const invitee of invitees) {
      const content: Record<string, unknown> = { membership: 'invite' };
      if (req.is_direct) content['is_direct'] = true;
      drafts.push(state('m.room.member', content, invitee));
    }

    const { roomId } = await this.writer.createRoom(
      version,
      state('m.room.create', creationContent),
      drafts,
    );
    if (alias && !(await this.aliases.createAlias(alias, roomId, creator))) {
      throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    }
    if (req.visibility === 'public') await this.directory.setPublished(roomId, true);
    return { room_id: roomId };
  }
}
