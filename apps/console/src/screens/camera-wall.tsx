import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import type { Alert, Camera } from '../types';
import { useImage } from '../use-image';
import { LiveView } from './live-view';

const FRAME_REFRESH_MS = 10_000;

/** What the wall shows for a camera: offline (with the ingest's reason), or frozen / covered from open alerts. */
export function cameraCondition(camera: Camera, alerts: Iterable<Alert>): { key: 'online' | 'offline' | 'frozen' | 'covered' | 'unknown'; reason?: string } {
  if (camera.status?.status === 'offline') return { key: 'offline', reason: camera.status.reason ?? undefined };
  for (const a of alerts) {
    if (a.cameraId !== camera.id || a.state === 'resolved') continue;
    if (a.rule === 'camera_frozen') return { key: 'frozen' };
    if (a.rule === 'camera_covered') return { key: 'covered' };
  }
  return camera.status ? { key: 'online' } : { key: 'unknown' };
}

export function CameraWallScreen() {
  const { api, t, feed } = useApp();
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<string | null>(null);

  useEffect(() => {
    const load = () => api.cameras().then((r) => setCameras(r.items), (err: Error) => setError(err.message));
    void load();
    const timer = setInterval(load, FRAME_REFRESH_MS); // statuses; pushes of camera.status arrive in between
    return () => clearInterval(timer);
  }, [api]);

  return (
    <section class="wall">
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      <div class="tiles">
        {cameras.map((c) => (
          <CameraTile camera={c} condition={cameraCondition(c, feed.alerts.values())} live={live === c.id} onLive={(on) => setLive(on ? c.id : null)} />
        ))}
      </div>
    </section>
  );
}

interface TileProps {
  camera: Camera;
  condition: ReturnType<typeof cameraCondition>;
  live: boolean;
  onLive(on: boolean): void;
}

function CameraTile({ camera, condition, live, onLive }: TileProps) {
  const { api, t, tv, navigate, user } = useApp();
  const frame = useImage(api, live ? null : `/cameras/${encodeURIComponent(camera.id)}/frame`, FRAME_REFRESH_MS);
  const statusText = t(`wall.${condition.key}` as const) + (condition.reason ? ` (${tv('reason', condition.reason)})` : '');
  return (
    <article class={`tile cond-${condition.key}`} data-testid="camera-tile" data-camera-id={camera.id} data-condition={condition.key}>
      <header>
        <strong>{camera.name ?? camera.id}</strong>
        <span class="cond" data-testid="camera-status">
          {statusText}
        </span>
      </header>
      <div class="picture">
        {live ? (
          <LiveView cameraId={camera.id} token={api.bearer} />
        ) : frame.url ? (
          <img src={frame.url} alt={camera.name ?? camera.id} data-testid="latest-frame" />
        ) : (
          <div class="placeholder">{frame.error ? t('wall.noFrame', { message: frame.error }) : t('common.loading')}</div>
        )}
      </div>
      <footer>
        <button data-testid="live-toggle" onClick={() => onLive(!live)}>
          {live ? t('wall.stopLive') : t('wall.live')}
        </button>
        {user.role !== 'viewer' && (
          <button onClick={() => navigate(`cameras/${encodeURIComponent(camera.id)}/zones`)} data-testid="edit-zones">
            {t('wall.editZones')}
          </button>
        )}
      </footer>
    </article>
  );
}
