import { ClientSession, MAX_PENDING_RESUMES, type PushSocket, type SessionDeps } from './client-session';
import type { LogEvent, LogPage } from './event-log';

class FakeSocket implements PushSocket {
  bufferedAmount = 0;
  stalled = false;
  readonly sent: Record<string, unknown>[] = [];
  private readonly held: (() => void)[] = [];

  send(data: string, cb: (err?: Error) => void): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
    if (this.stalled) this.held.push(() => cb());
    else queueMicrotask(() => cb());
  }

  get seqs(): number[] {
    return this.sent.filter((m) => m.type === 'alert.created').map((m) => m.seq as number);
  }
}

const event = (seq: number, cameraId = 'cam-a'): LogEvent => ({
  seq,
  at: 0,
  type: 'alert.created',
  scope: { cameraId, regionPath: ['r'] },
  data: { n: seq },
});

/** A backlog holding seqs oldest..head; readAfter can be held open to interleave live events. */
class FakeBacklog {
  gate: Promise<void> | null = null;
  /** The `at` of each seq's entry (what a resume's lastAt is compared with). */
  atOf: (seq: number) => number = () => 0;
  /** Seqs whose entry is gone from inside the range (XDEL, a seq skipped by a raised counter). */
  readonly missing = new Set<number>();
  constructor(
    public oldest: number,
    public head: number,
  ) {}

  readAfter = async (after: number, count: number, withEntry = false): Promise<LogPage> => {
    if (this.gate) await this.gate;
    const events: LogEvent[] = [];
    for (let seq = Math.max(after + 1, this.oldest); seq <= this.head && events.length < count; seq++)
      events.push(event(seq, seq % 5 === 0 ? 'cam-other' : 'cam-a'));
    const page: LogPage = { head: this.head, oldest: this.head >= this.oldest ? this.oldest : null, events };
    const held = after >= this.oldest && after <= this.head && !this.missing.has(after);
    if (withEntry) page.entry = held ? { ...event(after), at: this.atOf(after) } : null;
    return page;
  };
}

