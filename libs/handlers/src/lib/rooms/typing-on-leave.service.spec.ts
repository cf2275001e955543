import type { StoredEvent } from '@chat/storage';
import type { EventsPersistedListener, RoomEventWriter } from '@chat/stream-writers';

import { TypingOnLeave } from './typing-on-leave.service';
import type { TypingService } from './typing.service';

function memberEvent(stateKey: string, membership: string): StoredEvent {
  return { event: { membership, stateKey } } as unknown as StoredEvent;
}

describe('TypingOnLeave', () => {
  it('stops the typing of users whose membership leaves join, until destroyed', () => {
    let listener: EventsPersistedListener | undefined;
    const writer = {
      onPersisted: (fn: EventsPersistedListener) => {
        listener = fn;
        return () => (listener = undefined);
      },
    } as unknown as RoomEventWriter;
    const stopped: Array<[string, string]> = [];
    const typing = {
      stop: (room: string, user: string) => stopped.push([room, user]),
    } as unknown as TypingService;
    const hook = new TypingOnLeave(writer, typing);
    hook.onModuleInit();
    listener?.('!r:x', [
      memberEvent('@a:x', 'leave'),
      memberEvent('@b:x', 'join'),
      memberEvent('@c:x', 'ban'),
      { event: { membership: undefined, stateKey: undefined } } as unknown as StoredEvent,
    ]);
    expect(stopped).toEqual([
      ['!r:x', '@a:x'],
      ['!r:x', '@c:x'],
    ]);
    hook.onModuleDestroy();
    expect(listener).toBeUndefined();
  });
});
