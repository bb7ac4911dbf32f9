// Zone membership with inertia: an object counts as inside once it has been observed inside
// `inertia` times in a row over at least `inertiaMs` (first to last observation of the run), and as
// outside again after the same of observations outside. The time span makes the filter independent of
// the frame rate: at 4 fps two frames are 0.25 s, as long as a person hidden behind another, their
// lower body cut off, can stand "in" a zone drawn beside them.
// Frames where the track is lost are not observations (they neither advance nor break a streak).
// An observation that fails the rule's filters (score, box height) but lies inside ('weak') breaks an
// entering streak and a leaving one alike, as vanish counts it: outside, weak inside, outside is not
// two observations outside in a row. One whose anchor is not measurable (cut by the frame edge) says
// nothing either way ('unknown').

/**
 * An observation: anchor inside and trusted, inside but failing the rule's filters, outside, or not
 * measurable.
 */
export type Sighting = 'inside' | 'weak' | 'outside' | 'unknown';

interface MemberState {
  inside: boolean;
  /** Consecutive observations against the current status. */
  run: number;
  /** Time of the first observation of that run. */
  runStart: number;
  /** Since when the track counts as inside (first observation of the entering run). */
  since: number;
}

export type MembershipJSON = Array<[number, MemberState]>;

export class ZoneMembership {
  private members = new Map<number, MemberState>();

  /**
   * @param inertia observations in a row needed to change status (1 = none)
   * @param inertiaMs time those observations must span, first to last (0 = no time condition)
   */
  constructor(
    private readonly inertia: number,
    private readonly inertiaMs = 0,
  ) {}

  /** Feeds one observation; says whether the track just entered or left. */
  observe(trackId: number, t: number, sighting: Sighting): 'entered' | 'left' | null {
    let s = this.members.get(trackId);
    if (!s) {
      if (sighting !== 'inside') return null;
      s = { inside: false, run: 0, runStart: t, since: t };
      this.members.set(trackId, s);
    }
    if (!s.inside) {
      if (sighting !== 'inside') {
        this.members.delete(trackId);
        return null;
      }
      if (!this.advance(s, t)) return null;
      s.inside = true;
      s.since = s.runStart;
      s.run = 0;
      return 'entered';
    }
    if (sighting === 'inside' || sighting === 'weak') s.run = 0;
    else if (sighting === 'outside' && this.advance(s, t)) {
      this.members.delete(trackId);
      return 'left';
    }
    return null;
  }

  /** Since when the track counts as inside, or null when it does not. */
  insideSince(trackId: number): number | null {
    const s = this.members.get(trackId);
    return s?.inside ? s.since : null;
  }

  /** Tracks that count as inside. */
  insideIds(): number[] {
    return [...this.members].filter(([, s]) => s.inside).map(([id]) => id);
  }

  /** Drops tracks the tracker no longer reports (state restored out of step): memory stays bounded. */
  retain(present: ReadonlySet<number>): void {
    for (const id of this.members.keys()) if (!present.has(id)) this.members.delete(id);
  }

  toJSON(): MembershipJSON {
    return [...this.members].map(([id, s]) => [id, { ...s }]);
  }

  load(json: MembershipJSON): void {
    this.members = new Map(json.map(([id, s]) => [id, { ...s }]));
  }

  /** Adds an observation to the run against the current status; true once the run is long enough. */
  private advance(s: MemberState, t: number): boolean {
    return extendRun(s, t, this.inertia, this.inertiaMs);
  }
}

/** Consecutive observations against a status (`run` 0: none yet) and the time of the first. */
export interface ObservationRun {
  run: number;
  runStart: number;
}

/** Adds an observation at `t` to `s`; true once it holds `inertia` observations spanning `inertiaMs`. */
export function extendRun(s: ObservationRun, t: number, inertia: number, inertiaMs: number): boolean {
  if (s.run === 0) s.runStart = t;
  s.run++;
  return s.run >= inertia && t - s.runStart >= inertiaMs;
}
