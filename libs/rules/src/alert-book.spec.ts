import { AlertBook, MAX_KEPT_TRACK_ENDS, MAX_OPEN_ALERTS, subjectKey } from './alert-book';
import { CameraRuleEngine } from './engine';
import { footBox, Run, T0, testCamera } from './testing/scene';

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
  it('succeed: ends the open alert of the key without a cooldown and opens a new one naming it', () => {
    const book = new AlertBook('cam-1');
    expect(book.succeed(spec(1, 1000), 1000, 'again')).toBe(true);
    const [first] = book.drain();
    expect(book.succeed(spec(1, 1000), 1000, 'again')).toBe(false); // same start: same id, nothing new
    expect(book.succeed(spec(1, 5000), 5000, 'again')).toBe(true);
    const [ended, second] = book.drain();
    expect(ended).toMatchObject({ kind: 'ended', alertId: first.alertId, message: 'again' });
    expect(second).toMatchObject({ kind: 'created', startedAt: 5000, relatedAlertId: first.alertId });
    expect(second.alertId).not.toBe(first.alertId);
    expect(book.openSince(key(1))).toBe(5000);
    book.end(key(1), 6000, 'gone', 60);
    expect(book.lastEnded(key(1))).toEqual({ alertId: second.alertId, endedAt: 6000 });
  });

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

describe('AlertBook: ids of a track key never repeat while the track lives', () => {
  const HOUR = 3_600_000;

  it('moves the start of a track that outlived its alert and its cooldown past the earlier alert (schedule windows)', () => {
    const book = new AlertBook('cam-1');
    book.create(spec(1, 1000), 1000);
    const first = book.drain()[0];
    book.end(key(1), 12 * HOUR, "rule 'sea.enter' is outside its schedule", 60);
    // Frames through the gap between the windows: the track stays (no removal), the cooldown ends.
    for (let t = 12 * HOUR; t < 13 * HOUR; t += 60_000) book.prune(t, new Set());
    // The saved state carries it on.
    const copy = new AlertBook('cam-1');
    copy.load(JSON.parse(JSON.stringify(book.toJSON())));
    // Next window: the same track, still inside, raises with its unchanged `since`.
    expect(copy.create(spec(1, 1000), 13 * HOUR)).toBe(true);
    const [second] = copy.drain();
    expect(second).toMatchObject({ kind: 'created', startedAt: 12 * HOUR + 1 });
    expect(second.alertId).not.toBe(first.alertId);
  });

  it('forgets the end once the track is removed; a vanish_in_water end goes with its cooldown, as before', () => {
    const book = new AlertBook('cam-1');
    book.create(spec(1, 1000), 1000);
    book.end(key(1), 2000, 'outside its schedule', 60);
    book.prune(HOUR, new Set([2]));
    expect(book.toJSON().past.map(([k]) => k)).toEqual([key(1)]);
    book.prune(HOUR + 1000, new Set([1]));
    expect(book.toJSON().past).toEqual([]);
    // A vanish alert ends after its track's removal (resurfaced as another track): no removal will come.
    const vanishKey = subjectKey('sea.vanish', { kind: 'track', trackId: 7 });
    book.create({ ...spec(7, 5000), ruleId: 'sea.vanish', rule: 'vanish_in_water' }, 5000);
    book.end(vanishKey, 6000, 'person 7 resurfaced as track 8', 0);
    book.prune(6000, new Set());
    expect(book.toJSON().past).toEqual([]);
  });

  it('keeps at most MAX_KEPT_TRACK_ENDS ends past their cooldown, the earliest ended going first; running cooldowns stay', () => {
    const book = new AlertBook('cam-1');
    const n = MAX_KEPT_TRACK_ENDS + 2;
    for (let i = 1; i <= n; i++) {
      book.create(spec(i, i * 10), i * 10);
      book.end(key(i), i * 10 + 5, 'outside its schedule', 60);
    }
    // Track 1 ended first, but its key ended again since: the latest end counts.
    book.create(spec(1, 10), 80_000);
    book.end(key(1), 90_000, 'outside its schedule', 0);
    book.create(spec(n + 1, 95_000), 95_000);
    book.end(key(n + 1), 100_000, 'outside its schedule', 60); // still cooling down
    book.prune(100_000, new Set());
    const past = book.toJSON().past.map(([k]) => k);
    expect(past).toHaveLength(MAX_KEPT_TRACK_ENDS + 1);
    expect(past).not.toContain(key(2));
    expect(past).not.toContain(key(3));
    expect(past).toContain(key(4));
    expect(past).toContain(key(1));
    expect(past).toContain(key(n + 1));
  });

  it('a person who stays in the water through a break in the schedule gets a new alert id in the next window', () => {
    const pond = { id: 'pond', type: 'water' as const, polygon: [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]] as [number, number][] };
    const camera = testCamera({
      zones: [pond],
      rules: [{ id: 'enter', type: 'zone_enter', zone: 'pond', schedule: [{ start: '06:00', end: '12:00' }, { start: '13:00', end: '18:00' }] }] as never,
    });
    const run = new Run(new CameraRuleEngine(camera));
    // T0 is 12:00 in the camera's time zone: from 11:59 to 13:01, in the pond all along.
    run.span(T0 - 60_000, T0 + HOUR + 60_000, 5000, () => [{ id: 1, box: footBox(0.5, 0.6) }]);
    const created = run.of('created');
    expect(created).toHaveLength(2);
    expect(created[1].capturedAt).toBe(T0 + HOUR);
    expect(run.of('ended')).toMatchObject([{ alertId: created[0].alertId, capturedAt: T0 }]);
    expect(created[1].alertId).not.toBe(created[0].alertId);
    expect(created[1].startedAt).toBe(T0 + 1);
  });
});
