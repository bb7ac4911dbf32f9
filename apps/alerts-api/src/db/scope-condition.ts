import { type Expression, type ExpressionBuilder, sql, type SqlBool } from 'kysely';
import { CAMERA_HEALTH_RULES } from '../shared/camera-health-rules';
import { watersByCamera } from '../shared/waters';
import type { Database } from './schema';

/**
 * "Row is in the caller's scope": its camera is one of `cameraIds`, or its region lies in the
 * subtree of one of `regionRoots` (one join on the region closure). Alert rows (`alert` columns) of
 * a camera with `waters` listed must also be in one of those zones or a camera health alert (the
 * same reading as inWaters). Callers handle the empty scope.
 */
export function inScope<TB extends keyof Database>(
  eb: ExpressionBuilder<Database, TB>,
  scope: { regionRoots: string[]; cameraIds: string[]; waters?: string[] },
  columns: { region: string; camera: string; alert?: { zone: string; rule: string } },
): Expression<SqlBool> {
  const { regionRoots, cameraIds } = scope;
  const alert = columns.alert;
  const narrowed = alert && scope.waters?.length ? watersByCamera(scope.waters) : new Map<string, string[]>();
  const whole = cameraIds.filter((id) => !narrowed.has(id));
  const health = [...CAMERA_HEALTH_RULES];
  const inWaters = alert
    ? cameraIds
        .filter((id) => narrowed.has(id))
        .map((id) =>
          eb.and([
            eb(sql.ref(columns.camera), '=', id),
            eb.or([eb(sql.ref(alert.zone), 'in', narrowed.get(id) as string[]), eb(sql.ref(alert.rule), 'in', health)]),
          ]),
        )
    : [];
  return eb.or([
    ...(whole.length ? [eb(sql.ref(columns.camera), 'in', whole)] : []),
    ...inWaters,
    ...(regionRoots.length ? [eb(sql.ref(columns.region), 'in', inSubtrees(regionRoots))] : []),
  ]);
}

/** Subquery: ids of every region in the subtrees of `roots` (non-empty). */
export function inSubtrees(roots: string[]) {
  return sql<string>`(select descendant_id from region_closure where ancestor_id in (${sql.join(roots)}))`;
}
