// Camera health: an empty scene stays quiet; covered, blurred and frozen pictures are reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Detector } from '@xl/detection';
import { clipVariant, created, describeEvents, replayScenario, scenarioDetector } from './scenario-kit';

// A replay decodes a whole clip and runs the detector on every sampled frame: 5–25 s alone, more
// than twice that beside the rest of the suite on two cores.
jest.setTimeout(120_000);

let detector: Detector;
let dir: string;
beforeAll(async () => {
  detector = await scenarioDetector();
  dir = mkdtempSync(path.join(tmpdir(), 'xl-health-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  return detector?.close();
});

describe.each(['static', 'static_sub'])('replay %s', (name) => {
  it('raises nothing for an empty scene with sensor noise and a lighting dip', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    expect(describeEvents(created(events))).toBe('');
  });
});

describe('replay static_sub streamed at 1 frame a second, sampled at 4', () => {
  // Sub streams are often turned down to save a village uplink. Sampling must not fill the gaps with
  // copies of the last frame: their difference is 0 and the picture would pass for frozen.
  it('raises nothing: a slow stream is not a frozen one', async () => {
    const clip = clipVariant('static_sub', path.join(dir, 'static_sub-1fps.mp4'), [{ from: 0, to: 40, filter: 'fps=1' }]);
    if (!clip) return console.warn('skipped: static_sub not in ../shared');
    const events = await replayScenario('static_sub', detector, { clip });
    expect(describeEvents(created(events!))).toBe('');
  });
});

describe.each(['tamper-cover', 'tamper-cover_sub'])('replay %s', (name) => {
  it('reports the covered lens within 3 s of 10 s and the blur within 5 s of 22 s', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    const info = describeEvents(events);
    const covered = created(events, 'camera_covered');
    const blurred = created(events, 'camera_blurred');
    expect({ covered: covered.length, info }).toEqual({ covered: 1, info });
    expect(covered[0].t).toBeGreaterThanOrEqual(10);
    expect(covered[0].t).toBeLessThanOrEqual(13);
    expect({ blurred: blurred.length, info }).toEqual({ blurred: 1, info });
    expect(blurred[0].t).toBeGreaterThanOrEqual(22);
    expect(blurred[0].t).toBeLessThanOrEqual(27);
    expect(created(events).filter((e) => !['camera_covered', 'camera_blurred'].includes(e.event.rule))).toHaveLength(0);
  });
});

describe.each(['tamper-freeze', 'tamper-freeze_sub'])('replay %s', (name) => {
  it('reports the frozen picture within 10 s of 12 s', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    const info = describeEvents(events);
    const frozen = created(events, 'camera_frozen');
    expect({ frozen: frozen.length, info }).toEqual({ frozen: 1, info });
    expect(frozen[0].t).toBeGreaterThanOrEqual(12);
    expect(frozen[0].t).toBeLessThanOrEqual(22);
    expect(created(events).filter((e) => e.event.rule !== 'camera_frozen')).toHaveLength(0);
  });
});
