import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { idSchema } from '@xl/config';
import { CamerasRepository } from '../cameras/cameras.repository';
import { RegionsRepository } from '../regions/regions.repository';
import type { Role } from '../shared/principal';
import { type ValidationIssue, validationError } from './zod-pipe';

export const ROLES = ['admin', 'operator', 'school', 'viewer'] as const;
export const roleSchema = z.enum(ROLES).describe('admin: everything; operator: region subtrees, transitions; school: its cameras, acknowledge; viewer: read only');
export const regionIdsSchema = z.array(idSchema).max(256).describe('roots of the region subtrees in scope (operators, viewers)');
export const cameraIdsSchema = z.array(idSchema).max(1024).describe('cameras in scope (schools: their waters)');

/** Checks that a role's scope is well-formed and names only existing regions and cameras. */
@Injectable()
export class ScopeInputValidator {
  constructor(
    private readonly regions: RegionsRepository,
    private readonly cameras: CamerasRepository,
  ) {}

  async check(role: Role, regionIds: string[], cameraIds: string[]): Promise<void> {
    const issues: ValidationIssue[] = [];
    if (role === 'school' && regionIds.length) {
      issues.push({ field: 'regionIds', rule: 'school_scope', message: 'schools are scoped by cameraIds only (they see only their waters)' });
    }
    if (role === 'school' && !cameraIds.length) issues.push({ field: 'cameraIds', rule: 'required', message: 'a school needs at least one camera' });
    const regions = await this.regions.existing(regionIds);
    regionIds.forEach((id, i) => {
      if (!regions.has(id)) issues.push({ field: `regionIds[${i}]`, rule: 'exists', message: `region '${id}' does not exist` });
    });
    const cameras = await this.cameras.existing(cameraIds);
    cameraIds.forEach((id, i) => {
      if (!cameras.has(id)) issues.push({ field: `cameraIds[${i}]`, rule: 'exists', message: `camera '${id}' does not exist` });
    });
    if (issues.length) throw validationError('body', issues);
  }
}
