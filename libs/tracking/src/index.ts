export { ByteTracker } from './tracker';
export {
  DEFAULT_TRACKER_OPTIONS,
  countedGapSeconds,
  type TentativeTrack,
  type Track,
  type TrackState,
  type TrackerOptions,
  type TrackerUpdate,
  type TrackerStateJSON,
  type TrackJSON,
} from './types';
export { solveAssignment, FORBIDDEN } from './hungarian';
