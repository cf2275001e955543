import { type PipeTransform, Injectable } from '@nestjs/common';

import { MatrixError, parseEventId, parseRoomId, parseUserId } from '@chat/protocol';

/** Path ids are checked before any lookup: a malformed one is 400 M_INVALID_PARAM. */
@Injectable()
export class RoomIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!parseRoomId(value)) throw MatrixError.invalidParam(`Invalid room id: ${value}`);
    return value;
  }
}

@Injectable()
export class EventIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!parseEventId(value)) throw MatrixError.invalidParam(`Invalid event id: ${value}`);
    return value;
  }
}

@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!parseUserId(value)) throw MatrixError.invalidParam(`Invalid user id: ${value}`);
    return value;
  }
}

/** Event types and state keys: at most 255 bytes (protocol.md §2.2). */
@Injectable()
export class EventFieldPipe implements PipeTransform<string | undefined, string | undefined> {
  transform(value: string | undefined): string | undefined {
    if (value !== undefined && Buffer.byteLength(value) > 255) {
      throw MatrixError.tooLarge('Event type or state key longer than 255 bytes');
    }
    return value;
  }
}
