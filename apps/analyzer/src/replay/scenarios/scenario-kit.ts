// Runs a scenario clip of ../shared/media/clips through replay with the zones of its ground truth.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCamera, type CameraConfig } from '@xl/config';
import { createPoolDetector, loadModel, type Detector } from '@xl/detection';
import { repoRoot, sharedPath } from '@xl/testing';
import { analysisDetectorOptions } from '../../settings';
import { replayClip, type ReplayEvent } from '../replay';

export type { ReplayEvent };

export interface Truth {
  zones: { id: string; type: string; polygon: [number, number][] }[];
  osd_regions: [number, number, number, number][];
}

/** Analysis rate of the scenario cameras: waterside cameras run at 4 fps (the default is 2). */
export const SCENARIO_FPS = 4;

/** Clip and truth paths, or null when the shared data is absent (never under CI: sharedPath throws). */
export function scenarioFiles(name: string): { clip: string; truth: Truth } | null {
  const clip = sharedPath(`media/clips/${name}.mp4`);
  const truthFile = sharedPath(`media/clips/${name}.truth.json`);
  if (!clip || !truthFile) return null;
  return { clip, truth: JSON.parse(readFileSync(truthFile, 'utf8')) as Truth };
}

export interface Segment {
  /** Seconds of the source clip (played twice, so up to twice its length). */
  from: number;
  to: number;
  /** ffmpeg filters applied to this segment only. */
  filter?: string;
}

/**
 * A scenario clip cut into `segments`, each filtered on its own, joined and encoded as a camera would
 * (2 s GOP, no B-frames) into `out`; null without ../shared. The truth of `name` still applies.
 */
export function clipVariant(name: string, out: string, segments: Segment[]): string | null {
  const source = sharedPath(`media/clips/${name}.mp4`);
  if (!source) return null;
  const parts = segments.map((s, i) => `[s${i}]trim=${s.from}:${s.to},setpts=PTS-STARTPTS${s.filter ? `,${s.filter}` : ''}[o${i}]`);
  const inputs = segments.map((_, i) => `[s${i}]`).join('');
  const outputs = segments.map((_, i) => `[o${i}]`).join('');
  const graph = `[0]split=${segments.length}${inputs};${parts.join(';')};${outputs}concat=n=${segments.length}:v=1[v]`;
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-stream_loop', '1', '-i', source, '-filter_complex', graph,
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-bf', '0', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

/** `rules`: explicit rules instead of the defaults of the zones (effectiveRules); `zones`: more zones beside the truth's. */
export function scenarioCamera(name: string, truth: Truth, rules?: unknown[], zones: unknown[] = []): CameraConfig {
  return parseCamera({
    id: name,
    ...(rules ? { rules } : {}),
    url: 'rtsp://127.0.0.1/replay',
    fps: SCENARIO_FPS,
    masks: truth.osd_regions.map(([x0, y0, x1, y1]) => [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
    ]),
    zones: [...truth.zones, ...zones],
  });
}

export function scenarioDetector(): Promise<Detector> {
  const model = loadModel(path.join(repoRoot, 'models'), 'yolox_nano');
  return createPoolDetector(model, { ...analysisDetectorOptions(), size: 1 });
}

/**
 * All events of a replay of the clip (created, updated, ended). `clip` replaces the scenario's video
 * (a variant made from it, with the same truth); `rules` its default rules; `zones` are added to the
 * truth's; `missing` drops frames.
 */
export async function replayScenario(
  name: string,
  detector: Detector,
  options: { clip?: string; rules?: unknown[]; zones?: unknown[]; missing?: (t: number) => boolean } = {},
): Promise<ReplayEvent[] | null> {
  const files = scenarioFiles(name);
  if (!files) return null;
  const events: ReplayEvent[] = [];
  const camera = scenarioCamera(name, files.truth, options.rules, options.zones);
  // A fixed summer afternoon, so schedules (none by default) and logs are reproducible.
  const startAt = Date.parse('2026-07-15T15:00:00+08:00');
  for await (const e of replayClip({ clip: options.clip ?? files.clip, camera, detector, startAt, inputWidth: 416, inputHeight: 416, missing: options.missing })) events.push(e);
  return events;
}

export const created = (events: ReplayEvent[], rule?: string) =>
  events.filter((e) => e.event.kind === 'created' && (!rule || e.event.rule === rule));

export const describeEvents = (events: ReplayEvent[]) =>
  events.map((e) => `${e.t.toFixed(2)}s ${e.event.kind} ${e.event.rule} zone=${e.event.zoneId ?? '-'} track=${e.event.trackId ?? '-'} score=${e.event.score.toFixed(2)}`).join('\n');
