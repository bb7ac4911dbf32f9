/** @jest-environment ./libs/detection/ort-jest-environment.js */
// The real model on real pictures: COCO photos (letterboxed with sharp like ingest letterboxes camera
// frames: top-left, pad 114, bgr24) and the night-boat clip; then the worker pool against the
// in-process detector, from sources (jest) and from the build (node dist/...).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Box, Detection } from '@xl/contracts';
import { iou } from '@xl/geometry';
// Specs read shared test data through @xl/testing as docs/contributing.md asks; the boundary rule is
// meant for the library code, not its specs.
import { describeWithShared, sharedDir, sharedPath } from '@xl/testing';
import { computeLetterbox } from '@xl/vision';
import { InProcessDetector } from './in-process';
import { loadModel, type LoadedModel } from './manifest';
import { DetectorBusyError, PoolDetector, workerEntry } from './pool';
import type { DetectorFrame, InferenceMetrics } from './types';

const ROOT = path.resolve(__dirname, '../../..');
const S = 416;
const coco = (id: string) => `media/coco-val2017/000000${id}.jpg`;

// Checked by eye (people clearly visible), with the detector's boxes drawn on them.
const PERSON_PHOTOS = [
  '000785',
  '000872',
  '000885',
  '001268',
  '001296',
  '001353',
  '001490',
  '002153',
  '002261',
  '002532',
  '003156',
];
// Checked by eye: no person anywhere (bear, stop sign, teddy bears, planes, zebra, sheep, elephants,
// a storefront with a fire hydrant, an airliner).
const NO_PERSON_PHOTOS = ['000285', '000724', '000776', '001761', '001818', '005992', '007108', '008899', '005477'];
// Boxes checked by eye: a skier, a paddle boarder standing in the sea, a surfer in the surf.
const PERSON_BOXES: Record<string, Box> = {
  '000785': [0.43, 0.13, 0.77, 0.91],
  '001490': [0.71, 0.38, 0.78, 0.76],
  '002261': [0.44, 0.35, 0.61, 0.69],
};
const NIGHT_BOAT = 'media/clips/night-boat_sub';

/** A photo letterboxed into S×S the way ingest letterboxes frames: top-left, pad 114, bgr24. */
async function letterboxPhoto(file: string): Promise<DetectorFrame> {
  const meta = await sharp(file).metadata();
  const letterbox = computeLetterbox(meta.width!, meta.height!, S, S);
  const w = Math.round(meta.width! * letterbox.scale);
  const h = Math.round(meta.height! * letterbox.scale);
  const rgb = await sharp(file)
    .removeAlpha()
    .resize(w, h, { fit: 'fill' })
    .extend({ right: S - w, bottom: S - h, background: { r: 114, g: 114, b: 114 } })
    .raw()
    .toBuffer();
  const data = new Uint8Array(S * S * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = rgb[i + 2];
    data[i + 1] = rgb[i + 1];
    data[i + 2] = rgb[i];
  }
  return { data, width: S, height: S, letterbox };
}

const persons = (d: Detection[], min = 0.5) => d.filter((x) => x.label === 'person' && x.score >= min);
const copyFrame = (f: DetectorFrame): DetectorFrame => ({ ...f, data: new Uint8Array(f.data) });

/** Fetches the weights into models/ (copy from the shared folder, sha256-checked) and loads them. */
function fetchModel(): LoadedModel {
  execFileSync(process.execPath, [path.join(ROOT, 'models/fetch.mjs'), 'yolox_nano'], {
    env: { ...process.env, XL_MODELS_DIR: path.join(sharedDir(), 'models') },
    stdio: 'pipe',
  });
  return loadModel(path.join(ROOT, 'models'), 'yolox_nano');
}

const photos = [...PERSON_PHOTOS, ...NO_PERSON_PHOTOS].map(coco);

