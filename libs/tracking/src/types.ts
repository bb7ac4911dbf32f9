import type { Box, TrackedObject } from '@xl/contracts';

/** 'tracked': matched in this update; 'lost': not matched since `lastSeenAt`, kept for the lost buffer. */
export type TrackState = 'tracked' | 'lost';

/** A confirmed track as the tracker reports it after an update. */
export interface Track extends TrackedObject {
  state: TrackState;
  /** Epoch ms of the first detection of this track. */
  firstSeenAt: number;
  /** Box of that first detection. */
  firstBox: Box;
  /**
   * Epoch ms of the update that confirmed the track, its first report: its detections from
   * firstSeenAt until then (confirmHits − 1 of them) were never reported.
   */
  confirmedAt: number;
  /** Epoch ms of the last detection matched to it (high or low score). */
  lastSeenAt: number;
  /** Detections matched so far, the first included. */
  hits: number;
}

/** A track not confirmed yet (ByteTracker.tentativeTracks()): never in TrackerUpdate.tracks. */
export type TentativeTrack = Pick<Track, 'trackId' | 'box' | 'score' | 'classId' | 'label' | 'firstSeenAt' | 'hits'>;

export interface TrackerUpdate {
  /** Confirmed tracks, tracked and lost, by ascending trackId. `box` is the last matched detection's box. */
  tracks: Track[];
  /** Confirmed tracks removed in this update (lost for longer than the lost buffer). */
  removed: Track[];
}

export interface TrackerOptions {
  /** Detections at or above this score take part in the first association stage. */
  highScore: number;
  /** Detections below this score are dropped; [lowScore, highScore) only keep tracked tracks alive. */
  lowScore: number;
  /** Unmatched high detections at or above this score start a new tentative track. */
  newTrackScore: number;
  /**
   * Per detector label, the highScore and newTrackScore of that label's detections (each ≥ lowScore),
   * replacing both; labels not listed use them. The analyzer sets a watched label's to the lowest
   * minScore of the camera's rules for it when that is below highScore: a no-fishing rule at 0.2 must
   * see boats scoring 0.2–0.29 tracked, while person tracks on the same camera still need 0.3.
   */
  highScoreByLabel: Readonly<Record<string, number>>;
  /** Minimum IoU of a first-stage pair (confirmed tracks × high detections). */
  matchIou: number;
  /** Minimum IoU of a second-stage pair (still unmatched tracked tracks × low detections). */
  lowMatchIou: number;
  /** Minimum IoU of a tentative track with a remaining high detection. */
  tentativeMatchIou: number;
  /** Hits (matched detections) after which a tentative track is confirmed and reported. */
  confirmHits: number;
  /**
   * A confirmed track not matched for longer than this is removed. Seconds, independent of fps. Keep
   * it at least maxCountedGapSeconds (the analyzer does): one step counts up to that, so a shorter
   * buffer removes a track on a single missed frame of a slow camera.
   */
  lostBufferSeconds: number;
  /**
   * Of the time between two updates, at most this much counts towards a lost track's buffer (default
   * 1.5 s, 0.1..600). Frames that never came — dropped while the analyzer was busy, a camera
   * reconnecting, a Redis failover — are not evidence that the object went away: a person standing in
   * the water through a 4 s gap keeps their track (and their alert) instead of coming back as a new
   * one. Keep it above the camera's frame interval, or slow cameras keep lost tracks longer.
   */
  maxCountedGapSeconds: number;
}

/**
 * maxCountedGapSeconds for a camera analysed at `fps`: 1.5 s, or two frame intervals of a slower
 * camera (its regular steps must count in full). The rules count unseen time the same way.
 */
export function countedGapSeconds(fps: number): number {
  return Math.max(1.5, 2 / fps);
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  highScore: 0.3,
  lowScore: 0.1,
  newTrackScore: 0.3,
  highScoreByLabel: Object.freeze({}),
  matchIou: 0.2,
  lowMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  confirmHits: 2,
  lostBufferSeconds: 2,
  maxCountedGapSeconds: 1.5,
});

/** One track in the serialized state; everything needed to continue it elsewhere. */
export interface TrackJSON {
  id: number;
  classId: number;
  label: string;
  status: 'tentative' | TrackState;
  /** Kalman mean (8) and row-major covariance (64). */
  mean: number[];
  cov: number[];
  /** Epoch ms the Kalman state refers to. */
  stateAt: number;
  box: [number, number, number, number];
  score: number;
  firstSeenAt: number;
  /** Absent in states saved before it existed (then the track's box, exact for a tentative track of one hit). */
  firstBox?: [number, number, number, number];
  /** Null while tentative; absent in states saved before it existed. */
  confirmedAt?: number | null;
  lastSeenAt: number;
  hits: number;
  /** Counted time without a match since lastSeenAt (ms, see maxCountedGapSeconds); absent in older states. */
  unseenMs?: number;
}

/** Plain-JSON tracker state (the analyzer stores it in Redis per frame). */
export interface TrackerStateJSON {
  version: 1;
  options: TrackerOptions;
  nextId: number;
  /** Epoch ms of the last update, or null before the first. */
  lastUpdateAt: number | null;
  tracks: TrackJSON[];
}
