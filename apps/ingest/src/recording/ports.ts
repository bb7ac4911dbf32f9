// What the clip service needs from the outside world; real implementations in evidence.repository.ts.
import type { ClipRequest, ClipResult, OfflineReason } from '@xl/contracts';
import type { ClipPlan, PlacedFile, RecordedSegment } from '@xl/media';

/** A camera's rolling recording (SegmentRecorder in @xl/media). */
export interface Recorder {
  segments(): RecordedSegment[];
  /** Wall-clock end of the newest closed segment. */
  readonly recordedUntil: number;
  /** How far behind real time the recording arrives now (0 when unknown): clips wait this much longer. */
  readonly delaySeconds: number;
  pin(key: string, fromMs: number): void;
  unpin(key: string): void;
  start(): Promise<void>;
  /** Resolves once the last segment is closed and in the ring. */
  stop(): Promise<void>;
}

/** A recorder that can give its RTSP session back to the camera for a while (analysis goes first). */
export interface PausableRecorder extends Recorder {
  /** Ends the current run and starts none until resume(); `because` is reported as the run's interruption. */
  pause(because: { reason: OfflineReason; detail: string }): Promise<void>;
  resume(): void;
  readonly isPaused: boolean;
}

export interface ClipRequestFeed {
  /** Calls `onRequest` for every request added from now on; resolves to a stop function. */
  follow(onRequest: (request: ClipRequest) => void): Promise<() => Promise<void>>;
  /** Requests added since `sinceMs`, oldest first. */
  since(sinceMs: number): Promise<ClipRequest[]>;
}

export interface ClipResultSink {
  publish(result: ClipResult): Promise<unknown>;
}

/** Writes evidence into the shared evidence directory (paths relative to it). */
export interface EvidenceWriter {
  clipPath(cameraId: string, alertId: string): string;
  snapshotPath(cameraId: string, alertId: string): string;
  exists(relativePath: string): Promise<boolean>;
  /** Id of the file at the path now (null: none), to compare with the one a cut placed. */
  placedId(relativePath: string): Promise<string | null>;
  /** Writes the clip aside and renames it into place (replacing any); resolves to its size and id. */
  cut(plan: ClipPlan, relativePath: string): Promise<PlacedFile>;
  /** Resolves to the JPEG's size in bytes. */
  snapshot(segment: RecordedSegment, atMs: number, relativePath: string): Promise<number>;
}

/** The per-camera recording directories under RECORDING_DIR. */
export interface RecordingDirs {
  /** Camera ids that have a directory. */
  cameras(): Promise<string[]>;
  /**
   * Deletes the camera's segments that ended before `beforeMs` (and leftovers of killed runs older
   * than that), then its directory if empty and `stillUnused()` says nobody took the camera meanwhile.
   */
  prune(cameraId: string, beforeMs: number, stillUnused: () => boolean): Promise<{ deleted: number; removed: boolean }>;
}
