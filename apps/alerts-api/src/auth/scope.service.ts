import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { RegionsRepository } from '../regions/regions.repository';
import { AccessPolicy, type Principal, type ScopedResource } from '../shared/principal';
import type { AlertSpot } from '../shared/waters';
import { canEditCamera } from './scope-access-policy';

/** Where an alert sits, as far as scope goes. */
export interface AlertPlacement extends AlertSpot {
  id: string;
  cameraId: string;
  regionId: string | null;
}

/**
 * What a list query may return: everything, or cameras in region subtrees plus explicit cameras,
 * the alerts of explicit cameras narrowed to `waters` (schools; 'camera/zone').
 */
export type ScopeFilter = { all: true } | { all: false; regionRoots: string[]; cameraIds: string[]; waters: string[] };

/** Database-aware side of the access policy: region paths for resources, filters for lists. */
@Injectable()
export class ScopeService {
  constructor(
    private readonly regions: RegionsRepository,
    private readonly policy: AccessPolicy,
  ) {}

  filterFor(principal: Principal): ScopeFilter {
    if (principal.role === 'admin') return { all: true };
    return { all: false, regionRoots: principal.role === 'school' ? [] : principal.regionIds, cameraIds: principal.cameraIds, waters: principal.waters };
  }

  /** `alert`: an alert's zone and rule (a school's waters narrow them); none for the camera itself. */
  async resourceOf(cameraId: string, regionId: string | null, alert?: AlertSpot): Promise<ScopedResource> {
    const regionPath = regionId ? await this.regions.path(regionId) : [];
    return alert ? { cameraId, regionPath, alert: { zoneId: alert.zoneId, rule: alert.rule } } : { cameraId, regionPath };
  }

  async canSeeCamera(principal: Principal, cameraId: string, regionId: string | null): Promise<boolean> {
    return this.policy.canSee(principal, await this.resourceOf(cameraId, regionId));
  }

  /** 404, not 403: a caller must not learn that an object outside their scope exists. */
  async assertCamera(principal: Principal, cameraId: string, regionId: string | null, what: string): Promise<void> {
    if (!(await this.canSeeCamera(principal, cameraId, regionId))) throw new NotFoundException(`${what} not found`);
  }

  /**
   * Before a change to a camera: 404 when the caller cannot see it (as assertCamera); 403 when they
   * see it but may not change it (canEditCamera) — it is no secret to them that it exists.
   */
  async assertCameraEditable(principal: Principal, cameraId: string, regionId: string | null, what: string): Promise<void> {
    const resource = await this.resourceOf(cameraId, regionId);
    if (!this.policy.canSee(principal, resource)) throw new NotFoundException(`${what} not found`);
    if (!canEditCamera(principal, resource.regionPath)) {
      throw new ForbiddenException(`${what} is not in your regions: a camera granted by id may be watched, not changed`);
    }
  }

  /** 404 unless the alert lies in the caller's scope: its camera, and for schools its zone. */
  async assertAlert(principal: Principal, alert: AlertPlacement): Promise<void> {
    const resource = await this.resourceOf(alert.cameraId, alert.regionId, alert);
    if (!this.policy.canSee(principal, resource)) throw new NotFoundException(`alert '${alert.id}' not found`);
  }

  /** A region is visible when it lies inside one of the caller's region subtrees (admins: all). */
  async canSeeRegion(principal: Principal, regionId: string): Promise<boolean> {
    if (principal.role === 'admin') return true;
    if (principal.role === 'school') return false;
    const path = await this.regions.path(regionId);
    return principal.regionIds.some((id) => path.includes(id));
  }
}
