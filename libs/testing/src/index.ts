export { repoRoot, sharedDir, sharedPath, requireShared, describeWithShared } from './shared-data';
export { testRedisUrl, uniquePrefix } from './redis';
export { CameraSimulator, type SimulatedCamera, type SimulatedCameraSpec, type CameraSimulatorOptions } from './simulator/camera-simulator';
export { startGarbageServer, type GarbageServer } from './simulator/garbage-server';
export { readRtspFrames, watchRtsp, type RtspReadResult, type RtspWatch } from './simulator/rtsp-reader';
export { startService, scrape, waitForHttp, freePort, type ServiceProcess } from './processes';
export { childPids, processTree, cmdline, isAlive, childrenNamed, cpuSeconds, treeCpuSeconds, rssBytes } from './proc';
