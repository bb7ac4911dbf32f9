/** How a frame was letterboxed into the detector input: image placed top-left, scaled by `scale`. */
export interface Letterbox {
  /** Width and height of the source picture in pixels (the camera stream's size). */
  srcWidth: number;
  srcHeight: number;
  /** Source pixels × scale = input pixels. */
  scale: number;
  /** Left/top padding in input pixels (0 for top-left placement, kept for centred variants). */
  padX: number;
  padY: number;
}

/** A frame-to-frame change measured by ingest at a sampled frame's capture time (epoch ms). */
export interface DifferenceSample {
  at: number;
  difference: number;
}

/** Why ingest published a frame. */
export type FramePublishReason = 'motion' | 'hot' | 'heartbeat';

/** BullMQ job data on the `frames` queue. Pixels live in Redis under `key`; never in the job. */
export interface FrameJob {
  cameraId: string;
  /** Monotonic per camera within one ingest process lifetime; resets never go backwards in time. */
  seq: number;
  /** Epoch milliseconds at which ingest received the frame from ffmpeg. */
  capturedAt: number;
  /** Redis key of the raw bytes (width × height × 3 for bgr24). */
  key: string;
  width: number;
  height: number;
  /**
   * Rows stored under `key`, from the top (the bytes are width × rows × 3). Rows below are letterbox
   * padding, pad grey 114, and are not stored: 44 % of a 416×416 frame of a 16:9 camera is padding.
   */
  rows: number;
  pixelFormat: 'bgr24';
  letterbox: Letterbox;
  reason: FramePublishReason;
  /** Motion score in 0..1 (fraction of changed cells) that the motion gate measured. */
  motion: number;
  /**
   * Mean absolute grey-level change (0–255) of the motion grid against the camera's previous sampled
   * frame, published or not; null for the first frame after a (re)connect. Only ingest sees every
   * sampled frame, so this is what the frozen-picture check uses: the analyzer gets gated frames.
   */
  difference: number | null;
  /**
   * The same measure for the sampled frames ingest did not publish since the camera's previous
   * published frame (oldest first, at most 64, this frame excluded): with it the frozen check sees
   * every sampled frame although the motion gate lets only a heartbeat through on a quiet camera.
   */
  earlierDifferences: DifferenceSample[];
  /**
   * How far behind real time the camera's stream arrived at the last reading (seconds, one decimal;
   * absent under 1 s or before the first reading): `capturedAt` is when ingest received the frame, so
   * the scene is about this much older. A congested uplink makes it grow (docs/ingest.md).
   */
  streamDelaySeconds?: number;
  /** Id of the ingest worker that published it. */
  ingestId: string;
}
