import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CameraConfigInput } from '@xl/config';

export interface DemoClip {
  id: string;
  main: string;
  sub?: string;
  truth: { zones?: { id: string; type: string; polygon: [number, number][] }[]; osd_regions?: [number, number, number, number][] };
}

/** Every scenario clip in the folder: `NAME.mp4` (main) with `NAME_sub.mp4` and `NAME.truth.json`. */
export function findDemoClips(dir: string): DemoClip[] {
  const files = new Set(readdirSync(dir));
  return [...files]
    .filter((f) => f.endsWith('.mp4') && !f.endsWith('_sub.mp4'))
    .sort()
    .map((f) => {
      const id = f.replace(/\.mp4$/, '');
      const truthFile = `${id}.truth.json`;
      return {
        id,
        main: path.join(dir, f),
        sub: files.has(`${id}_sub.mp4`) ? path.join(dir, `${id}_sub.mp4`) : undefined,
        truth: files.has(truthFile) ? JSON.parse(readFileSync(path.join(dir, truthFile), 'utf8')) : {},
      };
    });
}

/** OSD rectangles [x0,y0,x1,y1] → mask polygons, so the on-screen clock is not "motion". */
export function osdMasks(regions: [number, number, number, number][] = []): [number, number][][] {
  return regions.map(([x0, y0, x1, y1]) => [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ]);
}

/**
 * Display names of the scenario cameras and their zones, as a deployment would give them: operators
 * and teachers read "海水 sea", not a zone id. A clip not listed here is named by its id.
 */
const DEMO_NAMES: Record<string, { camera: string; zones?: Record<string, string> }> = {
  drowning: { camera: '新河海滩 Xinhe beach', zones: { water: '海水 sea' } },
  'safe-waterside': { camera: '新河海滩西 Xinhe beach west', zones: { water: '海水 sea' } },
  'night-boat': { camera: '港口外海 harbour mouth', zones: { no_fishing: '禁渔区 no-fishing reach' } },
  crowd: { camera: '镇广场 township square', zones: { square: '广场 square' } },
  static: { camera: '供销社门口 co-op storefront' },
  'tamper-cover': { camera: '镇中街 main street' },
  'tamper-freeze': { camera: '镇东街 east street' },
};

/**
 * Where the demo's waterside scenes are and whom to call: made-up places and people (no local number
 * in China starts with 0, so none of these rings anyone), shaped as a county fills them in.
 */
const DEMO_SITES: Record<string, CameraConfigInput['site']> = {
  drowning: {
    address: '新河村海滩浴场（村委会南 400 米）',
    directions: '村委会门口沿海堤路往南，到木栈道入口下车',
    location: { lat: 29.93128, lon: 121.91264 },
    contacts: [
      { name: '陈海生', role: '网格员', phone: '+86 555 0100 0101' },
      { name: '新河村卫生室', role: '村医', phone: '+86 555 0100 0102' },
    ],
    rescueEquipment: '救生圈 2 个、救生杆 1 根在木栈道入口的红色救生箱里',
  },
  'safe-waterside': {
    address: '新河村海滩西段（礁石区）',
    location: { lat: 29.93071, lon: 121.91102 },
    contacts: [{ name: '陈海生', role: '网格员', phone: '+86 555 0100 0101' }],
    rescueEquipment: '救生圈 1 个挂在礁石区警示牌背面',
  },
  'night-boat': {
    address: '港口村外海禁渔区（防波堤外）',
    contacts: [{ name: '渔政值班室', role: '渔政', phone: '+86 555 0100 0201' }],
  },
};

/** A demo camera: zones straight from the clip's ground truth, default rules per zone type. */
export function demoCameraConfig(clip: DemoClip, urls: { main: string; sub?: string }, regionId?: string): CameraConfigInput {
  const names = DEMO_NAMES[clip.id];
  return {
    id: clip.id,
    name: names?.camera ?? clip.id,
    url: urls.main,
    subUrl: urls.sub,
    regionId,
    fps: 4,
    ...(DEMO_SITES[clip.id] ? { site: DEMO_SITES[clip.id] } : {}),
    masks: osdMasks(clip.truth.osd_regions),
    zones: (clip.truth.zones ?? []).map((z) => {
      const name = names?.zones?.[z.id];
      return { id: z.id, ...(name ? { name } : {}), type: z.type as 'water', polygon: z.polygon };
    }),
  };
}

/** The demo's region tree and where each scenario camera hangs in it. */
export const DEMO_REGIONS = [
  { id: 'city', name: 'Demo city', level: 'city' },
  { id: 'county-1', name: 'East county', level: 'county', parent: 'city' },
  { id: 'town-1', name: 'Riverside township', level: 'township', parent: 'county-1' },
  { id: 'vil-xinhe', name: 'Xinhe village', level: 'village', parent: 'town-1' },
  { id: 'vil-harbour', name: 'Harbour village', level: 'village', parent: 'town-1' },
];

/** Waterside cameras go to the village by the beach, the boat to the harbour, the rest to the township. */
export function demoRegionOf(clipId: string): string {
  if (clipId.startsWith('drowning') || clipId.startsWith('safe-waterside')) return 'vil-xinhe';
  if (clipId.startsWith('night-boat')) return 'vil-harbour';
  return 'town-1';
}

/** The school near the beach sees only the beach cameras. */
export function schoolCameras(clipIds: string[]): string[] {
  return clipIds.filter((id) => demoRegionOf(id) === 'vil-xinhe');
}

/** …and of those, only the water zones ('camera/zone'): the alerts of its waters and the cameras' own. */
export function schoolWaters(cameras: ReturnType<typeof demoCameraConfig>[]): string[] {
  const mine = new Set(schoolCameras(cameras.map((c) => c.id)));
  return cameras.filter((c) => mine.has(c.id)).flatMap((c) => (c.zones ?? []).filter((z) => z.type === 'water').map((z) => `${c.id}/${z.id}`));
}
