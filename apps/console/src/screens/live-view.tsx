import JSMpeg from '@cycjimmy/jsmpeg-player';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../context';

/** How long the view may go without a picture (the first one: ffmpeg's start and a keyframe) before it gives up. */
export const LIVE_STALL_MS = 8000;

/**
 * A camera's live picture: JSMpeg plays the MPEG-TS the API's /live/<camera> endpoint relays from
 * node-rtsp-stream. Mounting opens the socket (the API starts ffmpeg for the first viewer);
 * unmounting closes it (the API stops ffmpeg after the last viewer). No picture for LIVE_STALL_MS
 * (camera out of reach, stream limit, refused, relay ended): the player is closed and the tile says
 * so, instead of a black or frozen canvas that asks the API for a stream again every few seconds.
 */
export function LiveView({ cameraId, token }: { cameraId: string; token: string }) {
  const { t } = useApp();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setFailed(false);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live/${encodeURIComponent(cameraId)}?token=${encodeURIComponent(token)}`;
    let lastPicture = Date.now();
    // JSMpeg's socket has no error or close hook (and would reconnect every 5 s): each decoded picture is the sign of life.
    const options = { canvas: canvas.current, audio: false, autoplay: true, pauseWhenHidden: false, videoBufferSize: 1024 * 1024, reconnectInterval: 0, onVideoDecode: () => (lastPicture = Date.now()) };
    let player: { destroy(): void } | null = new JSMpeg.Player(url, options);
    const close = () => {
      player?.destroy();
      player = null;
    };
    const watchdog = setInterval(() => {
      if (document.hidden) lastPicture = Date.now(); // a hidden tab draws nothing
      else if (Date.now() - lastPicture > LIVE_STALL_MS) {
        clearInterval(watchdog);
        close();
        setFailed(true);
      }
    }, 1000);
    return () => {
      clearInterval(watchdog);
      close();
    };
  }, [cameraId, token]);
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
