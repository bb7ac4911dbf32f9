/** Published on CAMERA_CONFIG_CHANNEL whenever the effective camera configuration changes. */
export interface ConfigChangedMessage {
  /** Cameras whose configuration changed or was removed; empty means "reload all". */
  cameraIds: string[];
  /** Monotonic revision of the published configuration. */
  revision: number;
}
