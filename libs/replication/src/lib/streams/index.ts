export * from './row-codec';
export * from './update-pages';
export * from './db-replication-stream';
export {
  EVENTS_ROW_TYPES,
  STATE_ALL_THRESHOLD,
  compactStateRows,
  type EventRowData,
  type EventsStreamRow,
  type StateAllRowData,
  type StateRowData,
} from './events.stream';
export * from './db-streams';
