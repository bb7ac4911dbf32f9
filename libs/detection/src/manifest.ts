import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// A model manifest (models/<name>.json) says everything the adapter needs to run a model: where its
// weights come from, how to feed it and how to read its output. Only what is implemented is allowed,
// so a manifest for a model this code cannot run fails at load time, not with wrong boxes.

const dim = (what: string) => z.number().int().min(1).max(8192).describe(what);

export const manifestSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .describe('model id; the file is models/<name>.json and cameras name it in `model`'),
    description: z.string().max(500).optional().describe('what the model is, for people'),
    file: z
      .string()
      .regex(/^[\w.-]{1,128}\.onnx$/)
      .describe('weights file name in the models directory (never committed; see models/fetch.mjs)'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe('sha256 of the weights, checked by the fetch script and at load'),
    size: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32)
      .describe('size of the weights in bytes'),
    source: z
      .url({ protocol: /^https?$/ })
      .describe('where fetch.mjs downloads the weights when XL_MODELS_DIR does not have them'),
    license: z.string().min(1).max(64).describe('licence of the weights (SPDX id)'),
    input: z
      .strictObject({
        name: z.string().min(1).max(128).describe('ONNX input name'),
        shape: z.tuple([z.literal(1), z.literal(3), dim('height'), dim('width')]).describe('NCHW, batch 1, 3 channels'),
        format: z.literal('bgr').describe('channel order (only bgr is implemented)'),
        range: z.tuple([z.literal(0), z.literal(255)]).describe('pixel value range fed to the model'),
        normalization: z.literal('none').describe('no mean/std normalisation (only none is implemented)'),
        fullyConvolutional: z
          .boolean()
          .default(false)
          .describe(
            'the network takes any height and width that its largest stride divides (no fixed-size Reshape), so a frame runs on the rows its picture fills instead of the whole letterboxed square (16:9: 256 of 416 rows)',
          ),
        letterbox: z
          .strictObject({
            placement: z.literal('top-left').describe('picture placed top-left, padding right and bottom'),
            pad: z.number().int().min(0).max(255).describe('padding grey level'),
          })
          .describe('how frames are letterboxed into the input'),
      })
      .describe('what the model takes'),
    output: z
      .strictObject({
        name: z.string().min(1).max(128).describe('ONNX output name'),
        shape: z
          .tuple([z.literal(1), dim('anchors'), z.number().int().min(6).max(10005)])
          .describe('[1, anchors, 5 + classes]: x, y, w, h, objectness, class scores'),
        layout: z.literal('yolox').describe('anchor-free grid output decoded as in YOLOX'),
        strides: z.array(z.number().int().min(1).max(256)).min(1).max(6).describe('grid strides, in output order'),
        scoresActivated: z.boolean().describe('objectness and class scores already went through a sigmoid'),
        score: z.literal('objectness*class').describe('how a detection score is formed'),
      })
      .describe('what the model gives'),
    labels: z.array(z.string().min(1).max(64)).min(1).max(10000).describe('class names in output order'),
  })
  .superRefine((m, ctx) => {
    const [, , h, w] = m.input.shape;
    let anchors = 0;
    for (const [i, s] of m.output.strides.entries()) {
      if (h % s || w % s)
        ctx.addIssue({
          code: 'custom',
          path: ['output', 'strides', i],
          message: `stride ${s} does not divide the input ${w}x${h}`,
        });
      anchors += Math.floor(h / s) * Math.floor(w / s);
    }
    if (anchors !== m.output.shape[1]) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'shape', 1],
        message: `${m.output.shape[1]} anchors, but strides ${m.output.strides} on ${w}x${h} give ${anchors}`,
      });
    }
    if (m.labels.length !== m.output.shape[2] - 5) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels'],
        message: `${m.labels.length} labels, but the output has ${m.output.shape[2] - 5} classes`,
      });
    }
  });

export type ModelManifest = z.infer<typeof manifestSchema>;

/** A validated manifest and the absolute path of its weights. */
export interface LoadedModel {
  manifest: ModelManifest;
  modelPath: string;
}

/** Validates a parsed manifest; the error names the source and every offending field. */
export function parseManifest(raw: unknown, source = 'model manifest'): ModelManifest {
  const result = manifestSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`${source}: ${issues.join('; ')}`);
}

export function readManifest(file: string): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`model manifest ${file}: ${(err as Error).message}`);
  }
  return parseManifest(raw, `model manifest ${file}`);
}

/**
 * Loads models/<name>.json from `modelsDir` and checks that its weights are there with the right size
 * and sha256 (~10 ms for YOLOX-Nano, once per process: a truncated file must not yield silent garbage).
 */
export function loadModel(modelsDir: string, name: string): LoadedModel {
  const manifest = readManifest(path.join(modelsDir, `${name}.json`));
  const modelPath = path.join(modelsDir, manifest.file);
  const fix = `run \`npm run models:fetch\` (XL_MODELS_DIR=<dir with ${manifest.file}> when offline)`;
  let size: number;
  try {
    size = statSync(modelPath).size;
  } catch {
    throw new Error(`model ${name}: weights ${modelPath} missing; ${fix}`);
  }
  if (size !== manifest.size)
    throw new Error(`model ${name}: ${modelPath} has ${size} bytes, manifest says ${manifest.size}; ${fix}`);
  const sum = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
  if (sum !== manifest.sha256)
    throw new Error(`model ${name}: ${modelPath} sha256 ${sum}, manifest says ${manifest.sha256}; ${fix}`);
  return { manifest, modelPath };
}
