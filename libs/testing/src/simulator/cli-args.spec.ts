import path from 'node:path';
import { parseCliArgs, planCameras } from './cli-args';

describe('parseCliArgs', () => {
  it('reads every option, with defaults', () => {
    expect(parseCliArgs(['--clips', '/clips'])).toEqual({ clipsDir: '/clips', subOnly: false, count: null, json: false, loopSeconds: 600 });
    expect(parseCliArgs(['--clips', 'rel', '--sub-only', '--count', '16', '--json', '--loop-seconds', '3600'])).toEqual({
      clipsDir: path.resolve('rel'),
      subOnly: true,
      count: 16,
      json: true,
      loopSeconds: 3600,
    });
  });

  it('rejects a missing folder, bad numbers and unknown options', () => {
    expect(() => parseCliArgs([])).toThrow(/--clips DIR is required\nusage: /);
    expect(() => parseCliArgs(['--clips', '/c', '--count', '0'])).toThrow(/--count must be an integer from 1 to 999, got "0"/);
    expect(() => parseCliArgs(['--clips', '/c', '--count', '2.5'])).toThrow(/--count/);
    expect(() => parseCliArgs(['--clips', '/c', '--loop-seconds=-1'])).toThrow(/--loop-seconds must be from 0 to 86400, got "-1"/);
    expect(() => parseCliArgs(['--clips', '/c', '--bogus'])).toThrow(/bogus/);
  });
});

describe('planCameras', () => {
  const files = ['static_sub.mp4', 'drowning.mp4', 'README.md', 'drowning_sub.mp4', 'drowning.truth.json', 'crowd_sub.mp4'];

  it('serves every mp4, named after the file', () => {
    expect(planCameras(files, { clipsDir: '/c', subOnly: false, count: null })).toEqual([
      { id: 'crowd_sub', clip: '/c/crowd_sub.mp4' },
      { id: 'drowning', clip: '/c/drowning.mp4' },
      { id: 'drowning_sub', clip: '/c/drowning_sub.mp4' },
      { id: 'static_sub', clip: '/c/static_sub.mp4' },
    ]);
  });

  it('keeps only the sub streams with subOnly', () => {
    expect(planCameras(files, { clipsDir: '/c', subOnly: true, count: null }).map((s) => s.id)).toEqual([
      'crowd_sub',
      'drowning_sub',
      'static_sub',
    ]);
  });

  it('makes N cameras cycling through the sub streams with count', () => {
    const specs = planCameras(files, { clipsDir: '/c', subOnly: false, count: 4 });
    expect(specs).toEqual([
      { id: 'cam-01', clip: '/c/crowd_sub.mp4' },
      { id: 'cam-02', clip: '/c/drowning_sub.mp4' },
      { id: 'cam-03', clip: '/c/static_sub.mp4' },
      { id: 'cam-04', clip: '/c/crowd_sub.mp4' },
    ]);
    expect(planCameras(files, { clipsDir: '/c', subOnly: false, count: 120 })[119].id).toBe('cam-120');
  });

  it('fails clearly when the folder has no usable clip', () => {
    expect(() => planCameras(['drowning.mp4'], { clipsDir: '/c', subOnly: false, count: 2 })).toThrow('no *_sub.mp4 clips in /c');
    expect(() => planCameras([], { clipsDir: '/c', subOnly: false, count: null })).toThrow('no *.mp4 clips in /c');
  });
});
