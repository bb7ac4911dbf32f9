import { CAMERA_HEALTH_RULE_TYPES } from '@xl/contracts';

/**
 * Alerts about the camera itself rather than something in its picture: a maintenance window holds
 * them back (never the safety rules), and a school with waters sees them for every camera it has —
 * a dark pond camera is news to the school whatever zone it watches.
 */
export const CAMERA_HEALTH_RULES: ReadonlySet<string> = new Set(CAMERA_HEALTH_RULE_TYPES);
