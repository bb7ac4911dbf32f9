import JSMpeg from '@cycjimmy/jsmpeg-player';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../context';
import { socketProtocols } from '../socket-protocols';

/** How long a playing view may go without a picture before it gives up. */
export const LIVE_STALL_MS = 8000;
/** How long the first picture may take: the API starts ffmpeg cold and waits up to 15 s for its first frame. */
export const LIVE_FIRST_PICTURE_MS = 16_000;
/** How long after giving up it tries again: a wall left on a pond comes back after a network blip by itself. */
export const LIVE_RETRY_MS = 20_000;

/**
 * A camera's live picture: JSMpeg plays the MPEG-TS the API's /live/<camera> endpoint relays from
 * node-rtsp-stream. Mounting opens the socket (the API starts ffmpeg for the first viewer);
 * unmounting closes it (the API stops ffmpeg after the last viewer). No first picture within
 * LIVE_FIRST_PICTURE_MS, or none for LIVE_STALL_MS
 * (camera out of reach, stream limit, refused, relay ended): the player is closed and the tile says
 * so, instead of a black or frozen canvas that asks the API for a stream again every few seconds; it
 * tries again every LIVE_RETRY_MS, and the message goes with the first picture.
 */
export function LiveView({ cameraId, token }: { cameraId: string; token: string }) {
  const { t } = useApp();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (attempt === 0) setFailed(false);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live/${encodeURIComponent(cameraId)}`;
    let lastPicture = Date.now();
    let pictured = false;
    // JSMpeg's socket has no error or close hook (and would reconnect every 5 s): each decoded picture is the sign of life.
    const options = {
      canvas: canvas.current,
      audio: false,
      autoplay: true,
      pauseWhenHidden: false,
      videoBufferSize: 1024 * 1024,
      reconnectInterval: 0,
      protocols: socketProtocols(token),
      onVideoDecode: () => {
        lastPicture = Date.now();
        pictured = true;
        setFailed(false);
      },
    };
    let player: { destroy(): void } | null = new JSMpeg.Player(url, options);
    const close = () => {
      player?.destroy();
      player = null;
    };
    const watchdog = setInterval(() => {
      if (document.hidden)
        lastPicture = Date.now(); // a hidden tab draws nothing
      else if (Date.now() - lastPicture > (pictured ? LIVE_STALL_MS : LIVE_FIRST_PICTURE_MS)) {
        clearInterval(watchdog);
        close();
        setFailed(true);
        retry = setTimeout(() => setAttempt((n) => n + 1), LIVE_RETRY_MS);
      }
    }, 1000);
    return () => {
      clearInterval(watchdog);
      clearTimeout(retry);
      close();
    };
  }, [cameraId, token, attempt]);
  return (
    <>
      <canvas ref={canvas} class="live" data-testid={`live-${cameraId}`} />
      {failed && (
        <div class="stale-note" data-testid="live-failed">
          {t('wall.noLive')}
        </div>
      )}
    </>
  );
}
