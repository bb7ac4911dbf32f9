import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModel, parseManifest, readManifest } from './manifest';

const MODELS = path.resolve(__dirname, '../../../models');
const real = () => JSON.parse(readFileSync(path.join(MODELS, 'yolox_nano.json'), 'utf8'));

describe('model manifest', () => {
  it('models/yolox_nano.json is valid: 416 input, 3549 anchors, 80 COCO labels', () => {
    const m = readManifest(path.join(MODELS, 'yolox_nano.json'));
    expect(m.input).toMatchObject({
      name: 'images',
      shape: [1, 3, 416, 416],
      format: 'bgr',
      letterbox: { placement: 'top-left', pad: 114 },
    });
    expect(m.output).toMatchObject({ shape: [1, 3549, 85], strides: [8, 16, 32], scoresActivated: true });
    expect(m.labels).toHaveLength(80);
    expect([m.labels[0], m.labels[8]]).toEqual(['person', 'boat']);
  });

  it('names every offending field', () => {
    const bad = real();
    bad.output.shape = [1, 3500, 85];
    bad.labels = bad.labels.slice(1);
    bad.input.format = 'rgb';
    bad.extra = 1;
    let message = '';
    try {
      parseManifest(bad, 'model manifest x.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^model manifest x\.json: /);
    expect(message).toMatch(/input\.format/);
    expect(message).toMatch(/extra/);
    // the cross-field checks run once the fields themselves are valid
    const counts = real();
    counts.output.shape = [1, 3500, 85];
    counts.labels = counts.labels.slice(1);
    expect(() => parseManifest(counts)).toThrow(
      /output\.shape\.1: 3500 anchors, but strides 8,16,32 on 416x416 give 3549.*labels: 79 labels, but the output has 80 classes/,
    );
    const stride = real();
    stride.output.strides = [8, 16, 30];
    expect(() => parseManifest(stride)).toThrow(/output\.strides\.2: stride 30 does not divide the input 416x416/);
  });

  it('rejects a weights file name with a path in it', () => {
    expect(() => parseManifest({ ...real(), file: '../x.onnx' })).toThrow(/file/);
  });
});

describe('loadModel', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xl-manifest-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checks that the weights are there, of the right size and sha256, and says how to fetch them', () => {
    const m = { ...real(), size: 4, sha256: '0'.repeat(64) };
    writeFileSync(path.join(dir, 'yolox_nano.json'), JSON.stringify(m));
    expect(() => loadModel(dir, 'yolox_nano')).toThrow(
      /weights .*yolox_nano\.onnx missing; run `npm run models:fetch`/,
    );
    writeFileSync(path.join(dir, 'yolox_nano.onnx'), 'abc');
    expect(() => loadModel(dir, 'yolox_nano')).toThrow(/has 3 bytes, manifest says 4/);
    writeFileSync(path.join(dir, 'yolox_nano.onnx'), 'abcd');
    expect(() => loadModel(dir, 'yolox_nano')).toThrow(/sha256 88d4266f.*, manifest says 0000/);
    // sha256("abcd")
    writeFileSync(
      path.join(dir, 'yolox_nano.json'),
      JSON.stringify({ ...m, sha256: '88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589' }),
    );
    expect(loadModel(dir, 'yolox_nano').modelPath).toBe(path.join(dir, 'yolox_nano.onnx'));
  });

  it('names the manifest file when it is missing or not JSON', () => {
    expect(() => loadModel(dir, 'nope')).toThrow(/model manifest .*nope\.json: ENOENT/);
    writeFileSync(path.join(dir, 'broken.json'), '{');
    expect(() => loadModel(dir, 'broken')).toThrow(/model manifest .*broken\.json: .*JSON/);
  });
});
