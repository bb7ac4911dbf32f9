// A stand-in for the live view's ffmpeg (LiveSourceLauncher): records what was started and stopped.
import type { LiveSourceHandlers, LiveSourceLauncher } from './live-source';

export class FakeSource {
  stopped = 0;
  constructor(
    readonly url: string,
    readonly handlers: LiveSourceHandlers,
    readonly pid: number,
  ) {}
  stop() {
    this.stopped++;
  }
}

export class FakeLauncher implements LiveSourceLauncher {
  readonly started: FakeSource[] = [];
  start(url: string, _encode: unknown, handlers: LiveSourceHandlers) {
    const source = new FakeSource(url, handlers, 1000 + this.started.length);
    this.started.push(source);
    return source;
  }
}
