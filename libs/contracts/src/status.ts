/** Why a camera is offline. */
export type OfflineReason =
  | 'refused' // nothing listening on the port
  | 'not_found' // RTSP 404: wrong path
  | 'unauthorized' // RTSP 401/403: wrong credentials
  | 'stalled' // connected but no frame within the watchdog time
  | 'invalid_data' // garbage or an undecodable stream
  | 'timeout' // connect or I/O timeout
  | 'exited'; // ffmpeg ended (a live source never ends on its own)

export type CameraStatus = 'online' | 'offline' | 'recovered';

/** Entry of the camera status stream. */
export interface CameraStatusEvent {
  cameraId: string;
  status: CameraStatus;
  reason?: OfflineReason;
  /** Redacted, human-readable detail (ffmpeg's last error line). Never contains credentials. */
  detail?: string;
  /** Epoch milliseconds. */
  at: number;
  ingestId: string;
}
