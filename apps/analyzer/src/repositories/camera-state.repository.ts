import type { RedisClient } from '@xl/queue';
import { redisKeys } from '@xl/contracts';
import type { AnalysisState } from '../pipeline/frame-analyzer';

// Saves only when the stored state is older than the new one, so a slow worker finishing late
// never overwrites what a faster worker already stored for a newer frame — or when the stored one is
// exactly the state ARGV[4] names (the one a frame after a backward clock jump replaces).
const SAVE_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and decoded.capturedAt then
    local stored = tonumber(decoded.capturedAt)
    if stored >= tonumber(ARGV[2]) and stored ~= tonumber(ARGV[4]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`;

/**
 * Fractions are stored with 7 significant digits (boxes are normalized coordinates; 1e-7 of a frame
 * is far below a pixel), which halves the state written per frame; integers (times, ids) stay exact.
 */
function compactNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Number(value.toPrecision(7)) : value;
}

export class CameraStateRepository {
  constructor(
    private readonly redis: RedisClient,
    /** Prepended to the key, like the other Redis adapters' keyPrefix. */
    private readonly keyPrefix = '',
    /**
     * State of a camera nobody analysed for this long is dropped. Its tracks are stale after
     * STATE_MAX_GAP_MS anyway, but its learned view and sharpness baseline carry over an outage (a
     * camera turned while it was off is reported as moved): a week, a few KiB per camera.
     */
    private readonly ttlMs = 7 * 24 * 3600_000,
  ) {}

  private keyOf(cameraId: string): string {
    return this.keyPrefix + redisKeys.analyzerState(cameraId);
  }

  async load(cameraId: string): Promise<AnalysisState | null> {
    const raw = await this.redis.get(this.keyOf(cameraId));
    if (!raw) return null;
    try {
      const state = JSON.parse(raw) as AnalysisState | null;
      // Without a capture time every frame would compare as older than it and be dropped, and the
      // state, never saved over, would blind the camera for its week: taken as corrupt.
      return state && Number.isFinite(state.capturedAt) ? state : null;
    } catch {
      return null; // corrupt: the camera starts afresh, and its next save replaces it (the script cannot decode it either)
    }
  }

  /**
   * Returns false when a newer state was already stored (this frame lost the race), unless that is the
   * state `replacing` names by its capturedAt: a state from before the clock went back.
   */
  async save(cameraId: string, state: AnalysisState, replacing?: number): Promise<boolean> {
    const saved = await this.redis.eval(SAVE_IF_NEWER, 1, this.keyOf(cameraId), JSON.stringify(state, compactNumbers), state.capturedAt, this.ttlMs, replacing ?? '');
    return saved === 1;
  }

  async clear(cameraId: string): Promise<void> {
    await this.redis.del(this.keyOf(cameraId));
  }
}
