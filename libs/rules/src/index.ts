export { CameraRuleEngine, type RuleEngineStateJSON } from './engine';
export type { RuleEvent, RuleEvaluationInput, FrameQualitySample } from './types';
export { alertIdOf, fnv1a64 } from './alert-id';
export { MAX_OPEN_ALERTS, type DroppedAlert } from './alert-book';
export { localClock, scheduleActive, windowContains, type LocalClock, type ScheduleWindow } from './schedule';
export { severityOf } from './rule';
export { IgnoreZones, IGNORE_ZONE_MIN_SHARE } from './ignore-zones';