describeWithShared(['models/yolox_nano.onnx', ...photos])('YOLOX-Nano detector', () => {
  let model: LoadedModel;
  let detector: InProcessDetector;
  const metrics: InferenceMetrics[] = [];
  const frames = new Map<string, DetectorFrame>();
  const results = new Map<string, Detection[]>();

  beforeAll(async () => {
    model = fetchModel();
    detector = await InProcessDetector.create(model, {}, { onInference: (m) => metrics.push(m) });
    for (const id of [...PERSON_PHOTOS, ...NO_PERSON_PHOTOS]) {
      const frame = await letterboxPhoto(sharedPath(coco(id))!);
      frames.set(id, frame);
      results.set(id, await detector.detect(frame));
    }
  });
  afterAll(() => detector?.close());

  it('finds a person scoring ≥ 0.5 in at least 90 % of the person photos, with plausible boxes', () => {
    const found = PERSON_PHOTOS.filter((id) => persons(results.get(id)!).length > 0);
    expect(found.length / PERSON_PHOTOS.length).toBeGreaterThanOrEqual(0.9);
    for (const id of found) {
      for (const { box } of persons(results.get(id)!)) {
        expect(box[0]).toBeLessThan(box[2]);
        expect(box[1]).toBeLessThan(box[3]);
        expect(Math.min(...box)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...box)).toBeLessThanOrEqual(1);
      }
      // the best person is a sizeable box, not a speck
      const best = persons(results.get(id)!)[0].box;
      expect(best[3] - best[1]).toBeGreaterThan(0.1);
    }
  });

  it('puts the box on the person (skier, paddle boarder and surfer in the sea)', () => {
    for (const [id, expected] of Object.entries(PERSON_BOXES)) {
      const best = Math.max(...persons(results.get(id)!).map((d) => iou(d.box, expected)));
      expect({ id, iou: best > 0.7 }).toEqual({ id, iou: true });
    }
  });

  it('finds no person scoring ≥ 0.5 in photos without people', () => {
    for (const id of NO_PERSON_PHOTOS) expect({ id, persons: persons(results.get(id)!) }).toEqual({ id, persons: [] });
    // and the other objects are found: the bear, the stop sign, the zebra
    expect(results.get('000285')!.map((d) => d.label)).toContain('bear');
    expect(results.get('000724')!.map((d) => d.label)).toContain('stop sign');
    expect(results.get('001818')!.map((d) => d.label)).toContain('zebra');
  });

  it('reports timings for every frame through the metrics hook and leaves the frame intact', () => {
    expect(metrics).toHaveLength(results.size);
    for (const m of metrics) {
      expect(m.inferenceSeconds).toBeGreaterThan(0);
      expect(m.workSeconds).toBeGreaterThanOrEqual(m.inferenceSeconds);
      expect(m.totalSeconds).toBeGreaterThanOrEqual(m.workSeconds);
      expect(m.inferenceSeconds).toBeLessThan(2); // generous: a frame takes ~10 ms here
    }
    expect(frames.get('000785')!.data.length).toBe(S * S * 3);
  });

  it('finds on the rows a picture fills what it finds on the whole letterboxed square, in less time', async () => {
    const square = await InProcessDetector.create(model, { trimPadding: false });
    try {
      const time = { trimmed: 0, square: 0 };
      let compared = 0;
      for (const [id, frame] of frames) {
        if (frame.letterbox.srcWidth <= frame.letterbox.srcHeight) continue; // portrait: no rows to trim
        const t0 = performance.now();
        const whole = await square.detect(copyFrame(frame));
        const t1 = performance.now();
        const trimmed = await detector.detect(copyFrame(frame));
        time.square += t1 - t0;
        time.trimmed += performance.now() - t1;
        // every confident box of one is found by the other: same class, nearly the same box and score
        for (const [a, b] of [
          [whole, trimmed],
          [trimmed, whole],
        ]) {
          for (const d of a.filter((x) => x.score >= 0.5)) {
            const match = b.find((x) => x.classId === d.classId && iou(x.box, d.box) > 0.85 && Math.abs(x.score - d.score) < 0.1);
            expect({ id, label: d.label, score: d.score, matched: !!match }).toEqual({ id, label: d.label, score: d.score, matched: true });
          }
        }
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(10);
      console.log(`${compared} landscape photos: trimmed ${(time.trimmed / compared).toFixed(1)} ms/frame, whole square ${(time.square / compared).toFixed(1)} ms/frame`);
    } finally {
      await square.close();
    }
  });

  it('rejects a frame that is not the model input size', async () => {
    const frame = { ...frames.get('000785')!, width: 640, height: 360 };
    await expect(detector.detect(frame)).rejects.toThrow(
      /frame 640x360 with 519168 bytes; expected a letterboxed 416x416 bgr24 frame/,
    );
  });

  describeWithShared([`${NIGHT_BOAT}.mp4`, `${NIGHT_BOAT}.truth.json`])('on the night-boat clip', () => {
    it('finds the boat where the truth puts it in nearly every second from 6 s', async () => {
      const truth = JSON.parse(readFileSync(sharedPath(`${NIGHT_BOAT}.truth.json`)!, 'utf8'));
      const keyframes: { t: number; bbox: Box }[] = truth.actors.find(
        (a: { class: string }) => a.class === 'boat',
      ).keyframes;
      const vf = `fps=1,scale=${S}:${S}:force_original_aspect_ratio=decrease,pad=${S}:${S}:0:0:color=0x727272`;
      const raw = execFileSync(
        'ffmpeg',
        [
          '-v',
          'error',
          '-ss',
          '6',
          '-i',
          sharedPath(`${NIGHT_BOAT}.mp4`)!,
          '-vf',
          vf,
          '-f',
          'rawvideo',
          '-pix_fmt',
          'bgr24',
          '-',
        ],
        {
          maxBuffer: 64 << 20,
        },
      );
      const letterbox = computeLetterbox(truth.width, truth.height, S, S);
      const size = S * S * 3;
      let hits = 0;
      let n = 0;
      for (let i = 0; (i + 1) * size <= raw.length; i++, n++) {
        const t = 6 + i;
        const expected = keyframes.find((k) => Math.abs(k.t - t) < 0.01)!.bbox;
        const d = await detector.detect({
          data: new Uint8Array(raw.subarray(i * size, (i + 1) * size)),
          width: S,
          height: S,
          letterbox,
        });
        if (d.some((x) => x.label === 'boat' && x.score >= 0.25 && iou(x.box, expected) > 0.5)) hits++;
      }
      expect(n).toBeGreaterThanOrEqual(23);
      expect(hits / n).toBeGreaterThanOrEqual(0.9); // measured: 24 of 24
    });
  });

  describe('worker pool', () => {
    it('gives the same detections as the in-process detector, frames transferred', async () => {
      const seen: InferenceMetrics[] = [];
      const pool = await PoolDetector.create(model, { size: 2, maxQueue: 64 }, { onInference: (m) => seen.push(m) });
      try {
        const ids = [...frames.keys()];
        const sent = ids.map((id) => copyFrame(frames.get(id)!));
        const pooled = await Promise.all(sent.map((f) => pool.detect(f)));
        ids.forEach((id, i) => expect({ id, d: pooled[i] }).toEqual({ id, d: results.get(id) }));
        // both workers served, and every frame reported its timings
        expect(new Set(seen.map((m) => m.worker))).toEqual(new Set([0, 1]));
        expect(seen).toHaveLength(ids.length);
        expect(seen.every((m) => m.inferenceSeconds > 0 && m.totalSeconds >= m.workSeconds)).toBe(true);
        // moved to the worker, not copied: the caller's buffers are detached
        expect(sent.every((f) => f.data.length === 0)).toBe(true);
        // a view into a larger buffer is copied first, so the rest of that buffer stays usable
        const big = new Uint8Array(S * S * 3 + 16);
        big.set(frames.get('001490')!.data, 16);
        const view = { ...frames.get('001490')!, data: big.subarray(16) };
        expect(await pool.detect(view)).toEqual(results.get('001490'));
        expect(big.length).toBe(S * S * 3 + 16);
        // detectKeepingFrame moves the pixels there and back: same detections, same bytes returned
        const original = frames.get('000785')!;
        const kept = await pool.detectKeepingFrame(copyFrame(original));
        expect(kept.detections).toEqual(results.get('000785'));
        expect(Buffer.compare(Buffer.from(kept.data), Buffer.from(original.data))).toBe(0);
        expect(pool.stats()).toEqual({ size: 2, alive: 2, running: 0, queued: 0 });
      } finally {
        await pool.close();
      }
    });

    it('queues up to maxQueue frames, then rejects with DetectorBusyError', async () => {
      const pool = await PoolDetector.create(model, { size: 1, maxQueue: 1 });
      try {
        const frame = frames.get('000872')!;
        const first = pool.detect(copyFrame(frame));
        const second = pool.detect(copyFrame(frame));
        expect(pool.stats()).toMatchObject({ running: 1, queued: 1 });
        await expect(pool.detect(copyFrame(frame))).rejects.toBeInstanceOf(DetectorBusyError);
        expect(await first).toEqual(results.get('000872'));
        expect(await second).toEqual(results.get('000872'));
      } finally {
        await pool.close();
      }
      await expect(pool.detect(copyFrame(frames.get('000872')!))).rejects.toThrow(/closed/);
    });

    it('restarts a worker that dies and keeps serving', async () => {
      const errors: number[] = [];
      const pool = await PoolDetector.create(
        model,
        { size: 2 },
        { onWorkerError: (_e, worker) => errors.push(worker) },
      );
      try {
        // kill worker 0 from outside, as a native crash would
        const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
        await slots[0].worker.terminate();
        expect(await pool.detect(copyFrame(frames.get('002261')!))).toEqual(results.get('002261'));
        expect(errors).toEqual([0]);
        const deadline = Date.now() + 15000;
        while (pool.stats().alive < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(pool.stats().alive).toBe(2);
        const again = await Promise.all([0, 1, 2, 3].map(() => pool.detect(copyFrame(frames.get('002261')!))));
        for (const d of again) expect(d).toEqual(results.get('002261'));
      } finally {
        await pool.close();
      }
    });

    it('fails a frame its worker does not answer within runTimeoutMs, restarts the worker and keeps serving', async () => {
      const errors: string[] = [];
      const pool = await PoolDetector.create(model, { size: 1, runTimeoutMs: 2000 }, { onWorkerError: (err) => errors.push(err.message) });
      try {
        // The message never reaches the worker: to the pool, a run that never returns (a native hang).
        const slots = (pool as unknown as { slots: { worker: { postMessage: (...args: unknown[]) => void } }[] }).slots;
        slots[0].worker.postMessage = () => undefined;
        const started = Date.now();
        await expect(pool.detect(copyFrame(frames.get('002261')!))).rejects.toThrow('detector worker 0 died: no answer within 2000 ms (hung?)');
        expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
        expect(errors).toEqual(['no answer within 2000 ms (hung?)']);
        // Restarted (a new worker, its own postMessage): it serves again.
        expect(await pool.detect(copyFrame(frames.get('002261')!))).toEqual(results.get('002261'));
      } finally {
        await pool.close();
      }
    });

    it('fails to start with a clear error when the weights are not a model', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-badmodel-'));
      try {
        const modelPath = path.join(dir, 'yolox_nano.onnx');
        writeFileSync(modelPath, 'not a model');
        await expect(PoolDetector.create({ manifest: model.manifest, modelPath }, { size: 1 })).rejects.toThrow(
          /detector worker 0: model yolox_nano: cannot create an onnxruntime session \(cpu\)/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('runs from the build: node dist/... starts the compiled worker.js', async () => {
      expect(path.basename(workerEntry())).toBe('worker-dev.js'); // here, from sources
      execFileSync(process.execPath, [path.join(ROOT, 'tools/build.mjs')], { stdio: 'pipe' });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-dist-'));
      try {
        const frame = frames.get('000885')!;
        writeFileSync(path.join(dir, 'frame.bin'), frame.data);
        const script = `
          const { readFileSync } = require('node:fs');
          const d = require(${JSON.stringify(path.join(ROOT, 'dist/libs/detection/src/index.js'))});
          (async () => {
            const pool = await d.createPoolDetector(d.loadModel(${JSON.stringify(path.join(ROOT, 'models'))}, 'yolox_nano'), { size: 1 });
            const data = new Uint8Array(readFileSync(${JSON.stringify(path.join(dir, 'frame.bin'))}));
            const detections = await pool.detect({ data, width: ${S}, height: ${S}, letterbox: ${JSON.stringify(frame.letterbox)} });
            await pool.close();
            console.log(JSON.stringify({ entry: d.workerEntry(), detections }));
          })().catch((e) => { console.error(e); process.exit(1); });`;
        const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
          cwd: os.tmpdir(),
          timeout: 30000,
        });
        const out = JSON.parse(stdout);
        expect(out.entry).toBe(path.join(ROOT, 'dist/libs/detection/src/worker.js'));
        expect(out.detections).toEqual(results.get('000885'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
