import { parsePromText, sumBy } from './prom-text';

describe('parsePromText', () => {
  it('reads samples with labels and skips comments', () => {
    const text = [
      '# HELP xl_ingest_frames_total frames',
      '# TYPE xl_ingest_frames_total counter',
      'xl_ingest_frames_total{camera="a",outcome="published"} 10',
      'xl_ingest_frames_total{camera="a",outcome="skipped_no_motion"} 5',
      'xl_ingest_frames_total{camera="b",outcome="published"} 3',
      'xl_camera_up{camera="a \\"q\\""} 1',
      'process_cpu_seconds_total 1.5',
    ].join('\n');
    const samples = parsePromText(text);
    expect(samples).toHaveLength(5);
    expect(samples[3].labels.camera).toBe('a "q"');
    expect(sumBy(samples, 'xl_ingest_frames_total', 'camera')).toEqual(new Map([['a', 15], ['b', 3]]));
    expect(sumBy(samples, 'xl_ingest_frames_total', 'camera', { outcome: 'published' }).get('a')).toBe(10);
  });
});
