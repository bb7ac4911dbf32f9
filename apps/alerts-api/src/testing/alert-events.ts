import type { AlertEvent } from '@xl/contracts';

let counter = 0;

/** A valid AlertEvent for `cameraId`; every call gets a new id unless `alertId` is given. */
export function alertEvent(overrides: Partial<AlertEvent> & { cameraId: string }): AlertEvent {
  counter += 1;
  const startedAt = overrides.startedAt ?? 1_795_000_000_000 + counter * 1000;
  return {
    alertId: `${overrides.cameraId}:pond.enter:${counter}:${startedAt}`,
    kind: 'created',
    ruleId: 'pond.enter',
    rule: 'zone_enter',
    severity: 'major',
    zoneId: 'pond',
    trackId: counter,
    startedAt,
    capturedAt: startedAt + 500,
    score: 0.82,
    boxes: [{ box: [0.4, 0.5, 0.5, 0.8], label: 'person', score: 0.82, trackId: counter }],
    message: "person entered water zone 'pond'",
    ...overrides,
  };
}
