import { redisKeys } from '@xl/contracts';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';
import { COMPARE_AND_DELETE, COMPARE_AND_PEXPIRE } from './scripts';

export type InflightGateOptions = KeyPrefixOptions;

/**
 * At most one frame per camera in flight: ingest takes the gate (SET NX PX) before publishing, the
 * analyzer releases it when the frame is done. A frame that finds the gate held is dropped, so stale
 * frames never queue up. The TTL frees the gate of a frame whose analyzer died.
 */
export class InflightGate extends PrefixedRedis {
  keyOf(cameraId: string): string {
    return this.prefix + redisKeys.inflight(cameraId);
  }

  /**
   * Takes the gate for `holder` (ingest uses the frame key, so the analyzer can release exactly that
   * frame's gate). False when another frame holds it.
   */
  async tryAcquire(cameraId: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keyOf(cameraId), holder, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
  }

  /**
   * Releases the gate. With `holder`, only if that holder still has it (a late analyzer must not free
   * the gate of a newer frame after its own expired); without, unconditionally. True when released.
   */
  async release(cameraId: string, holder?: string): Promise<boolean> {
    const key = this.keyOf(cameraId);
    if (holder === undefined) return (await this.redis.del(key)) === 1;
    return (await this.redis.eval(COMPARE_AND_DELETE, 1, key, holder)) === 1;
  }

  /**
   * Extends the gate to `ttlMs` from now if `holder` still has it: the analyzer holds it for as long
   * as the frame is in analysis, which may outlast the TTL ingest took it with. False when it is gone.
   */
  async renew(cameraId: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(COMPARE_AND_PEXPIRE, 1, this.keyOf(cameraId), holder, Math.max(1, Math.round(ttlMs)))) === 1;
  }

  /** Current holder, or null. */
  holder(cameraId: string): Promise<string | null> {
    return this.redis.get(this.keyOf(cameraId));
  }
}
