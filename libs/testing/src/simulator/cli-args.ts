import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SimulatedCameraSpec } from './camera-simulator';

export const CLI_USAGE =
  'usage: node tools/run.mjs libs/testing/src/simulator/cli.ts --clips DIR [--sub-only] [--count N] [--json] [--loop-seconds S]';

export interface CliOptions {
  clipsDir: string;
  subOnly: boolean;
  count: number | null;
  json: boolean;
  loopSeconds: number;
}

/** Parses the simulator CLI's arguments; throws with the usage line on anything wrong. */
export function parseCliArgs(argv: string[]): CliOptions {
  try {
    return checkedOptions(argv);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${CLI_USAGE}`);
  }
}

function checkedOptions(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      clips: { type: 'string' },
      'sub-only': { type: 'boolean', default: false },
      count: { type: 'string' },
      json: { type: 'boolean', default: false },
      'loop-seconds': { type: 'string' },
    },
  });
  if (!values.clips) throw new Error('--clips DIR is required');
  const count = values.count === undefined ? null : Number(values.count);
  if (count !== null && !(Number.isInteger(count) && count >= 1 && count <= 999)) {
    throw new Error(`--count must be an integer from 1 to 999, got "${values.count}"`);
  }
  const loopSeconds = values['loop-seconds'] === undefined ? 600 : Number(values['loop-seconds']);
  if (!(Number.isFinite(loopSeconds) && loopSeconds >= 0 && loopSeconds <= 86400)) {
    throw new Error(`--loop-seconds must be from 0 to 86400, got "${values['loop-seconds']}"`);
  }
  return { clipsDir: path.resolve(values.clips), subOnly: values['sub-only'], count, json: values.json, loopSeconds };
}

/**
 * Which cameras to serve from the file names in the clips folder: every mp4 (only `_sub` ones with
 * subOnly), id = file name without `.mp4`; or, with count, `cam-01`… cycling through the `_sub` clips.
 */
export function planCameras(fileNames: string[], opts: Pick<CliOptions, 'clipsDir' | 'subOnly' | 'count'>): SimulatedCameraSpec[] {
  const isSub = (name: string) => name.endsWith('_sub.mp4');
  const mp4s = fileNames.filter((name) => name.endsWith('.mp4')).sort();
  const chosen = opts.subOnly || opts.count !== null ? mp4s.filter(isSub) : mp4s;
  if (chosen.length === 0) throw new Error(`no ${opts.subOnly || opts.count !== null ? '*_sub.mp4' : '*.mp4'} clips in ${opts.clipsDir}`);
  if (opts.count === null) return chosen.map((name) => ({ id: name.slice(0, -'.mp4'.length), clip: path.join(opts.clipsDir, name) }));
  const width = Math.max(2, String(opts.count).length);
  return Array.from({ length: opts.count }, (_, i) => ({
    id: `cam-${String(i + 1).padStart(width, '0')}`,
    clip: path.join(opts.clipsDir, chosen[i % chosen.length]),
  }));
}
