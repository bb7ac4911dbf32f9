// Recordings of cameras this process no longer records (the lease moved, the camera was removed or
// stopped recording) were never deleted: each camera's ring is trimmed only by its own recorder. The
// janitor deletes them once their retention window has passed, at start and periodically.
import type { Logger } from '@xl/observability';
import { PeriodicPass } from '../services/periodic-pass';
import type { RecordingDirs } from './ports';

export interface RecordingJanitorDeps {
  dirs: RecordingDirs;
  /** Cameras whose segments this process records or still cuts clips from: left to their recorder. */
  inUse(): Set<string>;
  /** The camera's ring window (`recording.windowSeconds`), when its configuration is known. */
  windowSecondsOf(cameraId: string): number | undefined;
  log: Logger;
  /** Epoch ms of segment names (the Redis server's time). */
  now: () => number;
}

export interface RecordingJanitorOptions {
  intervalMs: number;
  /** Window of a camera whose configuration is unknown here (removed): the longest one allowed. */
  defaultWindowSeconds: number;
}

export class RecordingJanitor {
  private readonly periodic: PeriodicPass;
  private stopping = false;

  constructor(
    private readonly deps: RecordingJanitorDeps,
    private readonly options: RecordingJanitorOptions,
  ) {
    this.periodic = new PeriodicPass(() => this.pass(), options.intervalMs);
  }

  start(): void {
    void this.sweep();
    this.periodic.start();
  }

  /** Ends the timer; a pass in progress stops after the camera it is on, so shutdown does not wait for a whole disk. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.periodic.stop();
  }

  /** One pass over the directories; a pass still running is joined. */
  sweep(): Promise<void> {
    return this.periodic.run();
  }

  private async pass(): Promise<void> {
    const { dirs, log } = this.deps;
    try {
      for (const cameraId of await dirs.cameras()) {
        if (this.stopping) return;
        if (this.deps.inUse().has(cameraId)) continue;
        const windowMs = (this.deps.windowSecondsOf(cameraId) ?? this.options.defaultWindowSeconds) * 1000;
        try {
          const { deleted, removed } = await dirs.prune(cameraId, this.deps.now() - windowMs, () => !this.deps.inUse().has(cameraId));
          if (deleted || removed) log.info({ camera: cameraId, deleted, removed }, 'recording of a camera not recorded here: expired segments deleted');
        } catch (err) {
          log.warn({ camera: cameraId, err: (err as Error).message }, 'pruning the recording of a camera not recorded here failed');
        }
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'recording directories unreadable');
    }
  }
}
