import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError, MAX_ID_BYTES, parseRoomAlias } from '@chat/protocol';
import { AccountStore, RoomAliasStore } from '@chat/storage';

import { RoomAccessService } from './room-access.service';
import { RoomStateService } from './room-state.service';

/** `#<name>:<server>` for `createRoom`'s `room_alias_name`; 400 when it cannot be an alias. */
export function localAliasFor(name: string, serverName: string): string {
  if (name.length === 0 || /[:\s]/.test(name)) {
    throw MatrixError.invalidParam('room_alias_name may not be empty or contain ":" or spaces');
  }
  const alias = `#${name}:${serverName}`;
  if (Buffer.byteLength(alias) > MAX_ID_BYTES)
    throw MatrixError.invalidParam('Room alias too long');
  return alias;
}

/** The room directory's alias side: create, resolve and delete aliases, list a room's. */
@Injectable()
export class RoomAliasService {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly aliases: RoomAliasStore,
    private readonly accounts: AccountStore,
    private readonly state: RoomStateService,
    private readonly access: RoomAccessService,
  ) {}

  private parseLocal(alias: string): string {
    const parsed = parseRoomAlias(alias);
    if (!parsed) throw MatrixError.invalidParam(`Invalid room alias: ${alias}`);
    if (parsed.serverName !== this.config.serverName) {
      throw MatrixError.invalidParam('Room alias must be local');
    }
    return alias;
  }

  async resolve(alias: string): Promise<{ room_id: string; servers: string[] }> {
    if (!parseRoomAlias(alias)) throw MatrixError.invalidParam(`Invalid room alias: ${alias}`);
    const record = await this.aliases.getAlias(alias);
    if (!record) throw MatrixError.notFound(`Room alias ${alias} not found`);
    return { room_id: record.roomId, servers: [this.config.serverName] };
  }

  async create(requester: Requester, alias: string, roomId: string): Promise<void> {
    this.parseLocal(alias);
    await this.state.requireRoom(roomId);
    if (!(await this.aliases.createAlias(alias, roomId, requester.userId))) {
      throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists`);
    }
  }

  /** The alias's creator or a server admin may delete it. */
  async delete(requester: Requester, alias: string): Promise<void> {
    this.parseLocal(alias);
    const record = await this.aliases.getAlias(alias);
    if (!record) throw MatrixError.notFound(`Room alias ${alias} not found`);
    if (record.creator !== requester.userId) {
      const user = await this.accounts.getUser(requester.userId);
      if (!user?.isAdmin) throw MatrixError.forbidden('You may not delete this alias');
    }
    await this.aliases.deleteAlias(alias);
  }

  async aliasesForRoom(requester: Requester, roomId: string): Promise<{ aliases: string[] }> {
    await this.access.requireReadAccess(requester.userId, roomId);
    return { aliases: await this.aliases.getAliasesForRoom(roomId) };
  }
}
