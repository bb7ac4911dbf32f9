import type { Candidates } from './yolox';

/**
 * Greedy class-aware non-maximum suppression: a candidate is dropped when a higher-scoring one of the
 * same class overlaps it with IoU above `iouThreshold`; a person in a boat keeps both boxes. Returns
 * the indices kept, best first, at most `maxDetections`. Candidates are few after the score threshold
 * (tens), so the quadratic pass is cheaper than any index structure.
 */
export function nms(c: Candidates, iouThreshold: number, maxDetections: number): number[] {
  const { count, boxes, scores, classIds } = c;
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const suppressed = new Uint8Array(count);
  const kept: number[] = [];
  for (let oi = 0; oi < count && kept.length < maxDetections; oi++) {
    const i = order[oi];
    if (suppressed[i]) continue;
    kept.push(i);
    const cls = classIds[i];
    const ax0 = boxes[i * 4];
    const ay0 = boxes[i * 4 + 1];
    const ax1 = boxes[i * 4 + 2];
    const ay1 = boxes[i * 4 + 3];
    const areaA = Math.max(0, ax1 - ax0) * Math.max(0, ay1 - ay0);
    for (let oj = oi + 1; oj < count; oj++) {
      const j = order[oj];
      if (suppressed[j] || classIds[j] !== cls) continue;
      const bx0 = boxes[j * 4];
      const by0 = boxes[j * 4 + 1];
      const bx1 = boxes[j * 4 + 2];
      const by1 = boxes[j * 4 + 3];
      const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
      const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
      if (iw <= 0 || ih <= 0) continue;
      const inter = iw * ih;
      const union = areaA + Math.max(0, bx1 - bx0) * Math.max(0, by1 - by0) - inter;
      if (union > 0 && inter / union > iouThreshold) suppressed[j] = 1;
    }
  }
  return kept;
}
