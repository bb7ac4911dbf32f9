// Crowd gathering and the night boat in the no-fishing reach, main and sub streams.
import type { Detector } from '@xl/detection';
import { created, describeEvents, replayScenario, scenarioDetector } from './scenario-kit';

// A replay decodes a whole clip and runs the detector on every sampled frame: 5–25 s alone, more
// than twice that beside the rest of the suite on two cores.
jest.setTimeout(120_000);

let detector: Detector;
beforeAll(async () => {
  detector = await scenarioDetector();
});
afterAll(() => detector?.close());

describe.each(['crowd', 'crowd_sub'])('replay %s', (name) => {
  it('raises crowd (N = 8) within 3 s after 8 people are in the square at 21.4 s', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    const info = describeEvents(created(events));
    const crowds = created(events, 'crowd');
    expect({ crowds: crowds.length, info }).toEqual({ crowds: 1, info });
    expect(crowds[0].t).toBeGreaterThanOrEqual(21.4);
    expect(crowds[0].t).toBeLessThanOrEqual(24.4);
    expect(created(events).filter((e) => e.event.rule !== 'crowd')).toHaveLength(0);
  });
});

describe.each(['night-boat', 'night-boat_sub'])('replay %s', (name) => {
  it('raises a boat zone_enter within 3 s of its centre entering the no-fishing zone at 22.6 s', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    const info = describeEvents(created(events));
    const boats = created(events, 'zone_enter');
    expect({ boats: boats.length, info }).toEqual({ boats: 1, info });
    expect(boats[0].event.zoneId).toBe('no_fishing');
    expect(Math.abs(boats[0].t - 22.6)).toBeLessThanOrEqual(3);
    expect(boats[0].event.boxes[0]?.label).toBe('boat');
    // A dark night sea is not a covered lens: nothing else is raised.
    expect(created(events).filter((e) => e.event.rule !== 'zone_enter')).toHaveLength(0);
  });
});
