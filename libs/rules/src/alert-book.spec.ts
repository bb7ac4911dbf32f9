import { AlertBook, MAX_OPEN_ALERTS, subjectKey } from './alert-book';

const spec = (trackId: number, startedAt: number) => ({
  ruleId: 'sea.enter',
  rule: 'zone_enter' as const,
  severity: 'major' as const,
  subject: { kind: 'track' as const, trackId },
  zoneId: 'sea',
  startedAt,
  score: 0.8,
  boxes: [],
  message: 'person in the water',
});
const key = (trackId: number) => subjectKey('sea.enter', { kind: 'track', trackId });

describe('AlertBook', () => {
  it('forgets an open alert without an event and without a cooldown', () => {
    const book = new AlertBook('cam-1');
    book.create(spec(1, 1000), 1000);
    book.drain();
    book.forget(key(1));
    expect(book.isOpen(key(1))).toBe(false);
    expect(book.drain()).toEqual([]);
    expect(book.toJSON()).toEqual({ open: [], past: [] });
    book.forget(key(2)); // not open: nothing happens
  });

  it('keeps at most MAX_OPEN_ALERTS open; the oldest are dropped, without an event, and reported once', () => {
    const book = new AlertBook('cam-1');
    for (let i = 1; i <= MAX_OPEN_ALERTS + 3; i++) book.create(spec(i, 1000 + i), 1000 + i);
    const created = book.drain();
    expect(created).toHaveLength(MAX_OPEN_ALERTS + 3);
    expect(created.every((e) => e.kind === 'created')).toBe(true);
    expect(book.toJSON().open).toHaveLength(MAX_OPEN_ALERTS);
    expect(book.drainDropped()).toEqual([1, 2, 3].map((i) => ({ alertId: created[i - 1].alertId, ruleId: 'sea.enter', key: key(i) })));
    expect(book.drainDropped()).toEqual([]);
    expect([1, 2, 3, 4].map((i) => book.isOpen(key(i)))).toEqual([false, false, false, true]);
    // The order survives a state round trip: the next one over drops track 4.
    const copy = new AlertBook('cam-1');
    copy.load(JSON.parse(JSON.stringify(book.toJSON())));
    copy.create(spec(999, 5000), 5000);
    expect(copy.drainDropped().map((d) => d.key)).toEqual([key(4)]);
  });
});
