#!/usr/bin/env node
// npm run replay -- --clip FILE --camera FILE [--fps N] [--start ISO] [--all]
// Prints one JSON line per alert: {rule, zoneId, trackId, t, severity, score, ...}; --all adds updates and ends.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseCameraFile } from '@xl/config';
import { loadModel } from '@xl/detection';
import { createReplayDetector, replayClip } from './replay';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clip: { type: 'string' },
      camera: { type: 'string' },
      fps: { type: 'string' },
      start: { type: 'string' },
      all: { type: 'boolean', default: false },
      models: { type: 'string', default: process.env.MODELS_DIR ?? path.resolve(__dirname, '../../../../../models') },
    },
  });
  if (!values.clip || !values.camera) {
    console.error('usage: npm run replay -- --clip FILE --camera FILE [--fps N] [--start ISO-TIME] [--all]');
    process.exit(2);
  }
  const cameras = parseCameraFile(readFileSync(values.camera, 'utf8'), values.camera);
  if (cameras.length !== 1) throw new Error(`${values.camera}: replay takes exactly one camera, found ${cameras.length}`);
  const camera = cameras[0];
  const model = await loadModel(values.models, camera.model);
  const detector = await createReplayDetector(model);
  const [, , inputHeight, inputWidth] = model.manifest.input.shape;
  const fps = values.fps ? Number(values.fps) : undefined;
  if (fps !== undefined && !(fps > 0 && fps <= 30)) throw new Error(`--fps ${values.fps} must be in (0, 30]`);
  const startAt = values.start ? Date.parse(values.start) : undefined;
  if (values.start && !Number.isFinite(startAt)) throw new Error(`--start ${values.start} is not a date`);
  try {
    for await (const { t, event } of replayClip({ clip: values.clip, camera, detector, fps, startAt, inputWidth, inputHeight })) {
      if (!values.all && event.kind !== 'created') continue;
      const line = { rule: event.rule, zoneId: event.zoneId, trackId: event.trackId, t: Number(t.toFixed(2)), severity: event.severity, score: Number(event.score.toFixed(3)), ruleId: event.ruleId, kind: event.kind, alertId: event.alertId, message: event.message };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } finally {
    await detector.close();
  }
}

main().catch((err: Error) => {
  console.error(`replay failed: ${err.message}`);
  process.exit(1);
});
