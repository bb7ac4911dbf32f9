/** Axis-aligned box [x0, y0, x1, y1] in normalized 0..1 frame coordinates (origin top-left). */
export type Box = [number, number, number, number];

export interface Detection {
  box: Box;
  score: number;
  classId: number;
  label: string;
}

/** A tracked object as the rules and alerts see it. */
export interface TrackedObject {
  trackId: number;
  box: Box;
  score: number;
  classId: number;
  label: string;
}
