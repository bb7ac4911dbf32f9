// Child process of `npm run bench -- recording`: runs one SegmentRecorder per camera (what ingest runs
// per owned camera), so the benchmark measures Node and its ffmpegs together from /proc. Reads
// {cameras: [{id, url}], dir, windowSeconds, segmentSeconds} as JSON from argv[2]; prints one JSON
// line per closed segment ({bytes}) on stdout; stops on SIGTERM.
import { statSync } from 'node:fs';
import { SegmentRecorder } from '@xl/media';

interface RunnerInput {
  cameras: Array<{ id: string; url: string }>;
  dir: string;
  windowSeconds: number;
  segmentSeconds: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]) as RunnerInput;
  const recorders = input.cameras.map(
    (camera) =>
      new SegmentRecorder({
        cameraId: camera.id,
        url: camera.url,
        dir: `${input.dir}/${camera.id}`,
        segmentSeconds: input.segmentSeconds,
        windowSeconds: input.windowSeconds,
        ioTimeoutSeconds: 5,
        stallSeconds: 6,
        backoffInitialSeconds: 1,
        backoffMaxSeconds: 10,
      }),
  );
  for (const recorder of recorders) {
    recorder.on('segment', (segment) => {
      let bytes = 0;
      try {
        bytes = statSync(segment.file).size;
      } catch {
        // trimmed already
      }
      process.stdout.write(`${JSON.stringify({ camera: recorder.cameraId, bytes, durationMs: segment.durationMs })}\n`);
    });
  }
  await Promise.all(recorders.map((r) => r.start()));
  process.once('SIGTERM', () => {
    void Promise.all(recorders.map((r) => r.stop())).then(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
