export * from './primitives';
export * from './rules';
export * from './camera';
export * from './site';
export { effectiveRules } from './defaults';
export { parseCamera, parseCameraFile, parseStoredCamera, ConfigError } from './parse';
export { clusterSettingsProblem, parseSettings, redisClusterNodesSetting } from './settings';
export { ruleLabelIssues, type ModelFitIssue, type ModelLabels } from './model-fit';
