import { alertEventSchema } from './alert-event.schema';

describe('alertEventSchema', () => {
  const event = {
    alertId: '9f2c1e0a4b7d3c5e',
    kind: 'created',
    cameraId: 'cam-a',
    ruleId: 'health.covered',
    rule: 'camera_covered',
    severity: 'major',
    startedAt: 1_800_000_000_000,
    capturedAt: 1_800_000_030_000,
    score: 1,
    boxes: [],
    message: 'camera covered or dark for 30 s',
  };

  it("accepts a health alert's end (the analyzer sends it so that a maintenance window can drop what it held)", () => {
    const parsed = alertEventSchema.safeParse({ ...event, kind: 'ended', capturedAt: event.capturedAt + 60_000, message: 'picture recovered' });
    expect(parsed.success && parsed.data.kind).toBe('ended');
    expect(alertEventSchema.safeParse(event).success).toBe(true);
  });

  it('refuses a kind nobody sends', () => {
    const parsed = alertEventSchema.safeParse({ ...event, kind: 'resolved' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['kind']);
  });
});
