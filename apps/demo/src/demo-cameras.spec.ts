import { parseCamera } from '@xl/config';
import { demoCameraConfig, type DemoClip, schoolCameras, schoolWaters } from './demo-cameras';

const square: [number, number][] = [
  [0, 0.5],
  [1, 0.5],
  [1, 1],
  [0, 1],
];
const clip = (id: string, zoneIds: string[]): DemoClip => ({ id, main: `/clips/${id}.mp4`, truth: { zones: zoneIds.map((z) => ({ id: z, type: 'water', polygon: square })) } });
const urls = { main: 'rtsp://127.0.0.1:8554/main' };

describe('demo cameras', () => {
  it('gives the scenario cameras and their zones display names, as a deployment would', () => {
    const camera = parseCamera(demoCameraConfig(clip('drowning', ['water']), urls, 'vil-xinhe'));
    expect(camera).toMatchObject({ id: 'drowning', name: '新河海滩 Xinhe beach', regionId: 'vil-xinhe', zones: [{ id: 'water', name: '海水 sea', type: 'water' }] });
  });

  it('gives the waterside scenes a site (address, people to call, lifebuoys) that the schema accepts', () => {
    const camera = parseCamera(demoCameraConfig(clip('drowning', ['water']), urls, 'vil-xinhe'));
    expect(camera.site?.address).toContain('新河村');
    expect(camera.site?.contacts.length).toBeGreaterThan(0);
    expect(camera.site?.rescueEquipment).toContain('救生圈');
    expect(parseCamera(demoCameraConfig(clip('static', []), urls)).site).toBeUndefined();
  });

  it('names a clip it does not know, and a zone it has no name for, by id', () => {
    const camera = parseCamera(demoCameraConfig(clip('harbour-2', ['pier']), urls));
    expect(camera.name).toBe('harbour-2');
    expect(camera.zones[0].name).toBeUndefined();
    expect(parseCamera(demoCameraConfig(clip('drowning', ['pier']), urls)).zones[0].name).toBeUndefined();
  });

  it("gives the beach school the beach cameras and, of their zones, only the water", () => {
    const beach = { ...clip('drowning', ['water']), truth: { zones: [{ id: 'water', type: 'water', polygon: square }, { id: 'kiosk', type: 'generic', polygon: square }] } };
    const cameras = [demoCameraConfig(beach, urls, 'vil-xinhe'), demoCameraConfig(clip('safe-waterside', ['water']), urls), demoCameraConfig(clip('night-boat', ['water']), urls)];
    expect(schoolCameras(cameras.map((c) => c.id))).toEqual(['drowning', 'safe-waterside']);
    expect(schoolWaters(cameras)).toEqual(['drowning/water', 'safe-waterside/water']);
  });
});
