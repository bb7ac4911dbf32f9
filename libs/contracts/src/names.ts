// Queue names, Redis keys and channels shared by ingest, analyzer and alerts-api. Keys of one camera
// share a {cameraId} hash tag so that a Redis Cluster keeps them on one shard.

/** BullMQ queue of frame references (never pixels). */
export const FRAMES_QUEUE = 'frames';
/** Durable BullMQ queue of alert events from the analyzer to alerts-api. */
export const ALERTS_QUEUE = 'alerts';
/** Redis stream of camera status events (ingest → alerts-api); late readers catch up. */
export const CAMERA_STATUS_STREAM = 'xl:camera-status';
/**
 * Redis hash cameraId → JSON CameraConfig: the effective configuration published by alerts-api. Its
 * revision counter (`…:revision`) shares the `{config}` hash tag: both change in one script,
 * which a Redis Cluster allows only inside one slot.
 */
export const CAMERA_CONFIG_HASH = 'xl:{config}:cameras';
/**
 * Redis hash cameraId → capture time (epoch ms) of the camera's last analysed frame, written by the
 * analyzer every few seconds per camera and read by alerts-api: a camera that is online but no longer
 * analysed (analyzers down or stuck) raises no alert at all, so it must be seen some other way.
 */
export const ANALYSED_AT_HASH = 'xl:analysed-at';
/**
 * Redis hash cameraId → JSON {seconds, at}: how far behind real time the camera's stream arrived,
 * written by ingest every few seconds while it is late (≥ STREAM_DELAY_WARN_SECONDS of @xl/media) and
 * read by alerts-api: every alert of such a camera comes that much later. A mark not renewed for a
 * minute is history, not state.
 */
export const STREAM_DELAY_HASH = 'xl:stream-delay';
/** Pub/sub channel announcing configuration changes; the message is a ConfigChangedMessage. */
export const CAMERA_CONFIG_CHANNEL = 'xl:config:changed';

export const redisKeys = {
  /** A frame's raw bytes, written by ingest with a short TTL and read once (GETDEL) by the analyzer. */
  frame: (cameraId: string, seq: number) => `xl:frame:{${cameraId}}:${seq}`,
  /** The in-flight gate: set NX by ingest before publishing, deleted by the analyzer when done. */
  inflight: (cameraId: string) => `xl:inflight:{${cameraId}}`,
  /** Set by the analyzer while the camera has live tracks; ingest then publishes every frame. */
  hot: (cameraId: string) => `xl:hot:{${cameraId}}`,
  /** Camera ownership lease held by one ingest worker. */
  lease: (cameraId: string) => `xl:lease:{${cameraId}}`,
  /** Tracker and rule state of a camera, with the sequence number of the last analysed frame. */
  analyzerState: (cameraId: string) => `xl:state:{${cameraId}}`,
  /** Latest analysed JPEG of a camera (for the console's camera wall). */
  latestFrame: (cameraId: string) => `xl:latest:{${cameraId}}`,
  /** When the frame of latestFrame was captured (epoch ms, shared clock), with the same TTL: its age on the wall. */
  latestFrameAt: (cameraId: string) => `xl:latest-at:{${cameraId}}`,
  /** A JPEG alerts-api grabbed from the camera itself (when no analysed one is fresh, or for the zone editor). */
  grabbedFrame: (cameraId: string) => `xl:grab:{${cameraId}}`,
  /** When the grab of grabbedFrame was taken (epoch ms), with the same TTL. */
  grabbedFrameAt: (cameraId: string) => `xl:grab-at:{${cameraId}}`,
} as const;
