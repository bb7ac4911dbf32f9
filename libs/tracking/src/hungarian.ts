// Minimum-cost assignment with a cost limit (the lapjv "extend_cost" trick used by ByteTrack): the
// rows × cols matrix is embedded in an (rows + cols) square whose dummy cells cost limit / 2, so
// leaving a row and a column unmatched together costs `limit` and any real pair cheaper than that
// is preferred. Solved exactly with the O(n³) Hungarian algorithm (potentials + augmenting paths);
// tracker matrices are tens of rows at most.

/** Costs at or above this are never matched (use for "not allowed", e.g. other class). */
export const FORBIDDEN = 1e9;

/**
 * Optimal pairs (row, col) of a row-major rows × cols cost matrix, keeping only pairs whose cost is
 * at most `limit`. Every row and column is used at most once.
 */
export function solveAssignment(cost: Float64Array, rows: number, cols: number, limit: number): Array<[number, number]> {
  if (cost.length !== rows * cols) throw new Error(`assignment: ${cost.length} costs for ${rows}×${cols}`);
  if (rows === 0 || cols === 0) return [];
  const n = rows + cols;
  const half = limit / 2;
  // Square matrix, 1-based as in the classic formulation; cell (i, j) at i * (n + 1) + j.
  const stride = n + 1;
  const a = new Float64Array(stride * stride);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= n; j++) {
      let v: number;
      if (i <= rows && j <= cols) {
        const c = cost[(i - 1) * cols + (j - 1)];
        v = c > limit ? FORBIDDEN : c;
      } else if (i <= rows || j <= cols) {
        v = half;
      } else {
        v = 0;
      }
      a[i * stride + j] = v;
    }
  }
  const u = new Float64Array(stride);
  const v = new Float64Array(stride);
  const p = new Int32Array(stride); // p[j]: row matched to column j (0 = none)
  const way = new Int32Array(stride);
  const minv = new Float64Array(stride);
  const used = new Uint8Array(stride);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      const ui0 = u[i0];
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a[i0 * stride + j] - ui0 - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const pairs: Array<[number, number]> = [];
  for (let j = 1; j <= cols; j++) {
    const i = p[j];
    if (i >= 1 && i <= rows && cost[(i - 1) * cols + (j - 1)] <= limit) pairs.push([i - 1, j - 1]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  return pairs;
}
