export * from './names';
export * from './frames';
export * from './status';
export * from './detections';
export * from './alerts';
export * from './config-messages';
export * from './evidence';
