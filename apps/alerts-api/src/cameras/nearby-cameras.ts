import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { geoDistanceMeters } from '@xl/geometry';
import { ScopeService } from '../auth/scope.service';
import { CameraStatusRepository } from '../camera-status/camera-status.repository';
import type { Principal } from '../shared/principal';
import { CamerasRepository } from './cameras.repository';
import { CamerasService } from './cameras.service';

export const nearbyQuerySchema = z.strictObject({
  radius: z.coerce.number().int().min(10).max(50_000).default(1000).describe('metres around the camera\'s site'),
  limit: z.coerce.number().int().min(1).max(50).default(8).describe('nearest first, at most this many'),
});

export interface NearbyCamera {
  id: string;
  name: string | null;
  /** Between the two sites' coordinates, rounded to the metre. */
  distanceM: number;
  status: 'online' | 'offline' | null;
}

/**
 * The cameras near a camera's site, in the caller's scope, nearest first: where a person who walked
 * out of one picture may be in the next, and what to look at while the grid worker is on the way.
 * A camera without coordinates has no neighbours (`located: false`).
 */
@Injectable()
export class NearbyCamerasService {
  constructor(
    private readonly cameras: CamerasService,
    private readonly repository: CamerasRepository,
    private readonly statuses: CameraStatusRepository,
    private readonly scope: ScopeService,
  ) {}

  async near(principal: Principal, id: string, q: z.output<typeof nearbyQuerySchema>): Promise<{ located: boolean; items: NearbyCamera[] }> {
    const origin = (await this.cameras.get(principal, id)).site?.location; // 404 outside the caller's scope
    if (!origin) return { located: false, items: [] };
    const near = (await this.repository.located(this.scope.filterFor(principal)))
      .filter((c) => c.id !== id)
      .map((c) => ({ id: c.id, name: c.name, distanceM: Math.round(geoDistanceMeters(origin, c.location)) }))
      .filter((c) => c.distanceM <= q.radius)
      .sort((a, b) => a.distanceM - b.distanceM || a.id.localeCompare(b.id))
      .slice(0, q.limit);
    const statuses = await this.statuses.many(near.map((c) => c.id));
    return { located: true, items: near.map((c) => ({ ...c, status: statuses.get(c.id)?.status ?? null })) };
  }
}
