import fc from 'fast-check';

/** The seed the property tests use unless told otherwise: runs are reproducible by default. */
export const DEFAULT_FUZZ_SEED = 20260607;

/**
 * Seed and run count of the property tests: `XL_FUZZ_SEED` (a number, or `random` for a new seed
 * each run — printed with any failure) and `XL_FUZZ_RUNS` (runs per property).
 */
export function fuzzParameters(defaultRuns: number): { seed: number; numRuns: number } {
  const seedText = process.env.XL_FUZZ_SEED;
  const seed = seedText === 'random' ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : seedText ? Number(seedText) : DEFAULT_FUZZ_SEED;
  if (!Number.isSafeInteger(seed)) throw new Error(`XL_FUZZ_SEED must be an integer or 'random', got '${seedText}'`);
  const runsText = process.env.XL_FUZZ_RUNS;
  const numRuns = runsText ? Number(runsText) : defaultRuns;
  if (!Number.isInteger(numRuns) || numRuns < 1 || numRuns > 100_000) throw new Error(`XL_FUZZ_RUNS must be an integer 1–100000, got '${runsText}'`);
  return { seed, numRuns };
}

/** Runs a property without throwing; a failure comes back as fast-check's report (counterexample, seed, path). */
export async function checkProperty<T>(property: fc.IAsyncPropertyWithHooks<T>, params: { seed: number; numRuns: number }): Promise<string | null> {
  const details = await fc.check(property, params);
  return details.failed ? ((await fc.asyncDefaultReportMessage(details)) ?? 'failed') : null;
}

/** A seed of its own for each property (route, …), derived from the run's seed: same seed, same inputs. */
export function seedFor(seed: number, name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (seed ^ hash) | 0;
}
