import { redactEvent } from './redaction';
import { getRoomVersion, type RoomVersion } from './room-versions';

const v = (id: string) => getRoomVersion(id) as RoomVersion;

// The per-type outputs are in the `derived/redaction/*` vectors (event-vectors.spec.ts); these are
// the malformed-input edges the vectors leave out.
describe('redactEvent', () => {
  const member = (thirdPartyInvite: unknown) => ({
    type: 'm.room.member',
    state_key: '@u:domain',
    content: { membership: 'invite', third_party_invite: thirdPartyInvite },
  });

  it('keeps an empty third_party_invite when it has no signed key (v11+, as Synapse does)', () => {
    const invite = { display_name: 'alice' };
    expect(redactEvent(member(invite), v('11')).content).toEqual({
      membership: 'invite',
      third_party_invite: {},
    });
    expect(redactEvent(member(invite), v('10')).content).toEqual({ membership: 'invite' });
    expect(redactEvent(member('not an object'), v('12')).content).toEqual({
      membership: 'invite',
    });
  });

  it('gives a missing or malformed content an empty object, and leaves its input alone', () => {
    expect(redactEvent({ type: 'm.room.create', content: [1] }, v('12')).content).toEqual({});
    expect(redactEvent<Record<string, unknown>>({ type: 'm.room.create' }, v('1')).content).toEqual(
      {},
    );
    const input = { type: 'm.room.message', content: { body: 'hi' }, unsigned: { age: 1 } };
    expect(redactEvent(input, v('12'))).toEqual({ type: 'm.room.message', content: {} });
    expect(input).toEqual({
      type: 'm.room.message',
      content: { body: 'hi' },
      unsigned: { age: 1 },
    });
  });
});
