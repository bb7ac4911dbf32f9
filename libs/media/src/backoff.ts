/** Respawn delays: exponential, jittered so cameras that failed together do not retry in lock-step, capped. */
export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** No delay exceeds this, ms (jitter included). */
  maxMs: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** ± fraction of the delay drawn at random. Default 0.2 (delays in [0.8, 1.2] × nominal, then capped). */
  jitter?: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): initial × factor^(attempt−1), capped at max,
 * times a random factor in [1 − jitter, 1 + jitter], capped at max again.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const { initialMs, maxMs } = policy;
  const factor = policy.factor ?? 2;
  const jitter = policy.jitter ?? 0.2;
  if (!(initialMs > 0 && maxMs >= initialMs)) throw new Error(`backoff: need 0 < initialMs (${initialMs}) <= maxMs (${maxMs})`);
  if (!(factor >= 1)) throw new Error(`backoff: factor ${factor} must be >= 1`);
  if (!(jitter >= 0 && jitter < 1)) throw new Error(`backoff: jitter ${jitter} must be in [0, 1)`);
  const n = Math.max(1, Math.floor(attempt));
  // Cap the exponent first: factor^n overflows to Infinity for a camera that has been down for days.
  const nominal = Math.min(maxMs, initialMs * Math.pow(factor, Math.min(n - 1, 64)));
  const jittered = nominal * (1 - jitter + 2 * jitter * random());
  return Math.round(Math.min(maxMs, jittered));
}

/**
 * The back-off of a camera's `watchdog` settings (seconds). A first delay above the cap — a camera
 * stored before the configuration compared the two — starts at the cap: backoffDelay throws on it,
 * and it threw at the camera's every failure, ending the ingest process that read it.
 */
export function watchdogBackoff(initialSeconds: number, maxSeconds: number): BackoffPolicy {
  const maxMs = maxSeconds * 1000;
  return { initialMs: Math.min(initialSeconds * 1000, maxMs), maxMs };
}

/** Respawn delay when computing the back-off failed all the same: the default cap (watchdog.backoffMaxSeconds). */
export const FALLBACK_RESPAWN_MS = 30_000;

/**
 * backoffDelay for a respawn that must happen whatever the policy holds: should it fail (settings it
 * cannot use), `failed` hears why and the delay is FALLBACK_RESPAWN_MS — the camera is retried all the same.
 */
export function respawnDelay(attempt: number, policy: BackoffPolicy, random: (() => number) | undefined, failed: (err: Error) => void): number {
  try {
    return backoffDelay(attempt, policy, random);
  } catch (err) {
    failed(err as Error);
    return FALLBACK_RESPAWN_MS;
  }
}

/** The longest a run must deliver before its back-off starts over (see stableRunMs). */
export const STABLE_RUN_MAX_MS = 10_000;

/**
 * How long a run must deliver (frames, segments) before the back-off starts over: the cap, at most
 * 10 s. Not at the first frame — a camera or relay that accepts the session, sends a frame and drops
 * it was retried at the initial delay for ever — and not the whole cap either: a camera that came back
 * after an outage and dropped once 20 s later would wait up to the cap (30 s, or 10 min if so set),
 * blind, right after it recovered.
 */
export function stableRunMs(maxMs: number): number {
  return Math.min(maxMs, STABLE_RUN_MAX_MS);
}
