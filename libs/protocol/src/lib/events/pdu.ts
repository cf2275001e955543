import type { Signatures } from '../signing';

/** A PDU as it travels between servers (protocol.md §2.2). */
export interface Pdu {
  type: string;
  /** Absent on v12 `m.room.create`. */
  room_id?: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  depth: number;
  /** v1/v2: `[id, {sha256}]` pairs; v3+: event ids. */
  prev_events: PduReference[];
  auth_events: PduReference[];
  hashes: { sha256: string };
  signatures: Signatures;
  unsigned?: Record<string, unknown>;
  /** Top-level in v1–v10 redactions. */
  redacts?: string;
  /** v1/v2 only. */
  event_id?: string;
  [key: string]: unknown;
}

export type PduReference = string | [string, Record<string, string>];

/** Spec size limits (protocol.md §2.2, §7). */
export const MAX_PDU_BYTES = 65_536;
export const MAX_PDU_FIELD_BYTES = 255;
export const MAX_PREV_EVENTS = 20;
export const MAX_AUTH_EVENTS = 10;

export function referenceId(ref: PduReference): string {
  return typeof ref === 'string' ? ref : ref[0];
}