function session(socket: FakeSocket, backlog: FakeBacklog, overrides: Partial<SessionDeps> = {}) {
  return new ClientSession({
    socket,
    limits: { maxBufferedBytes: 1000, maxQueuedMessages: 5, replayPageSize: 3 },
    canSee: (e) => e.scope.cameraId === 'cam-a',
    readAfter: backlog.readAfter,
    onEventSent: () => undefined,
    onOverflow: () => undefined,
    ...overrides,
  });
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ClientSession', () => {
  it('a fresh client gets hello with the feed seq, then live events after it', async () => {
    const socket = new FakeSocket();
    const s = session(socket, new FakeBacklog(1, 10));
    s.push(event(10)); // dispatched before start: already covered by the hello seq
    await s.start(null, 10);
    s.push(event(11));
    s.push(event(12, 'cam-other')); // out of scope
    s.push(event(13));
    expect(socket.sent[0]).toEqual({ type: 'hello', seq: 10 });
    expect(socket.seqs).toEqual([11, 13]);
    expect(socket.sent[1]).toEqual({ seq: 11, type: 'alert.created', at: 0, data: { n: 11 } });
  });

  it('resumes: replays the backlog in scope, holds live events meanwhile, sends each once in order', async () => {
    const socket = new FakeSocket();
    const backlog = new FakeBacklog(1, 13);
    let open!: () => void;
    backlog.gate = new Promise((resolve) => (open = resolve));
    const s = session(socket, backlog);
    const started = s.start(4, 13);
    // Live events overlapping the replay (12, 13) and after it (14, 16) arrive while the backlog is read.
    for (const seq of [12, 13, 14, 16]) s.push(event(seq));
    expect(socket.seqs).toEqual([]);
    open();
    await started;
    s.push(event(17));
    expect(socket.seqs).toEqual([6, 7, 8, 9, 11, 12, 13, 14, 16, 17]);
  });

  it('tells the metrics which sends were live and which replayed (a replay\'s age is the client\'s absence, not latency)', async () => {
    const socket = new FakeSocket();
    const sends: Array<[number, boolean]> = [];
    const s = session(socket, new FakeBacklog(1, 9), { onEventSent: (e, live) => sends.push([e.seq, live]) });
    await s.start(6, 9);
    s.push(event(10));
    expect(sends).toEqual([
      [7, false],
      [8, false],
      [9, false],
      [10, true],
    ]);
  });

  it('asks for a resync when the backlog no longer reaches back to lastSeq, then stays live', async () => {
    const socket = new FakeSocket();
    const s = session(socket, new FakeBacklog(50, 60));
    await s.start(40, 60);
    s.push(event(59));
    s.push(event(61));
    expect(socket.sent).toContainEqual({ type: 'resync_required', seq: 60 });
    expect(socket.seqs).toEqual([61]);
  });

  it('asks for a resync when lastSeq is ahead of the log (Redis was reset)', async () => {
    const socket = new FakeSocket();
    const s = session(socket, new FakeBacklog(1, 10));
    await s.start(500, 10);
    expect(socket.sent).toContainEqual({ type: 'resync_required', seq: 10 });
  });

  it('with lastAt: resyncs when the entry under lastSeq is another event or missing inside the backlog, else replays', async () => {
    const backlog = new FakeBacklog(1, 12);
    backlog.atOf = (seq) => 1000 + seq;
    backlog.missing.add(6);
    const resumed = async (lastSeq: number, lastAt: number | null) => {
      const socket = new FakeSocket();
      await session(socket, backlog).start(lastSeq, 12, lastAt);
      return socket;
    };
    // Redis lost its last writes and numbered new events 9.. again: the client held another event under 9.
    expect((await resumed(9, 999)).sent).toEqual([{ type: 'hello', seq: 9 }, { type: 'resync_required', seq: 12 }]);
    expect((await resumed(12, 999)).sent).toEqual([{ type: 'hello', seq: 12 }, { type: 'resync_required', seq: 12 }]);
    expect((await resumed(6, 1006)).sent).toContainEqual({ type: 'resync_required', seq: 12 });
    // The event held is the one under lastSeq: a plain replay. Without lastAt (older clients): as before.
    expect((await resumed(9, 1009)).seqs).toEqual([11, 12]);
    expect((await resumed(9, null)).seqs).toEqual([11, 12]);
    expect((await resumed(6, null)).seqs).toEqual([7, 8, 9, 11, 12]);
  });

  it('resyncs a replay whose page holds an entry that does not parse, instead of skipping it silently', async () => {
    const socket = new FakeSocket();
    const backlog = new FakeBacklog(1, 12);
    const s = session(socket, backlog, {
      readAfter: async (after, count) => {
        const page = await backlog.readAfter(after, count);
        // Seq 8 (the last of the page 6..8) could not be parsed: the page stops short of the count.
        return { ...page, events: page.events.filter((e) => e.seq !== 8), skipped: page.events.some((e) => e.seq === 8) ? [8] : [] };
      },
    });
    await s.start(5, 12);
    expect(socket.sent).toContainEqual({ type: 'resync_required', seq: 12 });
    s.push(event(13));
    expect(socket.seqs).toEqual([13]);
  });

  it('a resume message on a live connection replays only what the connection has not covered', async () => {
    const socket = new FakeSocket();
    const s = session(socket, new FakeBacklog(1, 12));
    await s.start(null, 10);
    s.push(event(11));
    await s.resume(7);
    s.push(event(12));
    expect(socket.seqs).toEqual([11, 8, 9, 12]);
    await s.resume(3); // already covered down to 7: only 4..7 are new
    expect(socket.seqs).toEqual([11, 8, 9, 12, 4, 6, 7]);
  });

  it('refuses resume requests beyond the cap while earlier ones are still replaying', async () => {
    const socket = new FakeSocket();
    const backlog = new FakeBacklog(1, 12);
    let reads = 0;
    const s = session(socket, backlog, { readAfter: (after, count) => (reads++, backlog.readAfter(after, count)) });
    await s.start(null, 12);
    let open!: () => void;
    backlog.gate = new Promise((resolve) => (open = resolve));
    const flood = Array.from({ length: 50 }, (_, i) => s.resume(11 - (i % 10)));
    const errors = socket.sent.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(50 - MAX_PENDING_RESUMES);
    expect(errors[0].message).toBe(`resume refused: ${MAX_PENDING_RESUMES} already in progress (at most ${MAX_PENDING_RESUMES}); wait for their events`);
    open();
    backlog.gate = null;
    await Promise.all(flood);
    expect(reads).toBeLessThanOrEqual(MAX_PENDING_RESUMES * 2);
    // What the accepted four (after 11, 10, 9, 8) asked for, each once; 10 is out of scope.
    expect(socket.seqs).toEqual([12, 11, 9]);
    await s.resume(5); // the cap is per moment, not per connection
    expect(socket.seqs).toEqual([12, 11, 9, 6, 7, 8]);
  });

  it('queues while the socket is full and reports overflow past the cap, once', async () => {
    const socket = new FakeSocket();
    let overflows = 0;
    const s = session(socket, new FakeBacklog(1, 0), { onOverflow: () => overflows++ });
    await s.start(null, 0);
    socket.stalled = true;
    socket.bufferedAmount = 5000;
    for (let seq = 1; seq <= 5; seq++) s.push(event(seq));
    expect(s.queuedMessages).toBe(5);
    expect(overflows).toBe(0);
    s.push(event(6));
    s.push(event(7));
    expect(overflows).toBe(1);
    expect(s.isClosed).toBe(true);
    expect(socket.seqs).toEqual([]);
  });

  it('treats live events piling up behind a replay that does not finish as a slow consumer', async () => {
    const socket = new FakeSocket();
    const backlog = new FakeBacklog(1, 3);
    backlog.gate = new Promise(() => undefined); // the backlog read never returns
    let overflows = 0;
    const s = session(socket, backlog, { onOverflow: () => overflows++ });
    void s.start(0, 3);
    for (let seq = 4; seq <= 8; seq++) s.push(event(seq)); // 5 held: the cap
    expect(overflows).toBe(0);
    s.push(event(9));
    expect(overflows).toBe(1);
    expect(s.isClosed).toBe(true);
  });

  it('drains the queue in order once the socket empties', async () => {
    const socket = new FakeSocket();
    const s = session(socket, new FakeBacklog(1, 0));
    await s.start(null, 0);
    s.push(event(1)); // written: its callback fires later and flushes the queue
    socket.bufferedAmount = 5000;
    s.push(event(2));
    s.push(event(3));
    expect(socket.seqs).toEqual([1]);
    socket.bufferedAmount = 0;
    await flush();
    expect(socket.seqs).toEqual([1, 2, 3]);
  });
});
