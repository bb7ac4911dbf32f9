// Frame-quality metrics on the real tamper clips (640×360 sub stream, letterboxed to 416 as ingest
// does), sampled at 2 fps with ffmpeg. The measured values are recorded in docs/detection.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Polygon } from '@xl/geometry';
// Specs read shared test data through @xl/testing as docs/contributing.md asks; the boundary rule
// (pure → pure only) is meant for the library code, not its specs.
import { describeWithShared, sharedPath } from '@xl/testing';
import { computeLetterbox, letterboxContentSize } from './letterbox';
import { rasterizeMask } from './mask';
import { createGreyBuffer, createQualityGrid, measureFrameQuality, type FrameQuality } from './quality';

const S = 416;
const FPS = 2;
const COVER = 'media/clips/tamper-cover_sub';
const FREEZE = 'media/clips/tamper-freeze_sub';
const STATIC = 'media/clips/static_sub';

/** All frames of a clip at FPS, letterboxed top-left into S×S with pad 114, bgr24. */
function decode(clip: string): Uint8Array[] {
  const vf = `fps=${FPS},scale=${S}:${S}:force_original_aspect_ratio=decrease,pad=${S}:${S}:0:0:color=0x727272`;
  const buf = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', clip, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-'],
    {
      maxBuffer: 256 << 20,
    },
  );
  const size = S * S * 3;
  return Array.from(
    { length: buf.length / size },
    (_, i) => new Uint8Array(buf.buffer, buf.byteOffset + i * size, size),
  );
}

type Rows = { t: number; q: FrameQuality }[];

/** Metrics of every sampled frame with the clip's OSD regions and the letterbox padding masked. */
function measureClip(name: string): Rows {
  const truth = JSON.parse(readFileSync(sharedPath(`${name}.truth.json`)!, 'utf8'));
  const osd: Polygon[] = truth.osd_regions.map(([x0, y0, x1, y1]: number[]) => [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ]);
  const content = letterboxContentSize(computeLetterbox(truth.width, truth.height, S, S));
  const mask = rasterizeMask(osd, S, S, { contentWidth: content.width, contentHeight: content.height });
  const grid = createQualityGrid(mask, S, S);
  let previous: Float32Array | null = null;
  return decode(sharedPath(`${name}.mp4`)!).map((frame, i) => {
    const grey = createGreyBuffer(grid);
    const q = measureFrameQuality(frame, grid, grey, previous);
    previous = grey;
    return { t: i / FPS, q };
  });
}

const within = (rows: Rows, t0: number, t1: number) => rows.filter((r) => r.t >= t0 && r.t < t1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describeWithShared([`${COVER}.mp4`, `${COVER}.truth.json`])('frame quality on tamper-cover_sub', () => {
  let rows: Rows;
  beforeAll(() => {
    rows = measureClip(COVER);
  });

  it('mean luma drops far below the covered threshold while the lens is covered (10.3–18 s)', () => {
    const covered = within(rows, 10.5, 18).map((r) => r.q.meanLuma);
    const open = [...within(rows, 0, 10), ...within(rows, 18, 30)].map((r) => r.q.meanLuma);
    expect(covered.length).toBeGreaterThanOrEqual(14);
    expect(Math.max(...covered)).toBeLessThan(25); // measured 17.3
    expect(Math.min(...open)).toBeGreaterThan(120); // measured 136–140
  });

  it('sharpness drops to a small fraction of the earlier picture once defocused (22–30 s)', () => {
    const before = median(within(rows, 18.5, 22).map((r) => r.q.sharpness)); // measured ~38
    const blurred = within(rows, 22.5, 30).map((r) => r.q.sharpness); // measured ~1.5
    expect(before).toBeGreaterThan(20);
    expect(Math.max(...blurred) / before).toBeLessThan(0.15);
    // luma stays normal: a blurred lens is not a covered one
    expect(Math.min(...within(rows, 22.5, 30).map((r) => r.q.meanLuma))).toBeGreaterThan(120);
  });
});

describeWithShared([`${FREEZE}.mp4`, `${FREEZE}.truth.json`])('frame quality on tamper-freeze_sub', () => {
  let rows: Rows;
  beforeAll(() => {
    rows = measureClip(FREEZE);
  });

  it('difference is clearly above 0 while live and ≈0 once frozen (from 12 s), except one step per IDR', () => {
    const live = within(rows, 0.5, 12).map((r) => r.q.difference!);
    expect(Math.min(...live)).toBeGreaterThan(0.6); // measured 0.93–5 (sensor noise, walkers)
    const frozen = within(rows, 12.5, 30);
    // decoded frames repeat exactly, but each IDR (every 2 s) re-encodes the picture: one step of ~1
    const atIdr = frozen.filter((r) => r.t % 2 === 0).map((r) => r.q.difference!);
    const between = frozen.filter((r) => r.t % 2 !== 0).map((r) => r.q.difference!);
    expect(between.length).toBeGreaterThanOrEqual(26);
    expect(Math.max(...between)).toBeLessThan(0.1); // measured ≤ 0.02
    expect(Math.max(...atIdr)).toBeLessThan(1.5); // measured 0.88–1.15
    expect(median(frozen.map((r) => r.q.difference!))).toBeLessThan(0.05);
  });
});

/** Per 6-s window (12 frames at 2 fps): how many frames differ from the previous by more than `above`. */
const windowCounts = (rows: Rows, above: number) =>
  rows.slice(11).map((_, i) => rows.slice(i, i + 12).filter((r) => r.q.difference! > above).length);

describeWithShared([`${FREEZE}.mp4`, `${STATIC}.mp4`, `${STATIC}.truth.json`])(
  'frozen versus a live static scene',
  () => {
    // A low-bitrate encoder drops most sensor noise, so a live static scene also has near-identical
    // samples; what tells them apart is how many frames of a window change at all. Frozen: only the
    // IDR steps (one per 2 s); static: almost every frame changes by more than 0.05.
    it('over any 6 s, frozen has only its IDR steps above 0.05, the static scene nearly every frame', () => {
      const frozen = windowCounts(
        measureClip(FREEZE).filter((r) => r.t >= 12.5),
        0.05,
      );
      const live = windowCounts(measureClip(STATIC), 0.05);
      expect(Math.max(...frozen)).toBeLessThanOrEqual(3); // measured 3
      expect(Math.min(...live)).toBeGreaterThanOrEqual(8); // measured 11
    });
  },
);
