import { Controller, Get, Param, Query } from '@nestjs/common';

import { RoomReadService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { EventIdPipe, RoomIdPipe } from './id-params';
import {
  ContextQuery,
  MembersQuery,
  MessagesQuery,
  DirectedPageQuery,
  ThreadsQuery,
  TimestampQuery,
} from './room-dtos';

/** Reading a room's history: every path applies history visibility in RoomReadService. */
@Controller()
export class RoomReadsController {
  constructor(private readonly reads: RoomReadService) {}

  @Get(clientRoutes('current', 'joined_rooms'))
  joinedRooms(@CurrentRequester() requester: Requester) {
    return this.reads.joinedRooms(requester);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/event/:eventId'))
  getEvent(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventId', EventIdPipe) eventId: string,
  ) {
    return this.reads.getEvent(requester, roomId, eventId);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/members'))
  members(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Query() query: MembersQuery,
  ) {
    return this.reads.getMembers(requester, roomId, query);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/joined_members'))
  joinedMembers(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
  ) {
    return this.reads.getJoinedMembers(requester, roomId);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/messages'))
  messages(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Query() query: MessagesQuery,
  ) {
    return this.reads.getMessages(requester, roomId, { ...query, dir: query.dir ?? 'b' });
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/context/:eventId'))
  context(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventId', EventIdPipe) eventId: string,
    @Query() query: ContextQuery,
  ) {
    return this.reads.getContext(requester, roomId, eventId, query);
  }

  @Get(clientRoutes('v1', 'rooms/:roomId/relations/:eventId{/:relType}{/:eventType}'))
  relations(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventId', EventIdPipe) eventId: string,
    @Param('relType') relType: string | undefined,
    @Param('eventType') eventType: string | undefined,
    @Query() query: DirectedPageQuery,
  ) {
    return this.reads.getRelations(requester, roomId, eventId, { ...query, relType, eventType });
  }

  @Get(clientRoutes('v1', 'rooms/:roomId/threads'))
  threads(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Query() query: ThreadsQuery,
  ) {
    return this.reads.getThreads(requester, roomId, query);
  }

  @Get(clientRoutes('v1', 'rooms/:roomId/timestamp_to_event'))
  timestampToEvent(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Query() query: TimestampQuery,
  ) {
    return this.reads.timestampToEvent(requester, roomId, query.ts, query.dir);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/initialSync'))
  initialSync(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
  ) {
    return this.reads.roomInitialSync(requester, roomId);
  }
}
