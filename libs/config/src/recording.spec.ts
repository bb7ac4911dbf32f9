import { parseCamera, RECORDING_DEFAULTS } from './index';
import { configErrorMessage } from './testing';


describe('camera recording configuration', () => {
  it('records by default: 2 s segments, a 60 s window, clips 10 s before and after, held 300 s for updates', () => {
    const camera = parseCamera({ id: 'c', url: 'rtsp://h/main' });
    expect(camera.recording).toEqual(RECORDING_DEFAULTS);
    expect(camera.recording).toEqual({ enabled: true, segmentSeconds: 2, windowSeconds: 60, preSeconds: 10, postSeconds: 10, holdSeconds: 300 });
  });

  it('can be switched off per camera, the other fields keeping their defaults', () => {
    expect(parseCamera({ id: 'c', url: 'rtsp://h/main', recording: { enabled: false } }).recording).toEqual({ ...RECORDING_DEFAULTS, enabled: false });
  });

  it('bounds every field and names camera and field', () => {
    expect(configErrorMessage({ id: 'pond-1', url: 'rtsp://h/x', recording: { segmentSeconds: 0.5 } })).toMatch(/camera 'pond-1', recording\.segmentSeconds: .*>=1/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', recording: { windowSeconds: 601 } })).toMatch(/recording\.windowSeconds: .*<=600/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', recording: { preSeconds: -1 } })).toMatch(/recording\.preSeconds/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', recording: { postSeconds: 121 } })).toMatch(/recording\.postSeconds: .*<=120/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', recording: { holdSeconds: -1 } })).toMatch(/recording\.holdSeconds: .*>=0/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', recording: { holdSeconds: 3601 } })).toMatch(/recording\.holdSeconds: .*<=3600/);
    expect(parseCamera({ id: 'c', url: 'rtsp://h/x', recording: { holdSeconds: 0 } }).recording.holdSeconds).toBe(0);
  });

  it('rejects unknown keys', () => {
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', recording: { seconds: 5 } })).toMatch(/recording: .*seconds/);
  });

  it('needs a window that still holds the pre-roll when the clip is cut', () => {
    const message = configErrorMessage({ id: 'cam-7', url: 'rtsp://h/x', recording: { windowSeconds: 20, preSeconds: 10, postSeconds: 10 } });
    expect(message).toContain("camera 'cam-7', recording.windowSeconds: windowSeconds 20 is too short");
    expect(message).toContain('= 24 must fit');
    // a camera that does not record needs no window
    expect(parseCamera({ id: 'c', url: 'rtsp://h/x', recording: { enabled: false, windowSeconds: 10, preSeconds: 60 } }).recording.enabled).toBe(false);
  });
});
