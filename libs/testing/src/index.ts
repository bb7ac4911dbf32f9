export { repoRoot, sharedDir, sharedPath, requireShared, describeWithShared } from './shared-data';
export { testRedisUrl, uniquePrefix } from './redis';
