export {
  RoomEventWriter,
  type RoomEventWriterOptions,
  type EventsPersistedListener,
} from './lib/room-event-writer';
export type { EventDraft, WrittenEvent } from './lib/event-draft';
