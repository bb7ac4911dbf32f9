// The least any ingest built on this transport can cost, run by bench/ingest.ts as a process of its
// own so /proc gives its CPU (and its ffmpegs') alone:
// - `read`: ingest's own frame sources (cameraReaderFactory: one launcher, START_CONCURRENCY's
//   default, the same ffmpeg command line, Unix socket, reassembly into pooled buffers, watchdog),
//   every frame handed back at once;
// - `read+upload`: the same, and the share of frames ingest published has its picture rows SET into
//   Redis through ingest's FrameUploader (one writev, no copy in JavaScript);
// - `upload`: no reading, only those SETs, evenly spaced at the published rate.
// None of them runs motion, the in-flight gate, the hot marks, the job or metrics: what is left of
// ingest's cost once those are gone.
// Runs until SIGTERM. Arguments: MODE, redis URL, key prefix, fps, published frames per second (all
// cameras), picture bytes, camera URLs…
import { StartGate } from '@xl/media';
import { createLogger } from '@xl/observability';
import { FrameUploader } from '@xl/queue';
import { cameraReaderFactory } from '../../apps/ingest/src/repositories/frame-source.repository';
import { benchCamera, FLOOR_MODES, type FloorMode } from './ingest-bench';

const WIDTH = 416;
const HEIGHT = 416;

async function main(): Promise<void> {
  const [mode, url, prefix, fpsArg, rateArg, bytesArg, ...cameraUrls] = process.argv.slice(2);
  const [fps, rate, bytes] = [Number(fpsArg), Number(rateArg), Number(bytesArg)];
  const reads = mode === 'read' || mode === 'read+upload';
  if (!FLOOR_MODES.includes(mode as FloorMode) || !url || !prefix || !(fps > 0) || !(rate > 0) || !(bytes > 0) || (reads && !cameraUrls.length)) {
    throw new Error(`usage: floor-child ${FLOOR_MODES.join('|')} URL PREFIX FPS PUBLISHED_PER_SECOND BYTES [CAMERA_URL…] (got ${process.argv.slice(2).join(' ')})`);
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
    const sources = cameraReaderFactory({ width: WIDTH, height: HEIGHT, stopGraceMs: 1000, startGate: new StartGate(4) }, createLogger('bench-floor', 'warn'));
    // Every camera uploads its share of the published rate: a frame whenever the share adds up to one.
    const share = mode === 'read+upload' ? rate / (fps * cameraUrls.length) : 0;
    const ignore = () => undefined;
    const readers = cameraUrls.map((cameraUrl, i) => {
      let owed = 0;
      const source = sources(benchCamera(`floor-${i + 1}`, cameraUrl, fps), {
        frame: (frame) => {
          owed += share;
          if (owed < 1) return frame.release();
          owed -= 1;
          void upload(frame.data.subarray(0, bytes)).finally(() => frame.release());
        },
        online: ignore,
        offline: ignore,
        recovered: ignore,
        restart: ignore,
      });
      source.start();
      return source;
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
