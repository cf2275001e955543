import type { SyncResponse } from '../lib/matrix-api';
import {
  analyseDeliveries,
  receiversPerRoom,
  type SentEvent,
  SyncRecorder,
} from './delivery-analysis';

const sync = (events: string[], limited = false): SyncResponse => ({
  next_batch: 's',
  rooms: {
    join: { '!r:x': { timeline: { limited, events: events.map((event_id) => ({ event_id })) } } },
  },
});

describe('delivery analysis', () => {
  // Clients 0 and 1 sync room 0, client 2 syncs room 1.
  const clientRoom = [0, 0, 1];

  it('counts receivers per room', () => {
    expect(receiversPerRoom(clientRoom, 3)).toEqual([2, 1, 0]);
  });

  it('measures first arrival − send 200 per receiver, and the slowest receiver per event', () => {
    const recorder = new SyncRecorder(3);
    recorder.record(0, sync(['$a']), 110);
    recorder.record(1, sync(['$a']), 130);
    recorder.record(2, sync(['$b']), 205);
    const sent: SentEvent[] = [
      { eventId: '$a', room: 0, returnedAt: 100 },
      { eventId: '$b', room: 1, returnedAt: 200 },
    ];
    const figures = analyseDeliveries(sent, recorder, clientRoom, 2);
    expect(figures).toMatchObject({
      expected: 3,
      delivered: 3,
      missed: 0,
      duplicated: 0,
      skippedInLimitedGaps: 0,
      beforeSendReturned: 0,
    });
    expect(figures.latencies).toEqual([10, 30, 5]);
    expect(figures.allReceiverLatencies).toEqual([30, 5]);
    expect(recorder.delivered(sent, receiversPerRoom(clientRoom, 2))).toBe(3);
  });

  it('checks warm-up sends for misses and duplicates but leaves them out of the latencies', () => {
    const recorder = new SyncRecorder(3);
    recorder.record(0, sync(['$warm', '$timed']), 500);
    recorder.record(0, sync(['$warm']), 510);
    const sent: SentEvent[] = [
      { eventId: '$warm', room: 0, returnedAt: 100, warmup: true },
      { eventId: '$timed', room: 0, returnedAt: 490 },
    ];
    const figures = analyseDeliveries(sent, recorder, clientRoom, 2);
    expect(figures).toMatchObject({ expected: 4, delivered: 2, missed: 2, duplicated: 1 });
    expect(figures.latencies).toEqual([10]);
    expect(figures.allReceiverLatencies).toEqual([]);
  });

  it('counts a missing arrival as missed, and a repeated one as duplicated (latency from the first)', () => {
    const recorder = new SyncRecorder(3);
    recorder.record(0, sync(['$a']), 110);
    recorder.record(0, sync(['$a']), 150);
    const figures = analyseDeliveries(
      [{ eventId: '$a', room: 0, returnedAt: 100 }],
      recorder,
      clientRoom,
      2,
    );
    expect(figures).toMatchObject({ expected: 2, delivered: 1, missed: 1, duplicated: 1 });
    expect(figures.latencies).toEqual([10]);
    expect(figures.allReceiverLatencies).toEqual([]);
  });

  it('counts events sent before a client’s last limited timeline as skipped in a gap, not missed', () => {
    const recorder = new SyncRecorder(3);
    recorder.record(0, sync(['$a', '$c']), 120);
    recorder.record(1, sync(['$c'], true), 140);
    const sent: SentEvent[] = [
      { eventId: '$a', room: 0, returnedAt: 100 },
      { eventId: '$late', room: 0, returnedAt: 150 },
    ];
    const figures = analyseDeliveries(sent, recorder, clientRoom, 2);
    expect(recorder.limitedTimelines).toBe(1);
    // $a never reached client 1, whose limited response came after $a was sent: a gap.
    // $late reached nobody, and was sent after every limited response: missed twice.
    expect(figures).toMatchObject({
      expected: 4,
      delivered: 1,
      skippedInLimitedGaps: 1,
      missed: 2,
    });
  });

  it('counts an arrival before the send returned, as 0 ms', () => {
    const recorder = new SyncRecorder(3);
    recorder.record(2, sync(['$b']), 95);
    const figures = analyseDeliveries(
      [{ eventId: '$b', room: 1, returnedAt: 100 }],
      recorder,
      clientRoom,
      2,
    );
    expect(figures.beforeSendReturned).toBe(1);
    expect(figures.latencies).toEqual([0]);
  });

  it('ignores events the bench did not send and rooms without timelines', () => {
    const recorder = new SyncRecorder(3);
    recorder.record(0, sync(['$member-join']), 10);
    recorder.record(1, { next_batch: 's', rooms: { join: { '!r:x': {} } } }, 20);
    recorder.record(2, { next_batch: 's' }, 30);
    expect(recorder.responses).toBe(3);
    expect(analyseDeliveries([], recorder, clientRoom, 2)).toMatchObject({
      expected: 0,
      missed: 0,
    });
  });
});
