export { redactUrl, redactText, redactSecretParams, secretParams, type SecretParam } from './redact';
export { RedactedLines, MAX_STDERR_LINE } from './redacted-lines';
export {
  rtspFrameCommand,
  fileFrameCommand,
  letterboxFilter,
  frameByteLength,
  toArgv,
  outputTarget,
  LETTERBOX_PAD_COLOR,
  SOCKET_ACCEPT_TIMEOUT_MS,
  RTSP_PROTOCOL_WHITELIST,
  type FrameOutput,
  type FrameOutputOptions,
  type RtspInputOptions,
  type FileInputOptions,
  type FfmpegCommandSpec,
} from './ffmpeg-args';
export { FrameReader } from './frame-reader';
export { BufferPool } from './buffer-pool';
export { parseVideoStreamSize, parseProgressTime, FfmpegStderrParser, classifyExit, exitDetail, type PictureSize, type ExitContext } from './ffmpeg-stderr';
export { StreamDelay, StreamDelayWatch, BASELINE_DRIFT_MS_PER_HOUR, STREAM_DELAY_WARN_SECONDS, type DelayVerdict } from './stream-delay';
export { backoffDelay, stableRunMs, STABLE_RUN_MAX_MS, type BackoffPolicy } from './backoff';
export {
  fluentFfmpegLauncher,
  type FfmpegLauncher,
  type FfmpegProcess,
  type FfmpegHandlers,
  type FfmpegExit,
  type FluentLauncherOptions,
} from './ffmpeg-process';
export {
  CameraReader,
  type CameraReaderOptions,
  type CameraReaderEvents,
  type ReaderSource,
  type ReaderWatchdog,
  type ReaderLogger,
  type RawFrame,
  type OfflineInfo,
  type RestartReason,
} from './camera-reader';
export { StartGate } from './start-gate';
export {
  segmentRecorderArgs,
  clipCutArgs,
  clipTranscodeArgs,
  concatList,
  keyframeSnapshotArgs,
  type SegmentRecorderOptions as SegmentRecorderArgsOptions,
  type ClipCutOptions,
  type KeyframeSnapshotOptions,
} from './recording-args';
export {
  planClip,
  expiredSegments,
  segmentEnd,
  segmentFileName,
  parseSegmentFileName,
  parseSegmentLogLine,
  StreamClock,
  type RecordedSegment,
  type ClipPlan,
  type SegmentLogLine,
} from './recording-segments';
export { runTool, assertSucceeded, type ToolRun } from './recording-process';
export { cutClip, keyframeSnapshot, placedFileId, probeDurationMs, probeVideoCodec, type EvidenceToolOptions, type PlacedFile } from './recording-clip';
export { SegmentRecorder, type SegmentRecorderOptions, type SegmentRecorderEvents } from './recording-recorder';
