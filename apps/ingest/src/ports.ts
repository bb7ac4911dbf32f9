// What the ingest services need from the outside world. Real implementations live in repositories/
// (Redis, ffmpeg, files); unit tests pass fakes.
import type { CameraConfig } from '@xl/config';
import type { CameraStatusEvent, FrameJob } from '@xl/contracts';
import type { CameraReaderEvents } from '@xl/media';

type Handler<K extends keyof CameraReaderEvents> = (...args: CameraReaderEvents[K]) => void;

/** Callbacks of a camera's frame source (the events of CameraReader). */
export interface FrameSourceHandlers {
  frame: Handler<'frame'>;
  online: Handler<'online'>;
  offline: Handler<'offline'>;
  recovered: Handler<'recovered'>;
  restart: Handler<'restart'>;
  /** How far behind real time the stream arrives (every few seconds while frames flow). */
  delay?: Handler<'delay'>;
}

/** A running frame source (one supervised ffmpeg). */
export interface FrameSource {
  start(): void;
  stop(): Promise<void>;
}

export type FrameSourceFactory = (camera: CameraConfig, handlers: FrameSourceHandlers) => FrameSource;

export type PublishResult = 'published' | 'dropped_inflight';

export interface FramePublisher {
  /**
   * Takes the camera's in-flight gate, stores the bytes with a TTL and queues the job (key filled
   * in). 'dropped_inflight' when another frame of the camera holds the gate.
   */
  publish(job: Omit<FrameJob, 'key'>, data: Uint8Array): Promise<PublishResult>;
  /** The analyzer marked the camera hot (it has live tracks). */
  isHot(cameraId: string): Promise<boolean>;
}

/** The frames queue's wait list, as the backlog sweeper sees it (FramesQueue in @xl/queue). */
export interface FrameBacklog {
  /** Removes waiting jobs whose frame was captured more than `maxAgeMs` ago; resolves to how many. */
  removeWaitingOlderThan(maxAgeMs: number): Promise<number>;
}

/** Where ingest says that a camera's stream arrives late (StreamDelayMarks in @xl/queue), for the console. */
export interface StreamDelayReporter {
  mark(cameraId: string, mark: { seconds: number; at: number }): Promise<void>;
}

/** The camera status stream (repositories/status-publisher.repository.ts). */
export interface StatusPublisher {
  /** Appends one camera's events in order, all or none. */
  publish(events: CameraStatusEvent[]): Promise<unknown>;
}

/** Where a camera pipeline reports status events (StatusOutbox: in order, kept through a Redis outage). */
export interface StatusReporter {
  report(event: CameraStatusEvent): void;
}

/** A lease command that failed for one camera (a timeout, a cluster shard failing over). */
export interface LeaseFailure {
  cameraId: string;
  error: Error;
}

/**
 * Camera leases shared by the ingest workers (CameraLeases in @xl/queue): an outcome per camera,
 * never a rejection for the batch, so one failed command costs only its own camera.
 */
export interface Leases {
  /** Records this worker as alive; returns the number of live workers. */
  heartbeat(): Promise<number>;
  /** Claims up to `max` candidates; a lease already this worker's (a resent claim) counts as claimed. */
  claim(candidates: string[], max: number): Promise<{ claimed: string[]; failed: LeaseFailure[] }>;
  /** `renewed` got a full TTL from no earlier than the call; `lost` are another's; `failed` are unknown. */
  renew(cameraIds: string[]): Promise<{ renewed: string[]; lost: string[]; failed: LeaseFailure[] }>;
  release(cameraIds: string[]): Promise<{ failed: LeaseFailure[] }>;
  leave(): Promise<void>;
}

/** A published camera configuration that failed validation; `message` names the camera and field. */
export interface RejectedCamera {
  cameraId: string;
  message: string;
}

export interface CameraList {
  /** Valid cameras, enabled or not. */
  cameras: CameraConfig[];
  /** Entries that failed validation (never from a file: a bad file fails as a whole). */
  rejected: RejectedCamera[];
}

/** Where the camera list comes from: a file, or the configuration published to Redis. */
export interface CameraSource {
  load(): Promise<CameraList>;
  /**
   * Calls onChange when the list may have changed (an announcement, a reconnect, a revision seen to
   * move); resolves to an unsubscribe function.
   */
  watch(onChange: () => void): Promise<() => Promise<void>>;
}
