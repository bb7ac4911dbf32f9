// The camera's normal sharpness, learned from healthy frames: an asymmetric time-based EMA that rises
// quickly (30 s) and falls slowly (10 min), so it sits near a high percentile of recent sharpness and
// a defocused lens cannot drag it down before the blurred rule fires. It learns nothing while a health
// condition is active or being timed (the engine decides), nor during warm-up does it judge.

const TAU_UP_MS = 30_000;
const TAU_DOWN_MS = 600_000;
/** Samples (plain mean) before the baseline is trusted. */
export const BASELINE_WARMUP_SAMPLES = 10;
/** Gaps longer than this count as this long (heartbeat frames after a quiet spell). */
const MAX_STEP_MS = 10_000;

export interface SharpnessBaselineJSON {
  mean: number;
  samples: number;
  lastAt: number | null;
}

export class SharpnessBaseline {
  private s: SharpnessBaselineJSON = { mean: 0, samples: 0, lastAt: null };

  /** The baseline, or null during warm-up. */
  get value(): number | null {
    return this.s.samples >= BASELINE_WARMUP_SAMPLES ? this.s.mean : null;
  }

  learn(t: number, sharpness: number): void {
    if (!Number.isFinite(sharpness) || sharpness < 0) return;
    const s = this.s;
    if (s.samples < BASELINE_WARMUP_SAMPLES) {
      s.mean += (sharpness - s.mean) / (s.samples + 1);
    } else {
      const dt = Math.min(MAX_STEP_MS, Math.max(0, t - (s.lastAt ?? t)));
      const tau = sharpness > s.mean ? TAU_UP_MS : TAU_DOWN_MS;
      s.mean += (sharpness - s.mean) * (1 - Math.exp(-dt / tau));
    }
    s.samples++;
    s.lastAt = t;
  }

  toJSON(): SharpnessBaselineJSON {
    return { ...this.s };
  }

  load(json: SharpnessBaselineJSON): void {
    this.s = { ...json };
  }
}
