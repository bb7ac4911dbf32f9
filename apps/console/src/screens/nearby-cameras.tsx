import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import type { NearbyCamera } from '../types';
import { useImage } from '../use-image';
import { PicturePlaceholder } from './picture-placeholder';

const SHOWN = 4;
const REFRESH_MS = 10_000;

function NearbyTile({ camera }: { camera: NearbyCamera }) {
  const { api, t } = useApp();
  const frame = useImage(api, camera.status === 'offline' ? null : `/cameras/${encodeURIComponent(camera.id)}/frame`, REFRESH_MS);
  return (
    <figure class="nearby-tile" data-testid="nearby-camera" data-camera-id={camera.id}>
      {frame.url ? (
        <img src={frame.url} alt={camera.name ?? camera.id} />
      ) : camera.status === 'offline' ? (
        <div class="placeholder">{t('wall.offline')}</div>
      ) : (
        <PicturePlaceholder frame={frame} />
      )}
      <figcaption>
        {camera.name ?? camera.id} · <span data-testid="nearby-distance">{t('nearby.distance', { metres: String(camera.distanceM) })}</span>
      </figcaption>
    </figure>
  );
}

/**
 * The cameras nearest the alert's camera (its site's coordinates; GET /cameras/:id/nearby), each
 * with its latest picture: where a person who left one picture may be in the next, while the grid
 * worker is on the way. Nothing when the camera has no coordinates or no neighbour within 1 km.
 */
export function NearbyCameras({ cameraId }: { cameraId: string }) {
  const { api, t } = useApp();
  const [items, setItems] = useState<NearbyCamera[]>([]);
  useEffect(() => {
    api.nearbyCameras(cameraId).then((r) => setItems(r.items.slice(0, SHOWN)), () => setItems([]));
  }, [api, cameraId]);
  if (!items.length) return null;
  return (
    <section class="nearby" data-testid="nearby-cameras">
      <h3>{t('nearby.title')}</h3>
      <div class="nearby-row">
        {items.map((c) => (
          <NearbyTile camera={c} />
        ))}
      </div>
    </section>
  );
}
