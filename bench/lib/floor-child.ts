// The least any ingest built on this transport can cost, run by bench/ingest.ts as a process of its
// own so /proc gives its CPU (and its ffmpegs') alone:
// - `read`: the app's CameraReader per camera (the same ffmpeg command line, Unix socket, frame
//   reassembly into pooled buffers, watchdog), every frame handed back at once;
// - `read+upload`: the same, and the share of frames ingest published has its picture rows SET into
//   Redis through the app's FrameUploader (one writev, no copy in JavaScript);
// - `upload`: no reading, only those SETs, evenly spaced at the published rate.
// None of them runs motion, the in-flight gate, the hot marks, the job or metrics: what is left of
// ingest's cost once those are gone.
// Runs until SIGTERM. Arguments: MODE, redis URL, key prefix, published frames per second (all
// cameras), picture bytes, camera URLs… (fps 2, 416×416 as the bench's ingest).
import { CameraReader, fluentFfmpegLauncher, StartGate } from '@xl/media';
import { FrameUploader } from '@xl/queue';

const WIDTH = 416;
const HEIGHT = 416;
const FPS = 2;
const MODES = ['read', 'read+upload', 'upload'] as const;
type Mode = (typeof MODES)[number];

async function main(): Promise<void> {
  const [mode, url, prefix, rateArg, bytesArg, ...cameraUrls] = process.argv.slice(2);
  const rate = Number(rateArg);
  const bytes = Number(bytesArg);
  const reads = mode === 'read' || mode === 'read+upload';
  if (!MODES.includes(mode as Mode) || !url || !prefix || !(rate > 0) || !(bytes > 0) || (reads && !cameraUrls.length)) {
    throw new Error(`usage: floor-child ${MODES.join('|')} URL PREFIX PUBLISHED_PER_SECOND BYTES [CAMERA_URL…] (got ${process.argv.slice(2).join(' ')})`);
  }
  const uploader = new FrameUploader({ url, name: 'xl-bench-floor' });
  let failed: Error | null = null;
  let seq = 0;
  const upload = (picture: Uint8Array) => {
    seq += 1;
    return uploader.set(`${prefix}floor:${seq % 64}`, picture, 5000).catch((err: Error) => void (failed = err));
  };
  let stop: () => Promise<void>;
  if (reads) {
    // Every reader uploads its camera's share of the published rate: a frame whenever the share adds up to one.
    const share = mode === 'read+upload' ? rate / (FPS * cameraUrls.length) : 0;
    // As ingest wires them: one launcher (one read buffer) for all, START_CONCURRENCY's default.
    const launcher = fluentFfmpegLauncher();
    const startGate = new StartGate(4);
    const readers = cameraUrls.map((cameraUrl, i) => {
      const reader = new CameraReader({
        cameraId: `floor-${i + 1}`,
        source: { kind: 'rtsp', url: cameraUrl },
        fps: FPS,
        width: WIDTH,
        height: HEIGHT,
        watchdog: { stallSeconds: 6, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 10 },
        launcher,
        startGate,
        // Its troubles on stderr (the bench shows them); routine start and stop lines dropped.
        logger: { info: () => undefined, debug: () => undefined, warn: (obj, msg) => console.error(`floor-${i + 1}: ${msg} ${JSON.stringify(obj)}`) },
      });
      let owed = 0;
      reader.on('frame', (frame) => {
        owed += share;
        if (owed < 1) return frame.release();
        owed -= 1;
        void upload(frame.data.subarray(0, bytes)).finally(() => frame.release());
      });
      reader.start();
      return reader;
    });
    stop = async () => void (await Promise.all(readers.map((r) => r.stop())));
  } else {
    const picture = Buffer.alloc(bytes, 114);
    const timer = setInterval(() => void upload(picture), 1000 / rate);
    stop = async () => clearInterval(timer);
  }
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await stop();
  await uploader.close();
  if (failed) throw failed;
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
