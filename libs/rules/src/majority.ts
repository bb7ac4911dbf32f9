// A condition judged over a sliding time window, for the crowd rule: active once it has held for at
// least `share` of the last `onMs` (and holds in the current frame), inactive again once it has failed
// for that share of the last `offMs` — reaching back at least to the previous frame, so that a short
// offMs still needs two frames — and fails in the current frame. Each frame's
// verdict lasts until the next frame, so uneven frame rates weigh by time, not by frame count. The
// window must be covered: a frame at or before its start must exist. A frame's verdict lasts at most
// the caller's `capMs` (the engine's gap cap): the rest of a longer gap — frames that never came, a
// reconnect, a Redis failover — is unobserved, neither held nor failed, and a window reaching into it
// is not covered. Before 2026-12-03 one crowded frame on each side of a 30 s gap made a crowd "held for 2 s".
// Unlike a streak that tolerates one odd frame, misses anywhere in the window count and so do
// spurious hits: a person hidden for two frames does not restart it, two lucky frames do not carry it.

/** Segments kept at most; beyond, the two oldest merge (their held time is kept exactly). */
const MAX_SEGMENTS = 256;
/** Share of a segment that nobody observed (a gap beyond the cap). */
const UNOBSERVED = -1;

export interface MajorityJSON {
  active: boolean;
  /** Start of the held time that made the condition active; null while inactive. */
  since: number | null;
  /** Time of the previous frame (the current one while sampling), null before any. */
  lastAt: number | null;
  /** [start, share]: from `start` until the next segment (or now) the condition held for `share` (0–1) of the time, or -1: unobserved. */
  segments: Array<[number, number]>;
}

export class MajorityWindow {
  private s: MajorityJSON = { active: false, since: null, lastAt: null, segments: [] };

  constructor(
    private readonly onMs: number,
    private readonly offMs: number,
    private readonly share: number,
  ) {}

  get active(): boolean {
    return this.s.active;
  }

  /** Start of the held time that made the condition active (a frame time). */
  get since(): number | null {
    return this.s.since;
  }

  /** True while the condition is active or has held within the last `onMs`. */
  get busy(): boolean {
    return this.s.active || this.s.segments.some(([, share]) => share > 0);
  }

  /** `capMs`: the longest a frame's verdict lasts (the engine's gap cap); beyond it, a gap is unobserved. */
  sample(t: number, holds: boolean, capMs = Infinity): 'start' | 'end' | null {
    const s = this.s;
    const previousAt = s.lastAt;
    if (previousAt !== null && t - previousAt > capMs) this.push(previousAt + capMs, UNOBSERVED);
    this.push(t, holds ? 1 : 0);
    s.lastAt = t;
    if (!s.active) {
      if (!holds) return null;
      const w = this.window(t, this.onMs);
      if (!w || w.held < this.share * w.length) return null;
      s.active = true;
      s.since = w.firstHeldAt;
      return 'start';
    }
    // The window reaches back to the previous frame at least: however short offMs, one frame is not enough.
    if (holds || previousAt === null) return null;
    const w = this.window(t, Math.max(this.offMs, t - previousAt));
    if (!w || w.length - w.held < this.share * w.length) return null;
    this.s = { active: false, since: null, lastAt: t, segments: [[t, 0]] };
    return 'end';
  }

  toJSON(): MajorityJSON {
    return { ...this.s, segments: this.s.segments.map(([t, share]) => [t, share]) };
  }

  load(json: MajorityJSON): void {
    this.s = { ...json, segments: json.segments.map(([t, share]) => [t, share]) };
  }

  /** Held time and length of the window [t − ms, t], or null when no frame covers its start or part of it is unobserved. */
  private window(t: number, ms: number): { held: number; length: number; firstHeldAt: number | null } | null {
    const seg = this.s.segments;
    const from = t - ms;
    if (!seg.length || seg[0][0] > from) return null;
    // A window of no length is the current frame's verdict.
    if (ms <= 0) {
      const share = seg[seg.length - 1][1];
      return { held: share, length: 1, firstHeldAt: share > 0 ? seg[seg.length - 1][0] : null };
    }
    let held = 0;
    let firstHeldAt: number | null = null;
    for (let i = 0; i < seg.length; i++) {
      const end = i + 1 < seg.length ? seg[i + 1][0] : t;
      const overlap = Math.min(end, t) - Math.max(seg[i][0], from);
      if (overlap <= 0) continue;
      if (seg[i][1] === UNOBSERVED) return null;
      held += overlap * seg[i][1];
      if (firstHeldAt === null && seg[i][1] > 0) firstHeldAt = seg[i][0];
    }
    // The current frame held: without earlier held time it is where the held time starts.
    if (firstHeldAt === null && seg[seg.length - 1][1] > 0) firstHeldAt = seg[seg.length - 1][0];
    return { held, length: ms, firstHeldAt };
  }

  /** Adds the verdict of the frame at t; drops what no window can reach and bounds the list. */
  private push(t: number, share: number): void {
    const seg = this.s.segments;
    const last = seg[seg.length - 1];
    if (!last || last[1] !== share) seg.push([t, share]);
    const keepFrom = t - Math.max(this.onMs, this.offMs, this.s.lastAt === null ? 0 : t - this.s.lastAt);
    let drop = 0;
    while (drop + 1 < seg.length && seg[drop + 1][0] <= keepFrom) drop++;
    if (drop) seg.splice(0, drop);
    while (seg.length > MAX_SEGMENTS) {
      const [[t0, s0], [t1, s1], [t2]] = seg;
      // Partly unobserved stays unobserved: at worst a window waits for it to drop out.
      const merged = s0 === UNOBSERVED || s1 === UNOBSERVED ? UNOBSERVED : (s0 * (t1 - t0) + s1 * (t2 - t1)) / (t2 - t0);
      seg.splice(0, 2, [t0, merged]);
    }
  }
}
