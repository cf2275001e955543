import type { DeviceStore } from '@chat/storage';

import type { Clock } from '../common/clock';
import {
  ClientIpRecorder,
  type ClientIpSighting,
  type ClientIpSink,
} from './client-ip-recorder.service';

const MINUTE = 60_000;

function setup(repeatAfterMs: number) {
  let now = 1_000_000;
  const clock = { now: () => now } as Clock;
  const saved: ClientIpSighting[][] = [];
  const sink: ClientIpSink = {
    kind: 'bus',
    repeatAfterMs,
    save: async (sightings) => {
      saved.push([...sightings]);
    },
  };
  const recorder = new ClientIpRecorder({} as DeviceStore, clock, sink);
  const seen = (over: Partial<ClientIpSighting> = {}) =>
    recorder.record({
      userId: '@u:x',
      deviceId: 'D1',
      tokenId: '7',
      ip: '10.0.0.1',
      userAgent: 'Client/1.0',
      ...over,
    });
  const passedOn = async () => {
    await recorder.flush();
    return saved.splice(0).flat();
  };
  return { recorder, seen, passedOn, advance: (ms: number) => (now += ms) };
}

describe('ClientIpRecorder', () => {
  it('passes a sighting on at most once per repeat time, counted from when it was passed on', async () => {
    const { seen, passedOn, advance } = setup(2 * MINUTE);
    seen();
    expect(await passedOn()).toEqual([expect.objectContaining({ ts: 1_000_000 })]);
    advance(MINUTE);
    seen();
    expect(await passedOn()).toEqual([]);
    advance(MINUTE - 1);
    seen();
    expect(await passedOn()).toEqual([]);
    advance(1);
    seen();
    expect(await passedOn()).toEqual([expect.objectContaining({ ts: 1_000_000 + 2 * MINUTE })]);
  });

  it('passes on at once what differs in user, token, IP, user agent or device', async () => {
    const { seen, passedOn } = setup(2 * MINUTE);
    seen();
    await passedOn();
    seen({ tokenId: '8' });
    seen({ userId: '@v:x' });
    seen({ deviceId: 'D2', ip: '10.0.0.2' });
    expect((await passedOn()).map((s) => [s.userId, s.deviceId, s.tokenId])).toEqual([
      ['@u:x', 'D1', '8'],
      ['@v:x', 'D1', '7'],
      ['@u:x', 'D2', '7'],
    ]);
    seen({ ip: '10.0.0.9' });
    seen({ userAgent: 'Other/2' });
    // One device's batch holds its latest sighting only.
    expect(await passedOn()).toEqual([
      expect.objectContaining({ ip: '10.0.0.1', userAgent: 'Other/2' }),
    ]);
  });

  it('without a repeat time, passes every device’s latest sighting on with each batch', async () => {
    const { seen, passedOn, advance } = setup(0);
    seen();
    advance(10);
    seen({ ip: '10.0.0.2' });
    expect(await passedOn()).toEqual([expect.objectContaining({ ip: '10.0.0.2', ts: 1_000_010 })]);
    seen();
    expect(await passedOn()).toEqual([expect.objectContaining({ ip: '10.0.0.1' })]);
    expect(await passedOn()).toEqual([]);
  });

  it('keeps the time another process saw the client at', async () => {
    const { recorder, passedOn } = setup(0);
    recorder.record({
      userId: '@u:x',
      deviceId: 'D1',
      tokenId: '7',
      ip: '10.0.0.1',
      userAgent: 'Client/1.0',
      ts: 42,
    });
    expect(await passedOn()).toEqual([expect.objectContaining({ ts: 42 })]);
  });

  it('writes to its own database when no other sink is provided', async () => {
    const written: unknown[] = [];
    const devices = {
      recordLastSeen: async (...args: unknown[]) => {
        written.push(args);
      },
    } as unknown as DeviceStore;
    const recorder = new ClientIpRecorder(devices, { now: () => 5 } as Clock, null);
    expect(recorder.sinkKind).toBe('database');
    recorder.record({ userId: '@u:x', deviceId: 'D1', tokenId: '7', ip: 'ip', userAgent: 'ua' });
    await recorder.flush();
    expect(written).toEqual([['@u:x', 'D1', 'ip', 'ua', 5]]);
  });
});
