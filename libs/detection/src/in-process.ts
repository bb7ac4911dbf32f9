import type { Detection } from '@xl/contracts';
import type { LoadedModel } from './manifest';
import type { DetectorHooks } from './pool';
import { FrameRunner } from './runner';
import type { Detector, DetectorFrame, RunnerOptions } from './types';

/**
 * Single-session detector on the calling thread, for tools, replays and tests. session.run() keeps
 * this thread busy for the whole inference (~7–15 ms), so a service uses the pool instead. Calls are
 * queued and run one at a time; frame buffers are only read, never detached.
 */
export class InProcessDetector implements Detector {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly runner: FrameRunner,
    private readonly hooks: DetectorHooks,
  ) {}

  /** Creates the session and runs one warm-up frame. */
  static async create(
    model: LoadedModel,
    options: RunnerOptions = {},
    hooks: DetectorHooks = {},
  ): Promise<InProcessDetector> {
    const runner = await FrameRunner.create(model, options);
    await runner.warmUp();
    return new InProcessDetector(runner, hooks);
  }

  /** In process nothing is transferred: the frame's own buffer comes back. */
  async detectKeepingFrame(frame: DetectorFrame): Promise<{ detections: Detection[]; data: Uint8Array }> {
    return { detections: await this.detect(frame), data: frame.data };
  }

  detect(frame: DetectorFrame): Promise<Detection[]> {
    const enqueuedAt = performance.now();
    const run = this.tail.then(async () => {
      if (this.closed) throw new Error('detector closed');
      const { detections, preprocessSeconds, inferenceSeconds, postprocessSeconds } = await this.runner.run(frame);
      this.hooks.onInference?.({
        inferenceSeconds,
        workSeconds: preprocessSeconds + inferenceSeconds + postprocessSeconds,
        totalSeconds: (performance.now() - enqueuedAt) / 1e3,
        worker: 0,
        detections: detections.length,
      });
      return detections;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.runner.release();
  }
}

export function createInProcessDetector(
  model: LoadedModel,
  options: RunnerOptions = {},
  hooks: DetectorHooks = {},
): Promise<InProcessDetector> {
  return InProcessDetector.create(model, options, hooks);
}

/** One-shot detection for scripts: loads a session, detects one frame, releases the session. */
export async function detectInProcess(
  model: LoadedModel,
  frame: DetectorFrame,
  options: RunnerOptions = {},
): Promise<Detection[]> {
  const detector = await InProcessDetector.create(model, options);
  try {
    return await detector.detect(frame);
  } finally {
    await detector.close();
  }
}
