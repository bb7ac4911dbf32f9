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

/** Why a tile shows no live picture: none came (or stopped), this account's own bound, or no stream free. */
type NoLive = 'no_picture' | 'own_limit' | 'no_stream';
const NO_LIVE_TEXT = { no_picture: 'wall.noLive', own_limit: 'wall.liveOwnLimit', no_stream: 'wall.liveNoStream' } as const;

/**
 * A camera's live picture: JSMpeg plays the MPEG-TS the API's /live/<camera> endpoint relays from
 * node-rtsp-stream. Mounting opens the socket (the API starts ffmpeg for the first viewer);
 * unmounting closes it (the API stops ffmpeg after the last viewer). The API is asked first whether
 * the socket would be let in (GET /cameras/:id/live): a browser cannot read why a handshake was
 * refused, so without it the tile waited LIVE_FIRST_PICTURE_MS to say only "no picture" — now it says
 * at once that this account watches its most cameras live already, or that no stream is free. A
 * check that fails (an older API, the network) does not stop the attempt. No first picture within
 * LIVE_FIRST_PICTURE_MS, or none for LIVE_STALL_MS (camera out of reach, refused, relay ended): the
 * player is closed and the tile says so, instead of a black or frozen canvas that asks the API for a
 * stream again every few seconds. Either way it tries again every LIVE_RETRY_MS, and the message goes
 * with the first picture.
 */
export function LiveView({ cameraId, token }: { cameraId: string; token: string }) {
  const { t, api } = useApp();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState<{ why: NoLive; detail?: string } | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (attempt === 0) setFailed(null);
    let retry: ReturnType<typeof setTimeout> | undefined;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    let player: { destroy(): void } | null = null;
    let cancelled = false;
    const close = () => {
      player?.destroy();
      player = null;
    };
    const giveUp = (why: NoLive, detail?: string) => {
      clearInterval(watchdog);
      close();
      setFailed({ why, detail });
      retry = setTimeout(() => setAttempt((n) => n + 1), LIVE_RETRY_MS);
    };
    const play = () => {
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
          setFailed(null);
        },
      };
      player = new JSMpeg.Player(url, options);
      watchdog = setInterval(() => {
        if (document.hidden)
          lastPicture = Date.now(); // a hidden tab draws nothing
        else if (Date.now() - lastPicture > (pictured ? LIVE_STALL_MS : LIVE_FIRST_PICTURE_MS)) giveUp('no_picture');
      }, 1000);
    };
    api.liveAvailability(cameraId).then(
      (answer) => {
        if (cancelled) return;
        if (answer.available) play();
        else giveUp(answer.status === 429 ? 'own_limit' : 'no_stream', answer.reason);
      },
      () => !cancelled && play(),
    );
    return () => {
      cancelled = true;
      clearInterval(watchdog);
      clearTimeout(retry);
      close();
    };
  }, [cameraId, token, attempt]);
  return (
    <>
      <canvas ref={canvas} class="live" data-testid={`live-${cameraId}`} />
      {failed && (
        <div class="stale-note" data-testid="live-failed" data-why={failed.why} title={failed.detail}>
          {t(NO_LIVE_TEXT[failed.why])}
        </div>
      )}
    </>
  );
}
