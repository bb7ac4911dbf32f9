// node-rtsp-stream ships no types; this is the part of it the live view uses.
declare module 'node-rtsp-stream/mpeg1muxer' {
  import type { ChildProcess } from 'node:child_process';
  import type { EventEmitter } from 'node:events';

  interface Mpeg1MuxerOptions {
    url: string;
    ffmpegPath: string;
    /** flag → value ('' for a flag without value), appended after `-i URL -f mpegts -codec:v mpeg1video`. */
    ffmpegOptions?: Record<string, string>;
  }

  /** Spawns ffmpeg at once; emits 'mpeg1data' (Buffer), 'ffmpegStderr' (Buffer), 'exitWithError'. */
  class Mpeg1Muxer extends EventEmitter {
    constructor(options: Mpeg1MuxerOptions);
    readonly stream: ChildProcess;
  }
  export = Mpeg1Muxer;
}
