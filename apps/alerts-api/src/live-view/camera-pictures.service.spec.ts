import '../testing/nest-esm';
import { createLogger } from '@xl/observability';
import { cameraSchema } from '@xl/config';
import { UnreadableCameraError } from '../cameras/cameras.repository';
import { FrameGrabError } from './frame-grabber';
import { liveViewOptionsSchema } from './live-view.options';
import { CameraPicturesService } from './camera-pictures.service';

describe('CameraPicturesService', () => {
  const admin = { role: 'admin' } as never;

  /** A camera whose URL an admin can fix, a grabber that refuses `broken`, and the grab cache as a map. */
  const setup = () => {
    const state = { url: 'rtsp://10.0.0.1/wrong' };
    const grabbed: string[] = [];
    const cache = new Map<string, Buffer>();
    const pictures = new CameraPicturesService(
      { get: async () => ({ config: cameraSchema.parse({ id: 'pond', url: state.url }), createdAt: 1, updatedAt: 2 }) } as never,
      { canSeeCamera: async () => true } as never,
      {
        analysed: async () => null,
        grabbed: async (key: string) => (cache.has(key) ? { jpeg: cache.get(key), takenAt: 1 } : null),
        putGrabbed: async (key: string, bytes: Buffer) => void cache.set(key, bytes),
      } as never,
      {
        grab: async (url: string) => {
          grabbed.push(url);
          if (url.endsWith('/wrong')) throw new FrameGrabError('the camera answered 404 Not Found', 'refused');
          return Buffer.from(url);
        },
      } as never,
      { frameGrabs: { inc: () => undefined } } as never,
      { isWaiting: () => false } as never,
      liveViewOptionsSchema.parse({}),
      createLogger('test', 'silent'),
    );
    return { state, grabbed, cache, pictures };
  };

  it("grabs from a camera's fixed URL at once, instead of answering the old URL's failure until it expires", async () => {
    const { state, grabbed, pictures } = setup();
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).rejects.toThrow("camera 'pond' gave no picture: the camera answered 404 Not Found");
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).rejects.toThrow('gave no picture'); // the same URL: not asked again
    expect(grabbed).toEqual(['rtsp://10.0.0.1/wrong']);

    state.url = 'rtsp://10.0.0.1/main'; // the admin fixes the URL
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).resolves.toEqual({ jpeg: Buffer.from('rtsp://10.0.0.1/main'), source: 'camera', takenAt: expect.any(Number) }); // before: 404 for XL_FRAME_TTL_MS
    expect(grabbed).toEqual(['rtsp://10.0.0.1/wrong', 'rtsp://10.0.0.1/main']);
  });

  it("does not serve the picture grabbed from a camera's previous URL once it changed", async () => {
    const { state, grabbed, cache, pictures } = setup();
    state.url = 'rtsp://10.0.0.1/old-lens';
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).resolves.toMatchObject({ jpeg: Buffer.from('rtsp://10.0.0.1/old-lens') });
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).resolves.toMatchObject({ jpeg: Buffer.from('rtsp://10.0.0.1/old-lens') }); // cached
    expect(grabbed).toHaveLength(1);

    state.url = 'rtsp://10.0.0.1/new-lens';
    await expect(pictures.latestFrame(admin, 'pond', 'camera')).resolves.toMatchObject({ jpeg: Buffer.from('rtsp://10.0.0.1/new-lens') });
    expect(grabbed).toEqual(['rtsp://10.0.0.1/old-lens', 'rtsp://10.0.0.1/new-lens']);
    // The URL (it may carry a password) never appears in a Redis key: a digest of it does.
    expect([...cache.keys()].some((key) => key.includes('rtsp'))).toBe(false);
  });

  it('answers a camera this release cannot read with an error naming it, to those who may see it', async () => {
    const unreadable = new UnreadableCameraError('pond', ['motion: Unrecognized key: "nightBoost"']);
    const pictures = (canSee: boolean) =>
      new CameraPicturesService(
        { get: async () => Promise.reject(unreadable), placement: async () => ({ id: 'pond', regionId: 'vil', name: null }) } as never,
        { canSeeCamera: async () => canSee } as never,
        {} as never,
        {} as never,
        { frameGrabs: { inc: () => undefined } } as never,
        { isWaiting: () => false } as never,
        liveViewOptionsSchema.parse({}),
        createLogger('test', 'silent'),
      );
    await expect(pictures(true).latestFrame(admin, 'pond', 'camera')).rejects.toThrow(`camera 'pond' is stored in a form this release cannot read (motion: Unrecognized key: "nightBoost"): no picture until it is fixed`);
    await expect(pictures(false).latestFrame(admin, 'pond', 'camera')).rejects.toThrow("camera 'pond' not found");
  });
});
