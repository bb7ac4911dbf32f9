import type { Region } from './types';

export interface RegionNode {
  region: Region;
  children: RegionNode[];
  depth: number;
}

/** The visible regions as a forest (a region whose parent is not visible is a root), sorted by name. */
export function regionForest(regions: Region[]): RegionNode[] {
  const byId = new Map(regions.map((r) => [r.id, r]));
  const children = new Map<string | null, Region[]>();
  for (const r of regions) {
    const parent = r.parentId && byId.has(r.parentId) ? r.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const build = (parent: string | null, depth: number): RegionNode[] =>
    (children.get(parent) ?? [])
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((region) => ({ region, depth, children: build(region.id, depth + 1) }));
  return build(null, 0);
}

/** Depth-first list (for an indented select or tree). */
export function flatten(forest: RegionNode[]): RegionNode[] {
  return forest.flatMap((n) => [n, ...flatten(n.children)]);
}

/** The region and every region below it. */
export function subtreeIds(regions: Region[], rootId: string): Set<string> {
  const ids = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of regions) {
      if (r.parentId && ids.has(r.parentId) && !ids.has(r.id)) {
        ids.add(r.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** Names from the top visible region down to `id` ("City › County A › Village A1a"); the id when unknown. */
export function regionPathName(regions: Region[], id: string): string {
  const byId = new Map(regions.map((r) => [r.id, r]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let r = byId.get(id); r && !seen.has(r.id); r = r.parentId ? byId.get(r.parentId) : undefined) {
    seen.add(r.id);
    names.unshift(r.name);
  }
  return names.length ? names.join(' › ') : id;
}
