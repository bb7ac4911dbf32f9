import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The analyzer's Prometheus metrics on its own registry. */
export class AnalyzerMetrics {
  readonly registry = new Registry();
  readonly frames = new Counter({
    name: 'xl_analyzer_frames_total',
    help: 'Frames taken from the frames queue, by outcome (analysed, clock_jump = analysed on a fresh state after the clock went back, stale, missing, unknown_camera, out_of_order, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly inference = new Histogram({
    name: 'xl_inference_seconds',
    help: 'onnxruntime session.run() time per frame',
    buckets: [0.002, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly detectorTotal = new Histogram({
    name: 'xl_detector_seconds',
    help: 'detect() call to result, queueing and thread hand-over included',
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    registers: [this.registry],
  });
  readonly frameAge = new Histogram({
    name: 'xl_frame_age_seconds',
    help: 'Capture (ingest received the frame) to analysed',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'xl_alerts_emitted_total',
    help: 'Alert events put on the alerts queue, by rule and kind',
    labelNames: ['rule', 'kind'] as const,
    registers: [this.registry],
  });
  readonly snapshotErrors = new Counter({
    name: 'xl_snapshot_errors_total',
    help: 'Snapshots that could not be rendered or written (the alert goes out without one)',
    registers: [this.registry],
  });
  readonly pictures = new Counter({
    name: 'xl_analyzer_pictures_total',
    help: "Cameras' latest pictures stored for the console's camera wall (stored, failed)",
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly clockOffset = new Gauge({
    name: 'xl_clock_offset_seconds',
    help: "The Redis server's clock minus this host's, as last measured: frame ages are judged by Redis's time; large values mean this host needs NTP",
    registers: [this.registry],
  });
  readonly ignoredDetections = new Counter({
    name: 'xl_analyzer_detections_ignored_total',
    help: "Detections dropped before tracking because their box lies in one of the camera's ignore zones, per camera",
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly droppedAlerts = new Counter({
    name: 'xl_analyzer_alerts_dropped_total',
    help: "Open alerts dropped from a camera's rule state because it held more than the cap (no end is sent for them), per camera",
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });
  readonly liveTracks = new Gauge({
    name: 'xl_analyzer_live_tracks',
    help: 'Confirmed tracks of the last analysed frame, per camera',
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'xl_analyzer_' });
  }

  /** Removes a camera's series: a camera that is gone must not go on exporting its last values. */
  forgetCamera(cameraId: string): void {
    for (const series of [this.liveTracks, this.ignoredDetections, this.droppedAlerts]) series.remove({ camera: cameraId });
  }
}
