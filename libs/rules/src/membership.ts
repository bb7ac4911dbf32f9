// Zone membership with inertia: an object counts as inside after `inertia` consecutive observations
// with its anchor inside, and as outside again after `inertia` consecutive observations outside.
// Frames where the track is lost are not observations (they neither advance nor break a streak).
// An observation that fails the rule's filters (score, box height) but lies inside breaks an entering
// streak and does not count towards leaving; one outside counts as outside.

/** An observation: anchor inside (true), outside (false), or inside but not trusted (null). */
export type Sighting = boolean | null;

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

  constructor(private readonly inertia: number) {}

  /** Feeds one observation; says whether the track just entered or left. */
  observe(trackId: number, t: number, sighting: Sighting): 'entered' | 'left' | null {
    let s = this.members.get(trackId);
    if (!s) {
      if (sighting !== true) return null;
      s = { inside: false, run: 0, runStart: t, since: t };
      this.members.set(trackId, s);
    }
    if (!s.inside) {
      if (sighting !== true) {
        this.members.delete(trackId);
        return null;
      }
      if (s.run === 0) s.runStart = t;
      if (++s.run < this.inertia) return null;
      s.inside = true;
      s.since = s.runStart;
      s.run = 0;
      return 'entered';
    }
    if (sighting === true) s.run = 0;
    else if (sighting === false) {
      if (s.run === 0) s.runStart = t;
      if (++s.run >= this.inertia) {
        this.members.delete(trackId);
        return 'left';
      }
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
}
