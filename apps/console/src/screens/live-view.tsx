import JSMpeg from '@cycjimmy/jsmpeg-player';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A camera's live picture: JSMpeg plays the MPEG-TS the API's /live/<camera> endpoint relays from
 * node-rtsp-stream. Mounting opens the socket (the API starts ffmpeg for the first viewer);
 * unmounting closes it (the API stops ffmpeg after the last viewer).
 */
export function LiveView({ cameraId, token }: { cameraId: string; token: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live/${encodeURIComponent(cameraId)}?token=${encodeURIComponent(token)}`;
    const player = new JSMpeg.Player(url, { canvas: canvas.current, audio: false, autoplay: true, pauseWhenHidden: false, videoBufferSize: 1024 * 1024 });
    return () => player.destroy();
  }, [cameraId, token]);
  return <canvas ref={canvas} class="live" data-testid={`live-${cameraId}`} />;
}
