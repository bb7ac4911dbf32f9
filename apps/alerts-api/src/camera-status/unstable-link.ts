// A link that drops again and again, each drop shorter than the offline threshold and each return
// long enough to count as recovered (dark 40 s, up 45 s), is blind nearly half the time and never
// raised camera_offline. Each camera's status row keeps its recent drops (a bounded list, cut to the
// window at every return), and a return works out how much of the window was dark.

/** One drop of a camera's link: dark from `start` to `end` (epoch ms). */
export type Drop = readonly [start: number, end: number];

/**
 * Drops kept per camera at most, the newest. A link that counts as recovered between drops is up at
 * least CAMERA_STABLE_SECONDS (30 s) each time, so a 10-minute window holds at most 20 of them; a
 * shorter return continues the outage instead, which the offline threshold raises.
 */
export const MAX_RECENT_DROPS = 64;

/** Drops within the window at least for a link to be unstable: one drop under the offline threshold is no news. */
export const UNSTABLE_MIN_DROPS = 2;

/** CAMERA_UNSTABLE_WINDOW_SECONDS and CAMERA_UNSTABLE_PERCENT; a window of 0 turns the check off. */
export interface UnstableBound {
  windowMs: number;
  percent: number;
}

/** How dark a camera was in the window ending at `at`. */
export interface DarkShare {
  /** Dark time inside the window. */
  darkMs: number;
  /** Drops that overlap the window. */
  drops: number;
  windowMs: number;
}

/**
 * `drops` with `drop` (just ended) added, less those that ended a whole window or more before it, the
 * newest MAX_RECENT_DROPS at most. A window of 0 keeps nothing.
 */
export function withDrop(drops: readonly Drop[], drop: Drop, windowMs: number): Drop[] {
  const from = drop[1] - windowMs;
  return [...drops, drop].filter(([, end]) => end > from).slice(-MAX_RECENT_DROPS);
}

/**
 * The dark time and drops in the `windowMs` ending at `at`; `darkSince`: the start of a drop still
 * going (the camera offline now), counted up to `at`.
 */
export function darkShare(drops: readonly Drop[], at: number, windowMs: number, darkSince: number | null = null): DarkShare {
  const from = at - windowMs;
  let darkMs = 0;
  let count = 0;
  for (const [start, end] of darkSince === null ? drops : [...drops, [darkSince, at] as const]) {
    const overlap = Math.min(end, at) - Math.max(start, from);
    if (overlap <= 0) continue;
    darkMs += overlap;
    count++;
  }
  return { darkMs, drops: count, windowMs };
}

/** Whether the share reaches the bound: dark at least `percent` of the window, in two drops or more. */
export function isUnstable(share: DarkShare, bound: UnstableBound): boolean {
  return bound.windowMs > 0 && share.drops >= UNSTABLE_MIN_DROPS && share.darkMs * 100 >= bound.percent * bound.windowMs;
}
