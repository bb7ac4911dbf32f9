import type { Redis } from 'ioredis';
import { redisKeys } from '@xl/contracts';
import type { AnalysisState } from '../pipeline/frame-analyzer';

// Saves only when the stored state is older than the new one, so a slow worker finishing late
// never overwrites what a faster worker already stored for a newer frame.
const SAVE_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and decoded.capturedAt and tonumber(decoded.capturedAt) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`;

export class CameraStateRepository {
  constructor(
    private readonly redis: Redis,
    /** State of a camera nobody analysed for this long is dropped (tracks would be stale anyway). */
    private readonly ttlMs = 10 * 60_000,
  ) {}

  async load(cameraId: string): Promise<AnalysisState | null> {
    const raw = await this.redis.get(redisKeys.analyzerState(cameraId));
    return raw ? (JSON.parse(raw) as AnalysisState) : null;
  }

  /** Returns false when a newer state was already stored (this frame lost the race). */
  async save(cameraId: string, state: AnalysisState): Promise<boolean> {
    const saved = await this.redis.eval(SAVE_IF_NEWER, 1, redisKeys.analyzerState(cameraId), JSON.stringify(state), state.capturedAt, this.ttlMs);
    return saved === 1;
  }

  async clear(cameraId: string): Promise<void> {
    await this.redis.del(redisKeys.analyzerState(cameraId));
  }
}
