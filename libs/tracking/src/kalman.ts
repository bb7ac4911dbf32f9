// Constant-velocity Kalman filter on a box, in continuous time because analysed frames are unevenly
// spaced (2–5 fps, motion gate, drops). State x = [cx, cy, w, h, vcx, vcy, vw, vh] (velocities per
// second), covariance P 8×8 row-major, both flat Float64Arrays. Noise scales with the box size
// (max(w, h)), as in ByteTrack/SORT, so that near and far objects are treated alike.

export const STATE_DIM = 8;

/** Measurement noise std as a fraction of the box size. */
const MEASURE_STD = 0.05;
/** Process noise std per √second: position, velocity (fractions of the box size). */
const PROCESS_POS_STD = 0.2;
const PROCESS_VEL_STD = 0.5;
/** Initial std of a new track: position (like ByteTrack: 2 × measurement), velocity (box sizes/s). */
const INIT_POS_STD = 2 * MEASURE_STD;
const INIT_VEL_STD = 1;
/** Sizes never shrink below this in predictions (normalized units). */
const MIN_SIZE = 1e-4;

function sizeScale(x: Float64Array): number {
  return Math.max(x[2], x[3], MIN_SIZE);
}

/** A new filter state from a measured box [cx, cy, w, h]. */
export function kalmanInit(cx: number, cy: number, w: number, h: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(STATE_DIM);
  mean[0] = cx;
  mean[1] = cy;
  mean[2] = w;
  mean[3] = h;
  const cov = new Float64Array(STATE_DIM * STATE_DIM);
  const s = sizeScale(mean);
  const pv = (INIT_POS_STD * s) ** 2;
  const vv = (INIT_VEL_STD * s) ** 2;
  for (let i = 0; i < 4; i++) {
    cov[i * 9] = pv;
    cov[(i + 4) * 9] = vv;
  }
  return { mean, cov };
}

/** Advances the state by dt seconds in place: x ← F x, P ← F P Fᵀ + Q(dt). */
export function kalmanPredict(mean: Float64Array, cov: Float64Array, dt: number): void {
  if (!(dt > 0)) return;
  for (let i = 0; i < 4; i++) mean[i] += dt * mean[i + 4];
  if (mean[2] < MIN_SIZE) mean[2] = MIN_SIZE;
  if (mean[3] < MIN_SIZE) mean[3] = MIN_SIZE;
  // With P = [[A, B], [Bᵀ, D]] and F = [[I, dt·I], [0, I]]:
  // F P Fᵀ = [[A + dt(B + Bᵀ) + dt²D, B + dt·D], [Bᵀ + dt·D, D]].
  const dt2 = dt * dt;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const a = i * 8 + j;
      const b = a + 4;
      const c = (i + 4) * 8 + j;
      const d = c + 4;
      const pb = cov[b];
      const pc = cov[c];
      const pd = cov[d];
      cov[a] += dt * (pb + pc) + dt2 * pd;
      cov[b] = pb + dt * pd;
      cov[c] = pc + dt * pd;
    }
  }
  const s = sizeScale(mean);
  const qp = (PROCESS_POS_STD * s) ** 2 * dt;
  const qv = (PROCESS_VEL_STD * s) ** 2 * dt;
  for (let i = 0; i < 4; i++) {
    cov[i * 9] += qp;
    cov[(i + 4) * 9] += qv;
  }
}

/** Inverts a symmetric positive-definite 4×4 matrix (Gauss–Jordan with partial pivoting) into `out`. */
function invert4(m: Float64Array, out: Float64Array): void {
  const a = new Float64Array(32); // [m | I], 4 rows of 8
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) a[r * 8 + c] = m[r * 4 + c];
    a[r * 8 + 4 + r] = 1;
  }
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(a[r * 8 + col]) > Math.abs(a[pivot * 8 + col])) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < 8; c++) {
        const t = a[col * 8 + c];
        a[col * 8 + c] = a[pivot * 8 + c];
        a[pivot * 8 + c] = t;
      }
    }
    const p = a[col * 8 + col];
    if (Math.abs(p) < 1e-300) throw new Error('kalman: singular innovation covariance');
    for (let c = 0; c < 8; c++) a[col * 8 + c] /= p;
    for (let r = 0; r < 4; r++) {
      if (r === col) continue;
      const f = a[r * 8 + col];
      if (f === 0) continue;
      for (let c = 0; c < 8; c++) a[r * 8 + c] -= f * a[col * 8 + c];
    }
  }
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out[r * 4 + c] = a[r * 8 + 4 + c];
}

/** Corrects the state in place with a measured box [cx, cy, w, h] (H = [I 0]). */
export function kalmanUpdate(mean: Float64Array, cov: Float64Array, cx: number, cy: number, w: number, h: number): void {
  const r = (MEASURE_STD * Math.max(w, h, MIN_SIZE)) ** 2;
  const s = new Float64Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) s[i * 4 + j] = cov[i * 8 + j] + (i === j ? r : 0);
  const sInv = new Float64Array(16);
  invert4(s, sInv);
  // K = P Hᵀ S⁻¹ (8×4); P Hᵀ is the first 4 columns of P.
  const k = new Float64Array(32);
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 4; j++) {
      let acc = 0;
      for (let l = 0; l < 4; l++) acc += cov[i * 8 + l] * sInv[l * 4 + j];
      k[i * 4 + j] = acc;
    }
  }
  const y0 = cx - mean[0];
  const y1 = cy - mean[1];
  const y2 = w - mean[2];
  const y3 = h - mean[3];
  for (let i = 0; i < 8; i++) mean[i] += k[i * 4] * y0 + k[i * 4 + 1] * y1 + k[i * 4 + 2] * y2 + k[i * 4 + 3] * y3;
  // P ← P − K (H P); H P is the first 4 rows of P.
  const next = new Float64Array(64);
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      let acc = 0;
      for (let l = 0; l < 4; l++) acc += k[i * 4 + l] * cov[l * 8 + j];
      next[i * 8 + j] = cov[i * 8 + j] - acc;
    }
  }
  // Keep P exactly symmetric against rounding drift.
  for (let i = 0; i < 8; i++) {
    cov[i * 9] = next[i * 9];
    for (let j = i + 1; j < 8; j++) {
      const v = (next[i * 8 + j] + next[j * 8 + i]) / 2;
      cov[i * 8 + j] = v;
      cov[j * 8 + i] = v;
    }
  }
  if (mean[2] < MIN_SIZE) mean[2] = MIN_SIZE;
  if (mean[3] < MIN_SIZE) mean[3] = MIN_SIZE;
}

/** The state's box [x0, y0, x1, y1]. */
export function kalmanBox(mean: Float64Array): [number, number, number, number] {
  const hw = mean[2] / 2;
  const hh = mean[3] / 2;
  return [mean[0] - hw, mean[1] - hh, mean[0] + hw, mean[1] + hh];
}
