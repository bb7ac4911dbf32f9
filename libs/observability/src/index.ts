export { createLogger, type Logger } from './logger';
export { startProbeServer, type ProbeServer, type ProbeServerOptions } from './http-server';
export { runService, untilSucceeds, DEFAULT_CLOSE_TIMEOUT_MS, StartAborted, type Service, type RunServiceOptions, type UntilSucceedsOptions } from './run-service';
export { registerDiskSpace } from './disk-space';
