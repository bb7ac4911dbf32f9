import type { Box, Detection } from '@xl/contracts';
import { ByteTracker } from './tracker';
import type { Track, TrackerUpdate } from './types';

const person = (box: Box, score = 0.8): Detection => ({ box, score, classId: 0, label: 'person' });
const boat = (box: Box, score = 0.8): Detection => ({ box, score, classId: 8, label: 'boat' });
/** A person box of width w and height h standing with its feet at (cx, footY). */
const standing = (cx: number, footY: number, w = 0.06, h = 0.3): Box => [cx - w / 2, footY - h, cx + w / 2, footY];

/** Deterministic noise for jitter (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = 1_700_000_000_000;
const byId = (u: TrackerUpdate, id: number): Track | undefined => u.tracks.find((t) => t.trackId === id);
const centerX = (t: Track) => (t.box[0] + t.box[2]) / 2;

describe('ByteTracker', () => {
  it('confirms a track after confirmHits hits and reports it with its first and last sighting', () => {
    const tracker = new ByteTracker();
    expect(tracker.update([person(standing(0.3, 0.8))], T0).tracks).toEqual([]);
    const u = tracker.update([person(standing(0.31, 0.8), 0.7)], T0 + 500);
    expect(u.tracks).toHaveLength(1);
    expect(u.tracks[0]).toMatchObject({ state: 'tracked', hits: 2, firstSeenAt: T0, confirmedAt: T0 + 500, lastSeenAt: T0 + 500, label: 'person', score: 0.7 });
    expect(u.tracks[0].box).toEqual(standing(0.31, 0.8));
    // The unreported first detection: where and when the track began (the rules count time from it).
    expect(u.tracks[0].firstBox).toEqual(standing(0.3, 0.8));
    expect(tracker.update([person(standing(0.32, 0.8))], T0 + 1000).tracks[0]).toMatchObject({ firstSeenAt: T0, confirmedAt: T0 + 500 });

    const slow = new ByteTracker({ confirmHits: 3 });
    slow.update([person(standing(0.3, 0.8))], T0);
    expect(slow.update([person(standing(0.3, 0.8))], T0 + 200).tracks).toEqual([]);
    expect(slow.update([person(standing(0.3, 0.8))], T0 + 400).tracks).toHaveLength(1);
    // A tentative track missed once dies silently (never reported as removed).
    const flicker = new ByteTracker();
    flicker.update([person(standing(0.3, 0.8))], T0);
    expect(flicker.update([], T0 + 500)).toEqual({ tracks: [], removed: [] });
    expect(flicker.size).toBe(0);
  });

  it('keeps both identities through two crossing paths', () => {
    const tracker = new ByteTracker();
    let idA = 0;
    let idB = 0;
    for (let k = 0; k <= 24; k++) {
      const t = T0 + k * 500;
      const xa = 0.2 + 0.025 * k; // → right
      const xb = 0.8 - 0.025 * k; // ← left, slightly nearer the camera
      const u = tracker.update([person(standing(xa, 0.7, 0.06, 0.3)), person(standing(xb, 0.74, 0.07, 0.34))], t);
      if (k < 1) continue;
      expect(u.tracks).toHaveLength(2);
      const a = u.tracks.find((tr) => Math.abs(centerX(tr) - xa) < 1e-9 && tr.box[3] === 0.7);
      const b = u.tracks.find((tr) => Math.abs(centerX(tr) - xb) < 1e-9 && tr.box[3] === 0.74);
      expect(a && b).toBeTruthy();
      if (k === 1) [idA, idB] = [a!.trackId, b!.trackId];
      expect([a!.trackId, b!.trackId]).toEqual([idA, idB]);
    }
  });

  it('keeps both identities when one person is hidden behind the other while crossing', () => {
    const tracker = new ByteTracker();
    const ids = new Map<string, number>();
    for (let k = 0; k <= 24; k++) {
      const xa = 0.2 + 0.025 * k;
      const xb = 0.8 - 0.025 * k;
      const dets = [person(standing(xa, 0.7, 0.06, 0.3))];
      const hidden = k >= 11 && k <= 13; // B walks behind A around x = 0.5
      if (!hidden) dets.push(person(standing(xb, 0.66, 0.05, 0.25)));
      const u = tracker.update(dets, T0 + k * 500);
      for (const tr of u.tracks) {
        if (tr.state !== 'tracked') continue;
        const who = tr.box[3] === 0.7 ? 'A' : 'B';
        if (!ids.has(who)) ids.set(who, tr.trackId);
        expect(tr.trackId).toBe(ids.get(who));
      }
      if (hidden) expect(u.tracks.find((tr) => tr.trackId === ids.get('B'))?.state).toBe('lost');
    }
    expect(ids.size).toBe(2);
  });

  it('gives a high detection to the track seen in the last frame before a lost one (cascade): a bystander does not take a swimmer\'s track', () => {
    // Child A stands in the water (foot 0.55, waterline 0.53), adult B on the bank (foot 0.52).
    const A: Box = [0.4, 0.45, 0.45, 0.55];
    const B: Box = [0.4, 0.35, 0.45, 0.52];
    const crouched: Box = [0.4, 0.43, 0.45, 0.52]; // B crouching at the edge, foot still on the bank
    const tracker = new ByteTracker();
    let u: TrackerUpdate | undefined;
    for (let t = T0; t <= T0 + 1500; t += 500) u = tracker.update([person(A), person(B)], t);
    const [idA, idB] = [u!.tracks.find((k) => k.box[3] === 0.55)!.trackId, u!.tracks.find((k) => k.box[3] === 0.52)!.trackId];
    u = tracker.update([person(B)], T0 + 2000); // A goes under
    expect(byId(u, idA)?.state).toBe('lost');
    // B crouches over the spot: IoU 0.58 with A's last box, 0.53 with B's own. One solve over tracked
    // and lost tracks gave it to A, whose sightings then lay on the bank ("left the water").
    for (let t = T0 + 2500; t <= T0 + 3000; t += 500) {
      u = tracker.update([person(crouched)], t);
      expect(byId(u, idB)).toMatchObject({ state: 'tracked', box: crouched });
      expect(byId(u, idA)).toMatchObject({ state: 'lost', box: A, lastSeenAt: T0 + 1500 });
    }
    // A lost track still takes a detection nobody seen claims: the swimmer coming up again.
    u = tracker.update([person(crouched), person(A)], T0 + 3500);
    expect(byId(u, idA)).toMatchObject({ state: 'tracked', box: A });
    expect(byId(u, idB)).toMatchObject({ state: 'tracked', box: crouched });
  });

  it("starts and keeps tracks of a label from that label's own high score (highScoreByLabel)", () => {
    const tracker = new ByteTracker({ highScoreByLabel: { boat: 0.2 } });
    const hull: Box = [0.6, 0.3, 0.7, 0.36];
    tracker.update([boat(hull, 0.25), person(standing(0.3, 0.8), 0.25)], T0);
    let u = tracker.update([boat(hull, 0.22), person(standing(0.3, 0.8), 0.25)], T0 + 500);
    // The boat at 0.22–0.25 is tracked; the person at 0.25 is not (0.3 still holds for persons).
    expect(u.tracks.map((k) => [k.label, k.state])).toEqual([['boat', 'tracked']]);
    // Lost, a 0.21 boat revives it: it is a first-stage detection for boats.
    const id = u.tracks[0].trackId;
    expect(byId(tracker.update([], T0 + 1000), id)?.state).toBe('lost');
    u = tracker.update([boat(hull, 0.21)], T0 + 1500);
    expect(byId(u, id)?.state).toBe('tracked');
    // The thresholds travel with the state.
    const restored = ByteTracker.fromJSON(JSON.parse(JSON.stringify(tracker.toJSON())));
    expect(restored.options.highScoreByLabel).toEqual({ boat: 0.2 });
    expect(() => new ByteTracker({ highScoreByLabel: { boat: 0.05 } })).toThrow("tracker option highScoreByLabel['boat'] = 0.05 must be in lowScore 0.1..1");
  });

  it('lists the tentative tracks of the last update (not reported until confirmed)', () => {
    const tracker = new ByteTracker();
    const u = tracker.update([person(standing(0.3, 0.8), 0.6)], T0);
    expect(u.tracks).toEqual([]);
    expect(tracker.tentativeTracks()).toEqual([{ trackId: 1, box: standing(0.3, 0.8), score: 0.6, classId: 0, label: 'person', firstSeenAt: T0, hits: 1 }]);
    tracker.update([person(standing(0.3, 0.8), 0.6)], T0 + 500);
    expect(tracker.tentativeTracks()).toEqual([]); // confirmed now
  });

  it('keeps the id through a short occlusion and reports the track as lost meanwhile', () => {
    const tracker = new ByteTracker();
    let id = 0;
    for (let k = 0; k <= 20; k++) {
      const t = T0 + k * 500;
      const occluded = k >= 8 && k <= 10; // 1.5 s without detections (< 2 s lost buffer)
      const u = tracker.update(occluded ? [] : [person(standing(0.2 + 0.02 * k, 0.8))], t);
      if (k === 1) id = u.tracks[0].trackId;
      if (k >= 1) {
        expect(u.tracks).toHaveLength(1);
        expect(u.tracks[0].trackId).toBe(id);
        expect(u.tracks[0].state).toBe(occluded ? 'lost' : 'tracked');
        expect(u.removed).toEqual([]);
      }
      if (occluded) expect(u.tracks[0].lastSeenAt).toBe(T0 + 7 * 500);
    }
  });

  it('removes a track after the lost buffer (in seconds, at any fps) and gives a returning object a new id', () => {
    for (const fps of [2, 5]) {
      const step = 1000 / fps;
      const tracker = new ByteTracker({ lostBufferSeconds: 2 });
      let t = T0;
      let u = tracker.update([person(standing(0.5, 0.8))], t);
      u = tracker.update([person(standing(0.5, 0.8))], (t += step));
      const id = u.tracks[0].trackId;
      const lastSeen = t;
      let removedAt = 0;
      while (t < lastSeen + 3000) {
        u = tracker.update([], (t += step));
        if (u.removed.length) {
          expect(u.removed[0]).toMatchObject({ trackId: id, state: 'lost', lastSeenAt: lastSeen });
          removedAt = t;
          break;
        }
        expect(byId(u, id)?.state).toBe('lost');
      }
      // Removed on the first frame more than 2 s after the last sighting, whatever the frame rate.
      expect(removedAt - lastSeen).toBeGreaterThan(2000);
      expect(removedAt - lastSeen).toBeLessThanOrEqual(2000 + step);
      tracker.update([person(standing(0.5, 0.8))], (t += step));
      u = tracker.update([person(standing(0.5, 0.8))], (t += step));
      expect(u.tracks).toHaveLength(1);
      expect(u.tracks[0].trackId).not.toBe(id);
    }
  });

  it('does not carry a jitter-born velocity across a long gap without frames: a small person standing still keeps their track', () => {
    // A child's box (0.04 wide), its centre jittering by a few pixels as detections do, then 10 s
    // without frames: predicted over the whole gap the drift walked the box off the child.
    const tracker = new ByteTracker({ lostBufferSeconds: 2, maxCountedGapSeconds: 1.5 });
    let t = T0;
    let u = tracker.update([person(standing(0.5, 0.8, 0.04, 0.12))], t);
    for (let k = 1; k <= 6; k++) u = tracker.update([person(standing(0.5 + 0.003 * k, 0.8, 0.04, 0.12))], (t += 500));
    const id = u.tracks[0].trackId;
    u = tracker.update([person(standing(0.518, 0.8, 0.04, 0.12))], (t += 10_000));
    expect(u.tracks.map((k) => [k.trackId, k.state])).toEqual([[id, 'tracked']]);
  });

  it('does not count frames that never came as time unseen: a 4 s gap keeps the track, its id and its age', () => {
    const tracker = new ByteTracker({ lostBufferSeconds: 2, maxCountedGapSeconds: 1.5 });
    let t = T0;
    let u = tracker.update([person(standing(0.5, 0.8))], t);
    u = tracker.update([person(standing(0.5, 0.8))], (t += 500));
    const id = u.tracks[0].trackId;
    // No frames for 4 s (a Redis failover), then the person is still there.
    u = tracker.update([person(standing(0.505, 0.8))], (t += 4000));
    expect(u.removed).toEqual([]);
    expect(u.tracks.map((k) => [k.trackId, k.state])).toEqual([[id, 'tracked']]);
    // The same gap, and the person really gone: lost (1.5 s counted), removed once 2 s were observed.
    u = tracker.update([], (t += 4000));
    expect(u.tracks.map((k) => [k.trackId, k.state])).toEqual([[id, 'lost']]);
    u = tracker.update([], (t += 500));
    expect(byId(u, id)?.state).toBe('lost');
    u = tracker.update([], (t += 500));
    expect(u.removed.map((k) => k.trackId)).toEqual([id]);
  });

  it('continues a state saved before gaps were capped as if every step had counted', () => {
    const tracker = new ByteTracker({ lostBufferSeconds: 2 });
    tracker.update([person(standing(0.5, 0.8))], T0);
    tracker.update([person(standing(0.5, 0.8))], T0 + 500);
    tracker.update([], T0 + 1000);
    const old = tracker.toJSON();
    for (const k of old.tracks) delete k.unseenMs;
    const restored = ByteTracker.fromJSON(JSON.parse(JSON.stringify(old)));
    // 500 ms unseen before the save + 1000 + 600 now > 2 s: removed, as the old rule would have.
    expect(restored.update([], T0 + 2000).removed).toHaveLength(0);
    expect(restored.update([], T0 + 2600).removed).toHaveLength(1);
  });

  it('reads states saved before firstBox and confirmedAt existed', () => {
    const tracker = new ByteTracker();
    tracker.update([person(standing(0.5, 0.8)), person(standing(0.2, 0.8))], T0);
    tracker.update([person(standing(0.2, 0.8))], T0 + 500); // the second is confirmed, the first dies
    tracker.update([person(standing(0.2, 0.8)), person(standing(0.7, 0.8))], T0 + 1000); // a new tentative one
    const old = tracker.toJSON();
    for (const k of old.tracks) {
      delete k.firstBox;
      delete k.confirmedAt;
    }
    const restored = ByteTracker.fromJSON(JSON.parse(JSON.stringify(old)));
    const tracks = restored.update([person(standing(0.2, 0.8)), person(standing(0.7, 0.8))], T0 + 1500).tracks;
    // Confirmed before the save: no confirmation time known, the first sighting stands in. Tentative then: exact.
    expect(tracks.map((t) => [t.firstSeenAt, t.confirmedAt, t.firstBox])).toEqual([
      [T0, T0, standing(0.2, 0.8)],
      [T0 + 1000, T0 + 1500, standing(0.7, 0.8)],
    ]);
  });

  it('keeps a track alive on low-score detections (second stage) but never starts one from them', () => {
    const tracker = new ByteTracker();
    let u = tracker.update([person(standing(0.4, 0.6), 0.8)], T0);
    u = tracker.update([person(standing(0.4, 0.6), 0.75)], T0 + 500);
    const id = u.tracks[0].trackId;
    // Half submerged: scores 0.12–0.25 for 4 s, longer than the lost buffer.
    for (let k = 2; k <= 10; k++) {
      u = tracker.update([person(standing(0.4, 0.6), 0.12 + 0.01 * k)], T0 + k * 500);
      expect(u.tracks).toHaveLength(1);
      expect(u.tracks[0]).toMatchObject({ trackId: id, state: 'tracked', lastSeenAt: T0 + k * 500 });
    }
    expect(u.tracks[0].score).toBeCloseTo(0.22);
    // Below lowScore a detection is ignored altogether.
    u = tracker.update([person(standing(0.4, 0.6), 0.05)], T0 + 5500);
    expect(u.tracks[0].state).toBe('lost');

    const fresh = new ByteTracker();
    for (let k = 0; k < 6; k++) expect(fresh.update([person(standing(0.4, 0.6), 0.2)], T0 + k * 500).tracks).toEqual([]);
    expect(fresh.size).toBe(0);
  });

  it('does not revive a lost track from a low-score detection', () => {
    const tracker = new ByteTracker();
    tracker.update([person(standing(0.4, 0.6))], T0);
    tracker.update([person(standing(0.4, 0.6))], T0 + 500);
    expect(tracker.update([], T0 + 1000).tracks[0].state).toBe('lost');
    expect(tracker.update([person(standing(0.4, 0.6), 0.2)], T0 + 1500).tracks[0].state).toBe('lost');
    expect(tracker.update([person(standing(0.4, 0.6), 0.6)], T0 + 2000).tracks[0].state).toBe('tracked');
  });

  it('does not swap two people walking side by side', () => {
    const noise = rng(42);
    const tracker = new ByteTracker();
    const ids: number[] = [];
    let t = T0;
    for (let k = 0; k < 60; k++) {
      t += 200 + Math.round(noise() * 300); // 2–5 fps
      const y = 0.4 + 0.004 * k;
      const jitter = () => (noise() - 0.5) * 0.01;
      const left = person(standing(0.40 + jitter(), y + jitter(), 0.07, 0.3), 0.5 + noise() * 0.4);
      const right = person(standing(0.48 + jitter(), y + jitter(), 0.07, 0.3), 0.5 + noise() * 0.4);
      const u = tracker.update(noise() < 0.5 ? [left, right] : [right, left], t);
      if (u.tracks.length < 2) continue;
      const sorted = [...u.tracks].sort((a, b) => centerX(a) - centerX(b));
      if (!ids.length) ids.push(sorted[0].trackId, sorted[1].trackId);
      expect(sorted.map((tr) => tr.trackId)).toEqual(ids);
    }
    expect(ids).toHaveLength(2);
  });

  it('never continues a person track with a boat detection', () => {
    const tracker = new ByteTracker();
    const box: Box = [0.4, 0.4, 0.5, 0.6];
    tracker.update([person(box)], T0);
    const p = tracker.update([person(box)], T0 + 500).tracks[0];
    tracker.update([boat(box)], T0 + 1000);
    const u = tracker.update([boat(box)], T0 + 1500);
    const b = u.tracks.find((tr) => tr.label === 'boat');
    expect(b).toBeDefined();
    expect(b!.trackId).not.toBe(p.trackId);
    expect(byId(u, p.trackId)).toMatchObject({ state: 'lost', label: 'person' });
  });

  it('continues identically after a JSON round trip of its state', () => {
    const noise = rng(3);
    const frames: Array<{ t: number; dets: Detection[] }> = [];
    let t = T0;
    for (let k = 0; k < 40; k++) {
      t += 200 + Math.round(noise() * 300);
      const dets: Detection[] = [];
      for (let p = 0; p < 4; p++) {
        if (noise() < 0.15) continue; // missed detections
        const x = 0.15 + 0.2 * p + 0.004 * k * (p % 2 ? 1 : -1);
        dets.push(person(standing(x + (noise() - 0.5) * 0.01, 0.5 + 0.05 * p), 0.15 + noise() * 0.8));
      }
      if (k > 10 && k < 30) dets.push(boat([0.7 - 0.005 * k, 0.3, 0.9 - 0.005 * k, 0.4], 0.5));
      frames.push({ t, dets });
    }
    const original = new ByteTracker({ confirmHits: 2, lostBufferSeconds: 1.5 });
    const cut = 17;
    for (const f of frames.slice(0, cut)) original.update(f.dets, f.t);
    const saved = JSON.stringify(original.toJSON());
    const restored = ByteTracker.fromJSON(JSON.parse(saved));
    expect(restored.options).toEqual(original.options);
    for (const f of frames.slice(cut)) expect(restored.update(f.dets, f.t)).toEqual(original.update(f.dets, f.t));
    expect(restored.toJSON()).toEqual(original.toJSON());
    expect(original.toJSON().nextId).toBeGreaterThan(4);
  });

  it('rejects frames from the past, bad options and foreign state', () => {
    expect(() => new ByteTracker({ maxCountedGapSeconds: 0 })).toThrow(/maxCountedGapSeconds = 0 must be in 0.1..600/);
    const tracker = new ByteTracker();
    tracker.update([], T0);
    expect(() => tracker.update([], T0 - 1)).toThrow(/older than the previous/);
    expect(() => new ByteTracker({ confirmHits: 0 })).toThrow(/confirmHits/);
    expect(() => new ByteTracker({ lowScore: 0.6, highScore: 0.5 })).toThrow(/lowScore/);
    expect(() => ByteTracker.fromJSON({ version: 2 } as never)).toThrow(/version/);
    // Degenerate boxes are ignored rather than poisoning the filter.
    expect(() => tracker.update([person([0.5, 0.5, 0.5, 0.9]), person([NaN, 0, 1, 1])], T0 + 100)).not.toThrow();
    expect(tracker.size).toBe(0);
  });
});
