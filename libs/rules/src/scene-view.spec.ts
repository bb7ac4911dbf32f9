import { drawingKey, SceneView, VIEW_LEARN_MIN_SIMILARITY, VIEW_WARMUP_SAMPLES } from './scene-view';

const N = 24;
/** A layout with structure; `shift` rolls it, `gain`/`offset` change brightness and contrast. */
const layout = (shift = 0, gain = 1, offset = 0) => Float32Array.from({ length: N }, (_, i) => offset + gain * (((i + shift) * 37) % 100));
const COLOUR = 30;
const MONO = 1;

function learned(view: SceneView, l: Float32Array, chroma: number, from = 0): number {
  let t = from;
  for (let i = 0; i < VIEW_WARMUP_SAMPLES; i++, t += 1000) view.learn(t, l, chroma, view.read(l, chroma));
  return t;
}

describe('SceneView', () => {
  it('learns for VIEW_WARMUP_SAMPLES frames, then compares the frame with the view of its mode', () => {
    const view = new SceneView('d1');
    expect(view.read(layout(), COLOUR)).toEqual({ similarity: null, learning: true });
    learned(view, layout(), COLOUR);
    expect(view.read(layout(0, 0.5, 40), COLOUR).similarity).toBeCloseTo(1, 5);
    expect(view.read(layout(7), COLOUR).similarity!).toBeLessThan(0.5);
    // Infrared at night is another mode with its own view: learning, not "moved".
    expect(view.read(layout(7), MONO)).toEqual({ similarity: null, learning: true });
    expect(view.read(undefined, COLOUR)).toEqual({ similarity: null, learning: false });
  });

  it('does not follow a frame that does not look like the view (a camera turning little by little)', () => {
    const view = new SceneView('d1');
    const t = learned(view, layout(), COLOUR);
    const other = layout(7);
    for (let i = 0; i < 600; i++) view.learn(t + i * 1000, other, COLOUR, view.read(other, COLOUR));
    expect(view.read(other, COLOUR).similarity!).toBeLessThan(VIEW_LEARN_MIN_SIMILARITY);
    expect(view.read(layout(), COLOUR).similarity).toBeCloseTo(1, 5);
  });

  it('keeps the blocks a frame does not show (a mask added, then removed again) and learns those it lacks', () => {
    const blocks = (v: SceneView) => v.toJSON().colour!.layout.filter((x) => x !== null).length;
    const masked = (n: number) => layout().map((x, i) => (i < n ? NaN : x));
    const view = new SceneView('d1');
    const t = learned(view, layout(), COLOUR);
    // A mask over 10 of 24 blocks for a while: the other 14 still compare, and the frames teach the view.
    for (let i = 0; i < 30; i++) view.learn(t + i * 1000, masked(10), COLOUR, view.read(masked(10), COLOUR));
    expect(blocks(view)).toBe(N); // before: the 10 masked blocks NaN in the view for good
    // A view warmed up under a mask takes those blocks from the first frames that show them.
    const late = new SceneView('d2');
    const u = learned(late, masked(10), COLOUR);
    late.learn(u, layout(), COLOUR, late.read(layout(), COLOUR));
    expect(blocks(late)).toBe(N); // before: 14, whatever it saw afterwards
    // One warmed up while too few blocks showed to compare with starts again from a frame that shows them.
    const thin = new SceneView('d3');
    learned(thin, masked(20), COLOUR);
    expect(thin.read(layout(), COLOUR)).toEqual({ similarity: null, learning: true }); // before: null for ever, learning false
    learned(thin, layout(), COLOUR, u);
    expect(thin.read(layout(), COLOUR).similarity).toBeCloseTo(1, 5);
    expect(thin.read(layout(7), COLOUR).similarity!).toBeLessThan(0.5);
  });

  it('survives JSON and starts again under another drawing of zones and lines', () => {
    const view = new SceneView(drawingKey({ zones: [{ id: 'pond' }] }));
    learned(view, layout(), COLOUR);
    const json = JSON.parse(JSON.stringify(view.toJSON()));
    const same = new SceneView(drawingKey({ zones: [{ id: 'pond' }] }));
    same.load(json);
    expect(same.read(layout(), COLOUR).similarity).toBeCloseTo(1, 3);
    const redrawn = new SceneView(drawingKey({ zones: [{ id: 'pond', moved: true }] }));
    redrawn.load(json);
    expect(redrawn.read(layout(), COLOUR)).toEqual({ similarity: null, learning: true });
    expect(drawingKey({ a: 1 })).toMatch(/^[0-9a-f]{8}$/);
  });
});
