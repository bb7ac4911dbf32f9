import { Injectable } from '@nestjs/common';
import { AccessPolicy, type Principal, type ScopedResource } from '../shared/principal';

/**
 * The one visibility rule of the API, REST and push alike: admins see everything; anyone else sees
 * a resource when the resource's camera is one of their cameras (schools: their waters) or when one
 * of their scope regions lies on the path from the root to the camera's region (a region subtree).
 */
@Injectable()
export class ScopeAccessPolicy extends AccessPolicy {
  canSee(principal: Principal, resource: ScopedResource): boolean {
    if (principal.role === 'admin') return true;
    if (principal.cameraIds.includes(resource.cameraId)) return true;
    // Schools see only their explicit cameras, whatever regions a misconfigured record carries.
    if (principal.role === 'school') return false;
    return principal.regionIds.some((id) => resource.regionPath.includes(id));
  }
}
