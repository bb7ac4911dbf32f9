import { kalmanBox, kalmanInit, kalmanPredict, kalmanUpdate } from './kalman';

describe('box Kalman filter', () => {
  it('learns a constant velocity from uneven frame spacing and extrapolates it', () => {
    const { mean, cov } = kalmanInit(0.2, 0.5, 0.05, 0.2);
    let t = 0;
    // 0.1 normalized units per second to the right; frames 0.2–0.7 s apart.
    for (const dt of [0.5, 0.2, 0.7, 0.3, 0.5, 0.4, 0.6, 0.25, 0.5, 0.5]) {
      kalmanPredict(mean, cov, dt);
      t += dt;
      kalmanUpdate(mean, cov, 0.2 + 0.1 * t, 0.5, 0.05, 0.2);
    }
    expect(mean[4]).toBeCloseTo(0.1, 2);
    expect(Math.abs(mean[5])).toBeLessThan(0.005);
    kalmanPredict(mean, cov, 1);
    expect(mean[0]).toBeCloseTo(0.2 + 0.1 * (t + 1), 2);
    const box = kalmanBox(mean);
    expect(box[2] - box[0]).toBeCloseTo(0.05, 3);
    expect(box[3] - box[1]).toBeCloseTo(0.2, 3);
  });

  it('keeps the covariance symmetric and grows it while predicting without measurements', () => {
    const { mean, cov } = kalmanInit(0.5, 0.5, 0.1, 0.3);
    kalmanUpdate(mean, cov, 0.5, 0.5, 0.1, 0.3);
    const before = cov[0];
    kalmanPredict(mean, cov, 1);
    expect(cov[0]).toBeGreaterThan(before);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(cov[i * 8 + j]).toBe(cov[j * 8 + i]);
    kalmanPredict(mean, cov, 0); // no time: no change
    kalmanPredict(mean, cov, -1);
    expect(mean[0]).toBe(0.5);
  });
});
