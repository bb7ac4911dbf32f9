// Worker-thread entry of the detector pool: one single-threaded onnxruntime session per thread.
// Frames arrive with their pixel buffer transferred; tensor conversion, inference and decode/NMS run
// here so the main thread only routes messages.
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './protocol';
import { FrameRunner } from './runner';

async function main(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const post = (msg: FromWorker) => port.postMessage(msg);
  let runner: FrameRunner;
  try {
    runner = await FrameRunner.create(init.model, init.options);
    await runner.warmUp();
  } catch (err) {
    post({ type: 'init-error', message: (err as Error).message });
    return;
  }
  // One frame at a time: the runner reuses its input tensor.
  let tail: Promise<void> = Promise.resolve();
  port.on('message', (msg: ToWorker) => {
    tail = tail.then(async () => {
      try {
        const result = await runner.run(msg.frame);
        const { data } = msg.frame;
        port.postMessage({ type: 'result', id: msg.id, result, data } satisfies FromWorker, [data.buffer as ArrayBuffer]);
      } catch (err) {
        post({ type: 'error', id: msg.id, message: (err as Error).message });
      }
    });
  });
  post({ type: 'ready' });
}

if (parentPort) void main(parentPort, workerData as WorkerInit);
