// The camera's learned view, for camera_moved: the coarse layout of its picture (@xl/vision
// sceneLayout) averaged over time, one per picture mode — colour by day, grey when the camera switches
// to infrared at night — so that the nightly switch is not taken for a moved camera. It learns slowly
// (10 min) and only from frames that already look like it, so a camera turning little by little is
// not followed; it starts again when the camera's zones or lines change (an operator who redrew them
// for a new view has accepted that view).
import { layoutCorrelation, MIN_LAYOUT_BLOCKS } from '@xl/vision';

/** Samples (plain mean) before a mode's view is trusted. */
export const VIEW_WARMUP_SAMPLES = 10;
/** A frame teaches the view only when it correlates at least this well with it. */
export const VIEW_LEARN_MIN_SIMILARITY = 0.8;
/** Mean colour spread (meanChroma) at or below which the picture counts as infrared grey. */
export const MONO_MAX_CHROMA = 4;
const TAU_MS = 600_000;
/** Gaps longer than this count as this long (heartbeat frames after a quiet spell). */
const MAX_STEP_MS = 10_000;

type Mode = 'colour' | 'mono';

interface ModeViewJSON {
  /** Block means, rounded to 0.1 grey level; null where the block is masked. */
  layout: (number | null)[];
  samples: number;
  lastAt: number;
}

export interface SceneViewJSON {
  /** Hash of the zones and lines the view was learned under. */
  drawing: string;
  colour: ModeViewJSON | null;
  mono: ModeViewJSON | null;
}

/** What the current frame says about the view. */
export interface ViewReading {
  /** Correlation with the learned view of the frame's mode; null while learning or without a layout. */
  similarity: number | null;
  /** The frame's mode has no trusted view yet. */
  learning: boolean;
}

export const NO_VIEW_READING: ViewReading = { similarity: null, learning: false };

export class SceneView {
  private views: Record<Mode, { layout: Float64Array; samples: number; lastAt: number } | null> = { colour: null, mono: null };

  /** `drawing`: a key of the camera's zones and lines (drawingKey). */
  constructor(private readonly drawing: string) {}

  read(layout: ArrayLike<number> | undefined, chroma: number | undefined): ViewReading {
    if (!layout || chroma === undefined) return NO_VIEW_READING;
    const view = this.views[modeOf(chroma)];
    if (!view || view.samples < VIEW_WARMUP_SAMPLES || view.layout.length !== layout.length || outgrown(view.layout, layout)) return { similarity: null, learning: true };
    return { similarity: layoutCorrelation(view.layout, layout), learning: false };
  }

  /** Teaches the frame's mode its view; `reading` is what read() said of this frame. */
  learn(t: number, layout: ArrayLike<number> | undefined, chroma: number | undefined, reading: ViewReading): void {
    if (!layout || chroma === undefined) return;
    const mode = modeOf(chroma);
    let view = this.views[mode];
    // A view of too few blocks to compare with (learned while most of the picture was masked) could
    // never be compared again, nor taught: it starts again from a frame that shows enough.
    if (!view || view.layout.length !== layout.length || outgrown(view.layout, layout)) {
      view = this.views[mode] = { layout: Float64Array.from(layout), samples: 1, lastAt: t };
      return;
    }
    const warming = view.samples < VIEW_WARMUP_SAMPLES;
    if (!warming && (reading.similarity === null || reading.similarity < VIEW_LEARN_MIN_SIMILARITY)) return;
    const a = warming ? 1 / (view.samples + 1) : 1 - Math.exp(-Math.min(MAX_STEP_MS, Math.max(0, t - view.lastAt)) / TAU_MS);
    const learnt = view.layout;
    for (let i = 0; i < layout.length; i++) {
      const x = layout[i];
      // A block the frame does not show (masked since) keeps what the view knows of it: averaged in,
      // NaN stayed in the view for good, and a large mask, even removed again, left too few blocks
      // to compare — camera_moved silent for ever. A block the view lacks takes the frame's.
      if (Number.isNaN(x)) continue;
      learnt[i] = Number.isNaN(learnt[i]) ? x : learnt[i] + (x - learnt[i]) * a;
    }
    view.samples++;
    view.lastAt = t;
  }

  toJSON(): SceneViewJSON {
    const mode = (v: SceneView['views'][Mode]): ModeViewJSON | null =>
      v && { layout: Array.from(v.layout, (x) => (Number.isNaN(x) ? null : Math.round(x * 10) / 10)), samples: v.samples, lastAt: v.lastAt };
    return { drawing: this.drawing, colour: mode(this.views.colour), mono: mode(this.views.mono) };
  }

  /** Loads a saved view unless it was learned under other zones or lines. */
  load(json: SceneViewJSON | undefined): void {
    if (!json || json.drawing !== this.drawing) return;
    const mode = (v: ModeViewJSON | null) => v && { layout: Float64Array.from(v.layout, (x) => (x === null ? NaN : x)), samples: v.samples, lastAt: v.lastAt };
    this.views = { colour: mode(json.colour), mono: mode(json.mono) };
  }
}

/** The view has too few blocks to compare with, and the frame enough. */
function outgrown(view: ArrayLike<number>, frame: ArrayLike<number>): boolean {
  return tooFewBlocks(view) && !tooFewBlocks(frame);
}

function tooFewBlocks(layout: ArrayLike<number>): boolean {
  let known = 0;
  for (let i = 0; i < layout.length && known < MIN_LAYOUT_BLOCKS; i++) if (!Number.isNaN(layout[i])) known++;
  return known < MIN_LAYOUT_BLOCKS;
}

function modeOf(chroma: number): Mode {
  return chroma <= MONO_MAX_CHROMA ? 'mono' : 'colour';
}

/** A short key of a camera's zones and lines (FNV-1a of their JSON): a change means a new drawing. */
export function drawingKey(drawing: unknown): string {
  const text = JSON.stringify(drawing);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
