import type { Detection, Letterbox } from '@xl/contracts';
import { inputBoxToFrame } from '@xl/vision';
import { nms } from './nms';
import type { YoloxDecoder } from './yolox';

export interface PostprocessOptions {
  /** Candidates below this score are dropped before NMS. */
  scoreThreshold: number;
  /** Same-class boxes overlapping a better one above this IoU are suppressed. */
  iouThreshold: number;
  /** At most this many detections per frame, best first. */
  maxDetections: number;
}

/**
 * Raw model output → detections in normalized frame coordinates: decode, class-aware NMS, then map
 * each box out of the letterbox. Boxes that lie wholly in the padding (nothing left after clamping
 * to the picture) are dropped.
 */
export function postprocess(
  decoder: YoloxDecoder,
  output: Float32Array,
  letterbox: Letterbox,
  labels: readonly string[],
  opts: PostprocessOptions,
): Detection[] {
  const c = decoder.decode(output, opts.scoreThreshold);
  const detections: Detection[] = [];
  for (const i of nms(c, opts.iouThreshold, opts.maxDetections)) {
    const b = i * 4;
    const box = inputBoxToFrame(c.boxes[b], c.boxes[b + 1], c.boxes[b + 2], c.boxes[b + 3], letterbox);
    if (box[2] <= box[0] || box[3] <= box[1]) continue;
    const classId = c.classIds[i];
    detections.push({ box, score: c.scores[i], classId, label: labels[classId] ?? `class ${classId}` });
  }
  return detections;
}
