// Drowning and its false-alarm twin, on the main (720p) and sub (360p) streams.
import type { Detector } from '@xl/detection';
import { created, describeEvents, replayScenario, scenarioDetector } from './scenario-kit';

let detector: Detector;
beforeAll(async () => {
  detector = await scenarioDetector();
});
afterAll(() => detector?.close());

describe.each(['drowning', 'drowning_sub'])('replay %s', (name) => {
  it('raises zone_enter for the wading person, then vanish_in_water on the same track, and nothing for the person on the sand', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    const info = describeEvents(events);
    const enters = created(events, 'zone_enter');
    const vanishes = created(events, 'vanish_in_water');
    expect({ enters: enters.length, info }).toEqual({ enters: 1, info });
    expect(enters[0].event.zoneId).toBe('water');
    expect(enters[0].t).toBeGreaterThanOrEqual(8.12);
    expect(enters[0].t).toBeLessThanOrEqual(9.12);
    expect({ vanishes: vanishes.length, info }).toEqual({ vanishes: 1, info });
    expect(vanishes[0].t).toBeGreaterThanOrEqual(14.0);
    expect(vanishes[0].t).toBeLessThanOrEqual(19.0);
    expect(vanishes[0].event.trackId).toBe(enters[0].event.trackId);
    expect(vanishes[0].event.severity).toBe('critical');
    expect(vanishes[0].event.relatedAlertId).toBe(enters[0].event.alertId);
    // Person B never enters; no health alarm on a healthy picture.
    const others = created(events).filter((e) => e.event.rule !== 'zone_enter' && e.event.rule !== 'vanish_in_water');
    expect({ others: others.length, info }).toEqual({ others: 0, info });
  });
});

describe.each(['safe-waterside', 'safe-waterside_sub'])('replay %s', (name) => {
  it('raises nothing for people who stay on the bank', async () => {
    const events = await replayScenario(name, detector);
    if (!events) return console.warn(`skipped: ${name} not in ../shared`);
    expect(describeEvents(created(events))).toBe('');
  });
});
