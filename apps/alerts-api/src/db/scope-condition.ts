import { type Expression, type ExpressionBuilder, sql, type SqlBool } from 'kysely';
import type { Database } from './schema';

/**
 * "Row is in the caller's scope": its camera is one of `cameraIds`, or its region lies in the
 * subtree of one of `regionRoots` (one join on the region closure). Callers handle the empty scope.
 */
export function inScope<TB extends keyof Database>(
  eb: ExpressionBuilder<Database, TB>,
  scope: { regionRoots: string[]; cameraIds: string[] },
  columns: { region: string; camera: string },
): Expression<SqlBool> {
  const { regionRoots, cameraIds } = scope;
  return eb.or([
    ...(cameraIds.length ? [eb(sql.ref(columns.camera), 'in', cameraIds)] : []),
    ...(regionRoots.length ? [eb(sql.ref(columns.region), 'in', inSubtrees(regionRoots))] : []),
  ]);
}

/** Subquery: ids of every region in the subtrees of `roots` (non-empty). */
export function inSubtrees(roots: string[]) {
  return sql<string>`(select descendant_id from region_closure where ancestor_id in (${sql.join(roots)}))`;
}
