/** Why a camera is offline, as ingest reports it on the status stream (and the API's frame grab). */
export const OFFLINE_REASONS = [
  'refused', // nothing listening on the port
  'not_found', // RTSP 404: wrong path
  'unauthorized', // RTSP 401/403: wrong credentials
  'busy', // RTSP 503/453: the camera already serves as many streams as it can
  'udp_only', // RTSP 461: the camera will not send its stream over TCP, which every reader here asks for
  'stalled', // connected but no frame within the watchdog time
  'invalid_data', // garbage or an undecodable stream
  'timeout', // connect or I/O timeout
  'exited', // ffmpeg ended (a live source never ends on its own)
] as const;

export type OfflineReason = (typeof OFFLINE_REASONS)[number];

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
