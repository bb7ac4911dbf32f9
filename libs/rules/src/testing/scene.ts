// Test support: a scripted scene that turns "what is visible in this frame" into tracker-like output
// (tracked / lost / removed with real lastSeenAt), so rule tests control ids and timing exactly.
import type { Box } from '@xl/contracts';
import { parseCamera, type CameraConfig, type CameraConfigInput } from '@xl/config';
import type { Track } from '@xl/tracking';
import type { CameraRuleEngine } from '../engine';
import type { FrameQualitySample, RuleEvent } from '../types';

export const T0 = Date.UTC(2024, 6, 1, 4, 0, 0); // 12:00 in Asia/Shanghai

export function testCamera(input: Partial<CameraConfigInput>): CameraConfig {
  return parseCamera({ id: 'cam-1', url: 'rtsp://cam.example/main', ...input });
}

/** A box of height h and width w with its bottom-centre ("foot") at (fx, fy). */
export function footBox(fx: number, fy: number, h = 0.2, w = 0.06): Box {
  return [fx - w / 2, fy - h, fx + w / 2, fy];
}

export interface Sighting {
  id: number;
  box: Box;
  score?: number;
  label?: string;
}

export class Scene {
  private tracks = new Map<number, Track>();

  constructor(private readonly lostBufferMs = 2000) {}

  /** The tracker output for a frame at `t` in which exactly `visible` are seen. */
  frame(t: number, visible: Sighting[]): { tracks: Track[]; removed: Track[] } {
    const seen = new Set<number>();
    for (const v of visible) {
      seen.add(v.id);
      const prev = this.tracks.get(v.id);
      const label = v.label ?? 'person';
      this.tracks.set(v.id, {
        trackId: v.id,
        box: v.box,
        score: v.score ?? 0.8,
        classId: label === 'person' ? 0 : 8,
        label,
        state: 'tracked',
        firstSeenAt: prev?.firstSeenAt ?? t,
        // Reported from its first sighting (a tracker with confirmHits 1).
        firstBox: prev?.firstBox ?? v.box,
        confirmedAt: prev?.confirmedAt ?? t,
        lastSeenAt: t,
        hits: (prev?.hits ?? 0) + 1,
      });
    }
    const removed: Track[] = [];
    for (const [id, tr] of this.tracks) {
      if (seen.has(id)) continue;
      if (t - tr.lastSeenAt > this.lostBufferMs) {
        removed.push(tr);
        this.tracks.delete(id);
      } else {
        this.tracks.set(id, { ...tr, state: 'lost' });
      }
    }
    return { tracks: [...this.tracks.values()], removed };
  }
}

/** Drives an engine through scripted frames; collects every event. */
export class Run {
  readonly events: RuleEvent[] = [];
  readonly scene: Scene;

  constructor(
    readonly engine: CameraRuleEngine,
    lostBufferMs = 2000,
  ) {
    this.scene = new Scene(lostBufferMs);
  }

  /** One frame; returns its events. */
  at(t: number, visible: Sighting[] = [], quality?: FrameQualitySample): RuleEvent[] {
    const out = this.engine.evaluate({ capturedAt: t, ...this.scene.frame(t, visible), quality });
    this.events.push(...out);
    return out;
  }

  /** Frames every `stepMs` from `from` (inclusive) to `to` (exclusive) with the same sightings. */
  span(from: number, to: number, stepMs: number, visible: (t: number) => Sighting[] = () => [], quality?: (t: number) => FrameQualitySample): RuleEvent[] {
    const out: RuleEvent[] = [];
    for (let t = from; t < to; t += stepMs) out.push(...this.at(t, visible(t), quality?.(t)));
    return out;
  }

  of(kind: RuleEvent['kind'], rule?: RuleEvent['rule']): RuleEvent[] {
    return this.events.filter((e) => e.kind === kind && (!rule || e.rule === rule));
  }
}
