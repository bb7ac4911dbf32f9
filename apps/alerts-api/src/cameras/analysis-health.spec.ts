import type { CameraStatusRecord } from '../camera-status/camera-status.repository';
import { staleAfterMs, unanalysedSince, type AnalysisFacts } from './analysis-health';

const NOW = Date.parse('2026-12-01T08:00:00Z');
const MIN = 60_000;
const online = (since: number): CameraStatusRecord => ({ cameraId: 'pond', status: 'online', reason: null, detail: null, since, offlineSince: null, ingestId: 'i-1', updatedAt: since, recoveredFrom: null, stableMs: null, outageDrops: 0 });
const facts = (over: Partial<AnalysisFacts>): AnalysisFacts => ({ enabled: true, status: online(NOW - 60 * MIN), maintenance: undefined, analysedAt: NOW - 5000, configuredAt: NOW - 24 * 60 * MIN, ...over });

describe('unanalysedSince', () => {
  it.each([
    ['analysed 5 s ago', facts({}), null],
    ['analysed 59 s ago', facts({ analysedAt: NOW - 59_000 }), null],
    ['last analysed 2 min ago', facts({ analysedAt: NOW - 2 * MIN }), NOW - 2 * MIN],
    ['online for an hour, never analysed', facts({ analysedAt: null }), NOW - 60 * MIN],
    ['online for 30 s, not analysed yet (starting up)', facts({ status: online(NOW - 30_000), analysedAt: null }), null],
    ['back online 30 s ago after an outage, last analysed before it', facts({ status: online(NOW - 30_000), analysedAt: NOW - 10 * MIN }), null],
    ['back online 2 min ago and not analysed since', facts({ status: online(NOW - 2 * MIN), analysedAt: NOW - 10 * MIN }), NOW - 2 * MIN],
    ['offline (its own alert says so)', facts({ status: { ...online(NOW - 60 * MIN), status: 'offline' }, analysedAt: null }), null],
    ['added 30 s ago, no status yet (ingest starting it)', facts({ status: undefined, analysedAt: null, configuredAt: NOW - 30_000 }), null],
    ['added 2 min ago and no ingest has reported on it (none reads it)', facts({ status: undefined, analysedAt: null, configuredAt: NOW - 2 * MIN }), NOW - 2 * MIN],
    ['configured a day ago, never reported on, analysed 3 min ago (status lost)', facts({ status: undefined, analysedAt: NOW - 3 * MIN }), NOW - 3 * MIN],
    ['no status, disabled', facts({ status: undefined, analysedAt: null, enabled: false }), null],
    ['disabled', facts({ enabled: false, analysedAt: null }), null],
    ['under maintenance', facts({ analysedAt: null, maintenance: { cameraId: 'pond', until: NOW + MIN, note: null, setBy: 'op', setAt: NOW - MIN } }), null],
    ['maintenance over', facts({ analysedAt: null, maintenance: { cameraId: 'pond', until: NOW - 1, note: null, setBy: 'op', setAt: NOW - MIN } }), NOW - 60 * MIN],
  ])('%s', (_name, input, expected) => {
    expect(unanalysedSince(input, NOW, MIN)).toBe(expected);
  });
});

describe('staleAfterMs', () => {
  it('waits out two heartbeats of a camera whose still picture is published rarely', () => {
    expect(staleAfterMs(60, 5)).toBe(60_000);
    expect(staleAfterMs(60, 120)).toBe(245_000);
    expect(staleAfterMs(15, 0.5)).toBe(15_000);
  });
});
