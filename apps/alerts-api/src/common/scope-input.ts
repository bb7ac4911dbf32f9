import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { idSchema } from '@xl/config';
import { CamerasRepository } from '../cameras/cameras.repository';
import { RegionsRepository } from '../regions/regions.repository';
import type { Role } from '../shared/principal';
import { parseWaterRef, waterRefSchema } from '../shared/waters';
import { type ValidationIssue, validationError } from './zod-pipe';

export const ROLES = ['admin', 'operator', 'school', 'viewer'] as const;
export const roleSchema = z.enum(ROLES).describe('admin: everything; operator: region subtrees, transitions; school: its cameras, acknowledge; viewer: read only');
export const regionIdsSchema = z.array(idSchema).max(256).describe('roots of the region subtrees in scope (operators, viewers)');
export const cameraIdsSchema = z.array(idSchema).max(1024).describe('cameras in scope, whole unless waters narrow them (schools: the cameras near them)');
export const watersSchema = z
  .array(waterRefSchema)
  .max(256)
  .describe(
    "schools only: their water zones as 'camera/zone', each camera one of cameraIds. A camera with zones listed here shows only those zones' alerts and its health alerts (offline, covered, moved …), not tripwire crossings; a camera without, all its alerts",
  );

/**
 * Whose scope is checked: a role, or a webhook subscription's filters ('subscription': regions and
 * cameras like an admin's, narrowed by waters like a school's).
 */
export type ScopeHolder = Role | 'subscription';

/** Checks that a role's scope is well-formed and names only existing regions and cameras. */
@Injectable()
export class ScopeInputValidator {
  constructor(
    private readonly regions: RegionsRepository,
    private readonly cameras: CamerasRepository,
  ) {}

  async check(role: ScopeHolder, regionIds: string[], cameraIds: string[], waters: string[] = []): Promise<void> {
    const issues: ValidationIssue[] = [];
    if (role === 'school' && regionIds.length) {
      issues.push({ field: 'regionIds', rule: 'school_scope', message: 'schools are scoped by cameraIds (and waters) only' });
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
    issues.push(...(await this.waterIssues(role, cameraIds, waters)));
    if (issues.length) throw validationError('body', issues);
  }

  /** Each water is a zone that exists, raises alerts, and lies on one of the caller's cameras. */
  private async waterIssues(role: ScopeHolder, cameraIds: string[], waters: string[]): Promise<ValidationIssue[]> {
    if (!waters.length) return [];
    if (role !== 'school' && role !== 'subscription') {
      return [{ field: 'waters', rule: 'school_scope', message: `only schools have waters; a ${role} sees whole cameras and regions` }];
    }
    const issues: ValidationIssue[] = [];
    const zonesOf = new Map<string, Map<string, string> | null>();
    for (const [i, ref] of waters.entries()) {
      const [cameraId, zoneId] = parseWaterRef(ref) ?? ['', ''];
      const field = `waters[${i}]`;
      if (!cameraIds.includes(cameraId)) {
        issues.push({ field, rule: 'in_scope', message: `water '${ref}': camera '${cameraId}' is not one of cameraIds` });
        continue;
      }
      if (!zonesOf.has(cameraId)) {
        const record = await this.cameras.get(cameraId);
        zonesOf.set(cameraId, record ? new Map(record.config.zones.map((z) => [z.id, z.type])) : null);
      }
      const zones = zonesOf.get(cameraId);
      const type = zones?.get(zoneId);
      if (zones && !type) issues.push({ field, rule: 'exists', message: `water '${ref}': camera '${cameraId}' has no zone '${zoneId}'` });
      if (type === 'ignore') issues.push({ field, rule: 'alerting_zone', message: `water '${ref}': zone '${zoneId}' is an ignore zone and raises no alerts` });
    }
    return issues;
  }
}
