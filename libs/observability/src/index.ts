export { createLogger, type Logger } from './logger';
export { startProbeServer, type ProbeServer, type ProbeServerOptions } from './http-server';
export { runService } from './run-service';
export { registerDiskSpace } from './disk-space';
