import fc from 'fast-check';
import { FORBIDDEN, solveAssignment } from './hungarian';

/** Cost of an assignment under the cost-limit model: pairs cost their cell, every unmatched row/col limit/2. */
function totalCost(cost: number[][], pairs: Array<[number, number]>, rows: number, cols: number, limit: number): number {
  const matched = pairs.reduce((s, [i, j]) => s + cost[i][j], 0);
  return matched + ((rows - pairs.length) + (cols - pairs.length)) * (limit / 2);
}

/** Exhaustive optimum over all partial matchings using only cells ≤ limit. */
function bruteForce(cost: number[][], rows: number, cols: number, limit: number): number {
  let best = Infinity;
  const usedCols = new Array<boolean>(cols).fill(false);
  const walk = (i: number, acc: Array<[number, number]>) => {
    if (i === rows) {
      best = Math.min(best, totalCost(cost, acc, rows, cols, limit));
      return;
    }
    walk(i + 1, acc);
    for (let j = 0; j < cols; j++) {
      if (usedCols[j] || cost[i][j] > limit) continue;
      usedCols[j] = true;
      walk(i + 1, [...acc, [i, j]]);
      usedCols[j] = false;
    }
  };
  walk(0, []);
  return best;
}

describe('solveAssignment', () => {
  it('picks the globally cheapest pairs, not the greedy ones', () => {
    // Greedy would take (0,0)=0.1 and then be forced into (1,1)=0.9 (over the limit) → one pair.
    const cost = Float64Array.from([0.1, 0.2, 0.15, 0.9]);
    expect(solveAssignment(cost, 2, 2, 0.8)).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('leaves pairs above the limit and forbidden cells unmatched', () => {
    expect(solveAssignment(Float64Array.from([0.85, FORBIDDEN, FORBIDDEN, 0.81]), 2, 2, 0.8)).toEqual([]);
    expect(solveAssignment(Float64Array.from([0.85, FORBIDDEN, 0.3, FORBIDDEN]), 2, 2, 0.8)).toEqual([[1, 0]]);
    expect(solveAssignment(new Float64Array(0), 0, 3, 0.8)).toEqual([]);
    expect(solveAssignment(Float64Array.from([0.5, 0.1, 0.7]), 1, 3, 0.8)).toEqual([[0, 1]]);
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => solveAssignment(new Float64Array(3), 2, 2, 0.8)).toThrow(/3 costs for 2×2/);
  });

  it('matches the exhaustive optimum on random rectangular matrices', () => {
    const matrix = fc
      .record({ rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 1, max: 5 }) })
      .chain(({ rows, cols }) =>
        fc.record({
          rows: fc.constant(rows),
          cols: fc.constant(cols),
          cells: fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(FORBIDDEN)), {
            minLength: rows * cols,
            maxLength: rows * cols,
          }),
          limit: fc.double({ min: 0.05, max: 1, noNaN: true }),
        }),
      );
    fc.assert(
      fc.property(matrix, ({ rows, cols, cells, limit }) => {
        const grid = Array.from({ length: rows }, (_, i) => cells.slice(i * cols, (i + 1) * cols));
        const pairs = solveAssignment(Float64Array.from(cells), rows, cols, limit);
        expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length);
        expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
        for (const [i, j] of pairs) expect(grid[i][j]).toBeLessThanOrEqual(limit);
        expect(totalCost(grid, pairs, rows, cols, limit)).toBeCloseTo(bruteForce(grid, rows, cols, limit), 9);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
