// useEvidence (the alert detail's clip), run in node through hook-harness with jest's fake clock:
// evidence being cut is read again every 10 s until it is final, with a back-off on errors, and
// never after the detail closed or moved to another alert. alerts-api pushes nothing when a clip
// arrives, so without this an operator who opened the alert when it was raised saw "being cut".
import {
  EVIDENCE_NONE_REREADS,
  EVIDENCE_REREAD_MAX_MS,
  EVIDENCE_REREAD_MS,
  type EvidenceSummary,
  nextEvidenceRead,
  useEvidence,
} from '../../apps/console/src/evidence-poll';
import { flushEffects, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);

const summary = (status: string, over: Partial<EvidenceSummary> = {}): EvidenceSummary => ({
  status,
  reason: null,
  clipUrl: status === 'complete' ? '/alerts/al-1/clip' : null,
  hiresSnapshotUrl: null,
  durationMs: null,
  ...over,
});

/** api.evidence answering from a script: each call takes the next answer (an Error fails it, a promise answers when it settles). */
function fakeApi(...answers: Array<EvidenceSummary | Error | Promise<EvidenceSummary>>) {
  const calls: string[] = [];
  const api = {
    evidence: (id: string) => {
      calls.push(id);
      const next = answers.shift() ?? new Error('no answer scripted');
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
  return { api, calls };
}

function deferred() {
  let resolve!: (e: EvidenceSummary) => void;
  const promise = new Promise<EvidenceSummary>((r) => (resolve = r));
  return { promise, resolve };
}

describe('useEvidence', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_800_000_000_000 }));
  afterEach(() => {
    unmount();
    jest.useRealTimers();
  });

  type Api = ReturnType<typeof fakeApi>['api'];
  /** Renders, runs the effects, lets the answers in, and renders what the screen would show. */
  const show = async (api: Api, id = 'al-1', reload: unknown = 1) => {
    render(() => useEvidence(api, id, reload));
    flushEffects();
    await jest.advanceTimersByTimeAsync(0);
    return render(() => useEvidence(api, id, reload));
  };
  const after = async (ms: number, api: Api, id = 'al-1', reload: unknown = 1) => {
    await jest.advanceTimersByTimeAsync(ms);
    return render(() => useEvidence(api, id, reload));
  };

  it('reads evidence being cut again every 10 s and shows the clip when it arrives, then stops', async () => {
    const { api, calls } = fakeApi(summary('pending'), summary('pending'), summary('complete'));
    expect((await show(api))?.status).toBe('pending');
    expect(calls).toHaveLength(1);
    expect((await after(EVIDENCE_REREAD_MS - 1, api))?.status).toBe('pending');
    expect(calls).toHaveLength(1);
    await after(1, api);
    expect(calls).toHaveLength(2);
    const shown = await after(EVIDENCE_REREAD_MS, api);
    expect(shown).toMatchObject({ status: 'complete', clipUrl: '/alerts/al-1/clip' });
    expect(calls).toEqual(['al-1', 'al-1', 'al-1']);
    await after(10 * EVIDENCE_REREAD_MAX_MS, api); // final: never read again
    expect(calls).toHaveLength(3);
  });

  it.each(['complete', 'truncated', 'unavailable', 'deleted'])('does not read %s evidence again', async (status) => {
    const { api, calls } = fakeApi(summary(status));
    expect((await show(api))?.status).toBe(status);
    await after(10 * EVIDENCE_REREAD_MAX_MS, api);
    expect(calls).toHaveLength(1);
  });

  it('keeps showing the evidence when a re-read fails, and waits twice as long each time, up to a minute', async () => {
    const down = new Error('Failed to fetch');
    const { api, calls } = fakeApi(summary('pending'), down, down, down, down, down, summary('pending'), summary('truncated', { reason: 'camera_offline' }));
    await show(api);
    const times: number[] = [];
    const start = Date.now();
    let shown: EvidenceSummary | null = null;
    while (calls.length < 8 && Date.now() - start < 600_000) {
      const before = calls.length;
      shown = await after(1000, api);
      if (calls.length > before) times.push((Date.now() - start) / 1000);
      if (calls.length < 8) expect(shown?.status).toBe('pending'); // failed re-reads keep what is shown
    }
    // after 10 s, then 20, 40, 60, 60 s after each failure; after a success 10 s again
    expect(times).toEqual([10, 30, 70, 130, 190, 250, 260]);
    expect(shown).toMatchObject({ status: 'truncated', reason: 'camera_offline' });
  });

  it('stops when the detail closes, and drops an answer that comes after', async () => {
    const late = deferred();
    const { api, calls } = fakeApi(summary('pending'), late.promise);
    await show(api);
    await after(EVIDENCE_REREAD_MS, api); // a re-read on its way
    expect(calls).toHaveLength(2);
    unmount();
    late.resolve(summary('pending'));
    await jest.advanceTimersByTimeAsync(10 * EVIDENCE_REREAD_MAX_MS);
    expect(calls).toHaveLength(2);
  });

  it("stops re-reading the previous alert when another is opened, and never shows the previous one's answer", async () => {
    const late = deferred();
    const { api, calls } = fakeApi(summary('pending'), late.promise, summary('pending', { hiresSnapshotUrl: '/alerts/al-2/hires-snapshot' }));
    await show(api, 'al-1');
    await after(EVIDENCE_REREAD_MS, api, 'al-1'); // al-1's re-read on its way
    expect((await show(api, 'al-2'))?.hiresSnapshotUrl).toBe('/alerts/al-2/hires-snapshot');
    late.resolve(summary('complete')); // al-1's clip: not al-2's
    expect(await after(0, api, 'al-2')).toMatchObject({ status: 'pending', clipUrl: null, hiresSnapshotUrl: '/alerts/al-2/hires-snapshot' });
    expect(calls).toEqual(['al-1', 'al-1', 'al-2']);
    await after(EVIDENCE_REREAD_MS - 1, api, 'al-2'); // only al-2 is read again, on its own schedule
    expect(calls).toEqual(['al-1', 'al-1', 'al-2']);
  });

  it('reads again from the start when the pushed alert changes (its updatedAt), as before', async () => {
    const { api, calls } = fakeApi(summary('complete'), summary('pending'), summary('complete'));
    await show(api, 'al-1', 1);
    expect((await show(api, 'al-1', 2))?.status).toBe('pending'); // an update: the clip is cut again
    expect((await after(EVIDENCE_REREAD_MS, api, 'al-1', 2))?.status).toBe('complete');
    expect(calls).toHaveLength(3);
  });

  it('reads `none` again a few times: the request is stored just after alert.created is pushed', async () => {
    const { api, calls } = fakeApi(summary('none'), summary('none'), summary('pending'), summary('complete'));
    await show(api);
    await after(3 * EVIDENCE_REREAD_MS, api);
    expect(calls).toHaveLength(4);
    expect((await after(0, api))?.status).toBe('complete');

    unmount();
    const never = fakeApi(...Array.from({ length: 10 }, () => summary('none')));
    await show(never.api);
    await after(10 * EVIDENCE_REREAD_MAX_MS, never.api);
    expect(never.calls).toHaveLength(1 + EVIDENCE_NONE_REREADS);
  });

  it('shows nothing and does not read again when the first read fails, as before', async () => {
    const { api, calls } = fakeApi(new Error('Not found'));
    expect(await show(api)).toBeNull();
    await after(10 * EVIDENCE_REREAD_MAX_MS, api);
    expect(calls).toHaveLength(1);
  });
});

describe('nextEvidenceRead', () => {
  it('waits 10 s while pending, doubling per failed re-read up to a minute', () => {
    expect([0, 1, 2, 3, 4, 10].map((failures) => nextEvidenceRead('pending', { failures, noneAnswers: 0 }))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it('never for final evidence or when nothing is shown; `none` only a few times', () => {
    for (const status of ['complete', 'truncated', 'unavailable', 'deleted', null]) expect(nextEvidenceRead(status, { failures: 0, noneAnswers: 0 })).toBeNull();
    expect(nextEvidenceRead('none', { failures: 0, noneAnswers: EVIDENCE_NONE_REREADS })).toBe(EVIDENCE_REREAD_MS);
    expect(nextEvidenceRead('none', { failures: 0, noneAnswers: EVIDENCE_NONE_REREADS + 1 })).toBeNull();
  });
});
