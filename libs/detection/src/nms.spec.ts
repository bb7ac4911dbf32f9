import { nms } from './nms';
import type { Candidates } from './yolox';

function candidates(list: { box: number[]; score: number; cls: number }[]): Candidates {
  return {
    count: list.length,
    boxes: Float32Array.from(list.flatMap((c) => c.box)),
    scores: Float32Array.from(list.map((c) => c.score)),
    classIds: Int32Array.from(list.map((c) => c.cls)),
  };
}

describe('nms', () => {
  it('suppresses a weaker overlapping box of the same class and keeps the best first', () => {
    const c = candidates([
      { box: [0, 0, 10, 10], score: 0.6, cls: 0 },
      { box: [1, 1, 11, 11], score: 0.9, cls: 0 }, // IoU with the first: 81 / 119 = 0.68
      { box: [50, 50, 60, 60], score: 0.7, cls: 0 },
    ]);
    expect(nms(c, 0.45, 100)).toEqual([1, 2]);
  });

  it('is class-aware: a person in a boat keeps both boxes', () => {
    const c = candidates([
      { box: [0, 0, 10, 10], score: 0.8, cls: 8 },
      { box: [0, 0, 10, 10], score: 0.7, cls: 0 },
    ]);
    expect(nms(c, 0.45, 100)).toEqual([0, 1]);
  });

  it('keeps an overlap at or below the IoU threshold', () => {
    // IoU of [0,0,10,10] and [5,0,15,10] = 50 / 150 = 1/3
    const c = candidates([
      { box: [0, 0, 10, 10], score: 0.9, cls: 0 },
      { box: [5, 0, 15, 10], score: 0.8, cls: 0 },
    ]);
    expect(nms(c, 0.34, 100)).toEqual([0, 1]);
    expect(nms(c, 0.33, 100)).toEqual([0]);
  });

  it('a suppressed box does not suppress others (greedy over kept boxes only)', () => {
    // B overlaps A and C; A suppresses B; C, far from A, survives although it overlaps B
    const c = candidates([
      { box: [0, 0, 10, 10], score: 0.9, cls: 0 },
      { box: [4, 0, 14, 10], score: 0.8, cls: 0 },
      { box: [8, 0, 18, 10], score: 0.7, cls: 0 },
    ]);
    expect(nms(c, 0.3, 100)).toEqual([0, 2]);
  });

  it('stops at maxDetections and handles no candidates', () => {
    const c = candidates([0.5, 0.9, 0.7].map((score, i) => ({ box: [i * 20, 0, i * 20 + 10, 10], score, cls: 0 })));
    expect(nms(c, 0.45, 2)).toEqual([1, 2]);
    expect(nms(candidates([]), 0.45, 10)).toEqual([]);
  });
});
