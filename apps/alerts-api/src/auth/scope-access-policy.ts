import { Injectable } from '@nestjs/common';
import { AccessPolicy, type Principal, type ScopedResource } from '../shared/principal';
import { inWaters } from '../shared/waters';

/**
 * The one visibility rule of the API, REST and push alike: admins see everything; anyone else sees
 * a resource when the resource's camera is one of their cameras — for a school with waters on that
 * camera, only alerts of those zones and the camera's health alerts — or when one of their scope regions lies
 * on the path from the root to the camera's region (a region subtree).
 */
@Injectable()
export class ScopeAccessPolicy extends AccessPolicy {
  canSee(principal: Principal, resource: ScopedResource): boolean {
    if (principal.role === 'admin') return true;
    if (principal.cameraIds.includes(resource.cameraId)) return inWaters(principal.waters, resource.cameraId, resource.alert);
    // Schools see only their explicit cameras, whatever regions a misconfigured record carries.
    if (principal.role === 'school') return false;
    return principal.regionIds.some((id) => resource.regionPath.includes(id));
  }
}

/**
 * Who may change a camera (configuration, zones, rules, maintenance, deletion): admins, and operators
 * whose region subtrees hold the camera's region. Narrower than canSee on purpose: an explicit
 * camera grant lets its holder watch a neighbour's camera, not move, disable or delete it under the
 * operators of its own region. A camera without a region (empty path): admins only.
 */
export function canEditCamera(principal: Principal, regionPath: string[]): boolean {
  if (principal.role === 'admin') return true;
  if (principal.role !== 'operator') return false;
  return principal.regionIds.some((id) => regionPath.includes(id));
}
