import { decodeBase64 } from '../base64';
import { signingKeyFromSeed } from '../signing';
import { vectorsIn } from '../../test-vectors/vectors';
import {
  checkContentHash,
  computeContentHash,
  computeEventId,
  hashAndSignEvent,
  verifyEventSignature,
} from './event-hashing';
import type { Pdu } from './pdu';
import { redactEvent } from './redaction';
import { RoomEvent } from './room-event';
import { getRoomVersion, type RoomVersion } from './room-versions';

/** The room versions a vector names: `"3"`, `"4..10"` or `"v1-v8"`. */
function versionsOf(spec: string): RoomVersion[] {
  const match = /^v?(\d+)(?:(?:\.\.|-v?)(\d+))?$/.exec(spec);
  if (!match) throw new Error(`unknown room version range ${spec}`);
  const [from, to] = [Number(match[1]), Number(match[2] ?? match[1])];
  return Array.from(
    { length: to - from + 1 },
    (_, i) => getRoomVersion(String(from + i)) as RoomVersion,
  );
}

interface SigningInput {
  seed_base64: string;
  server_name: string;
  key_id: string;
  room_version?: string;
  event: Record<string, unknown>;
}

const keyFor = (input: SigningInput) =>
  signingKeyFromSeed(input.key_id.split(':')[1], decodeBase64(input.seed_base64) as Buffer);

describe('event signing vectors', () => {
  // The spec's examples sign with the v1–v10 redaction rules (`origin` kept).
  it.each([
    ...vectorsIn<SigningInput, Record<string, unknown>>('event-signing/'),
    ...vectorsIn<SigningInput, Record<string, unknown>>('derived/event-signing/'),
  ])('%s', (_, { input, expected }) => {
    const version = getRoomVersion(input.room_version ?? '1') as RoomVersion;
    const signed = hashAndSignEvent(
      input.event as unknown as Pdu,
      version,
      input.server_name,
      keyFor(input),
    );
    expect(signed.hashes).toEqual(expected['hashes']);
    expect(signed.signatures).toEqual(expected['signatures']);
    const publicKey = keyFor(input).publicKeyBase64;
    expect(verifyEventSignature(signed, version, input.server_name, input.key_id, publicKey)).toBe(
      true,
    );
    // A redacted copy still verifies; a tampered essential field does not.
    const redacted = redactEvent(signed, version);
    expect(
      verifyEventSignature(redacted, version, input.server_name, input.key_id, publicKey),
    ).toBe(true);
    const tampered = { ...signed, sender: '@mallory:domain' };
    expect(
      verifyEventSignature(tampered, version, input.server_name, input.key_id, publicKey),
    ).toBe(false);
  });
});

describe('content hash vectors', () => {
  it.each(vectorsIn<{ event: Record<string, unknown> }, string>('derived/content-hash'))(
    '%s',
    (_, { input, expected }) => {
      expect(computeContentHash(input.event)).toBe(expected);
      expect(
        checkContentHash({ ...(input.event as unknown as Pdu), hashes: { sha256: expected } }),
      ).toBe(true);
      const edited = { ...input.event, content: { body: 'edited' } } as unknown as Pdu;
      expect(checkContentHash({ ...edited, hashes: { sha256: expected } })).toBe(false);
    },
  );
});

describe('event id vectors', () => {
  it.each(
    vectorsIn<{ room_version: string; signed_event: Record<string, unknown> }, string>(
      'derived/event-id/',
    ),
  )('%s', (_, { input, expected }) => {
    for (const version of versionsOf(input.room_version)) {
      expect(computeEventId(input.signed_event as unknown as Pdu, version)).toBe(expected);
      expect(new RoomEvent(input.signed_event as unknown as Pdu, version).eventId).toBe(expected);
    }
  });

  it.each(
    vectorsIn<
      { room_version: string; event_id?: string; room_id?: string },
      { valid_format: boolean }
    >('event-id-format/'),
  )('%s has the version’s shape', (_, { input }) => {
    const version = getRoomVersion(input.room_version) as RoomVersion;
    const alphabet =
      version.eventIdFormat === 'v3' ? /^\$[A-Za-z0-9+/]{43}$/ : /^\$[A-Za-z0-9_-]{43}$/;
    expect(input.event_id).toMatch(alphabet);
  });

  it('names a v12 room after its create event', () => {
    const [[, vector]] = vectorsIn<{ room_id: string }, { valid_format: boolean }>(
      'room-id-format/v12',
    );
    expect(vector.input.room_id).toMatch(/^![A-Za-z0-9_-]{43}$/);
    const version = getRoomVersion('12') as RoomVersion;
    const create = new RoomEvent(
      {
        type: 'm.room.create',
        sender: '@a:domain',
        origin_server_ts: 1,
        content: { room_version: '12' },
        state_key: '',
        depth: 1,
        prev_events: [],
        auth_events: [],
        hashes: { sha256: 'x' },
        signatures: {},
      },
      version,
    );
    expect(create.roomId).toBe(`!${create.eventId.slice(1)}`);
    expect(create.roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
  });
});

describe('redaction vectors', () => {
  it.each(
    vectorsIn<{ room_versions: string; event: Record<string, unknown> }, Record<string, unknown>>(
      'derived/redaction/',
    ),
  )('%s', (_, { input, expected }) => {
    for (const version of versionsOf(input.room_versions)) {
      expect(redactEvent(input.event, version)).toEqual(expected);
    }
  });
});
