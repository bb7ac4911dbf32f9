import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import { flatten, regionForest } from '../region-tree';
import type { Alert, Camera, Region } from '../types';
import { formatTime } from '../format';
import { type ImageState, useImage } from '../use-image';
import { SEARCH_DEBOUNCE_MS, STATUS_RELOAD_MS, useDebounced, useThrottled } from '../use-throttled';
import { LiveView } from './live-view';
import { MaintenanceControl } from './maintenance-control';
import { PicturePlaceholder } from './picture-placeholder';

const FRAME_REFRESH_MS = 10_000;

/** What the wall shows for a camera: offline (with the ingest's reason), or frozen / covered / moved from open alerts. */
export function cameraCondition(camera: Camera, alerts: Iterable<Alert>): { key: 'online' | 'offline' | 'unanalysed' | 'frozen' | 'covered' | 'moved' | 'unknown'; reason?: string } {
  if (camera.status?.status === 'offline') return { key: 'offline', reason: camera.status.reason ?? undefined };
  // Delivering pictures that nobody analyses: it looks fine and raises nothing.
  if (camera.analysis?.unanalysedSince != null) return { key: 'unanalysed' };
  for (const a of alerts) {
    if (a.cameraId !== camera.id || a.state === 'resolved') continue;
    if (a.rule === 'camera_frozen') return { key: 'frozen' };
    if (a.rule === 'camera_covered') return { key: 'covered' };
    if (a.rule === 'camera_moved') return { key: 'moved' };
  }
  return camera.status ? { key: 'online' } : { key: 'unknown' };
}

/** Tiles per page: each tile fetches its picture every 10 s, so a county's thousands of cameras are paged. */
export const WALL_PAGE_SIZE = 12;
type StatusFilter = '' | 'online' | 'offline' | 'unknown';

export function CameraWallScreen() {
  const { api, t, feed, user } = useApp();
  // The page shown, with the offset it was loaded for: the pager describes what is on screen.
  const [shown, setShown] = useState<{ cameras: Camera[]; total: number; offset: number }>({ cameras: [], total: 0, offset: 0 });
  const [offline, setOffline] = useState(0);
  const [regions, setRegions] = useState<Region[]>([]);
  const [search, setSearch] = useState('');
  const [region, setRegion] = useState('');
  const [status, setStatus] = useState<StatusFilter>('');
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0); // bumped after a change made here (maintenance)
  const statusCue = useThrottled(feed.statusSeq, STATUS_RELOAD_MS);
  const query = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);

  useEffect(() => {
    if (user.role !== 'school') void api.regions().then((r) => setRegions(r.items), () => undefined);
  }, [api]);
  useEffect(() => {
    const filters = { q: query || undefined, region: region || undefined };
    let current = true; // an answer for filters the user has since changed must not replace the page
    const load = () => {
      api.cameras({ ...filters, status: status || undefined, limit: WALL_PAGE_SIZE, offset }).then((r) => {
        if (!current) return;
        setError(null);
        setShown({ cameras: r.items, total: r.total, offset });
        // a page past the end (cameras removed, filter narrowed): back to the last page
        if (offset > 0 && offset >= r.total) setOffset(Math.max(0, Math.floor((r.total - 1) / WALL_PAGE_SIZE) * WALL_PAGE_SIZE));
      }, (err: Error) => current && setError(err.message));
      api.cameras({ ...filters, status: 'offline', limit: 1 }).then((r) => current && setOffline(r.total), () => undefined);
    };
    load();
    const timer = setInterval(load, FRAME_REFRESH_MS); // what no push says: analysis, maintenance, others' edits
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [api, query, region, status, offset, reloads, statusCue]);
  const filter = (apply: () => void) => (apply(), setOffset(0));
  const { cameras, total } = shown;

  return (
    <section class="wall">
      <div class="toolbar">
        <input type="search" data-testid="wall-search" placeholder={t('wall.search')} value={search} onInput={(e) => filter(() => setSearch((e.target as HTMLInputElement).value))} />
        <select data-testid="wall-region" aria-label={t('filter.region')} value={region} onChange={(e) => filter(() => setRegion((e.target as HTMLSelectElement).value))}>
          <option value="">{t('filter.region')}: {t('filter.any')}</option>
          {flatten(regionForest(regions)).map((n) => (
            <option value={n.region.id}>{'\u3000'.repeat(n.depth) + n.region.name}</option>
          ))}
        </select>
        <select data-testid="wall-status" aria-label={t('filter.state')} value={status} onChange={(e) => filter(() => setStatus((e.target as HTMLSelectElement).value as StatusFilter))}>
          <option value="">{t('filter.state')}: {t('filter.any')}</option>
          {(['online', 'offline', 'unknown'] as const).map((s) => (
            <option value={s}>{t(`wall.${s}`)}</option>
          ))}
        </select>
        <button class={`badge ${offline ? 'badge-hot' : ''}`} data-testid="wall-offline" onClick={() => filter(() => setStatus('offline'))}>
          {t('wall.offlineCount', { count: offline })}
        </button>
        <span class="pager" data-testid="wall-pager">
          <button data-testid="wall-prev" disabled={shown.offset === 0} onClick={() => setOffset(Math.max(0, shown.offset - WALL_PAGE_SIZE))}>
            ‹
          </button>
          {t('wall.page', { first: cameras.length ? shown.offset + 1 : 0, last: shown.offset + cameras.length, total })}
          <button data-testid="wall-next" disabled={shown.offset + WALL_PAGE_SIZE >= total} onClick={() => setOffset(shown.offset + WALL_PAGE_SIZE)}>
            ›
          </button>
        </span>
      </div>
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      <div class="tiles">
        {cameras.map((c) => (
          <CameraTile key={c.id} camera={c} condition={cameraCondition(c, feed.alerts.values())} live={live === c.id} onLive={(on) => setLive(on ? c.id : null)} onChange={() => setReloads((n) => n + 1)} />
        ))}
      </div>
      {total === 0 && !error && <p class="empty">{t('wall.none')}</p>}
    </section>
  );
}

interface TileProps {
  camera: Camera;
  condition: ReturnType<typeof cameraCondition>;
  live: boolean;
  onLive(on: boolean): void;
  /** Something about the camera changed here: reload the page. */
  onChange(): void;
}

function CameraTile({ camera, condition, live, onLive, onChange }: TileProps) {
  const { api, t, tv, navigate, user } = useApp();
  const frame = useImage(api, `/cameras/${encodeURIComponent(camera.id)}/frame`, FRAME_REFRESH_MS, live);
  const statusText = t(`wall.${condition.key}` as const) + (condition.reason ? ` (${tv('reason', condition.reason)})` : '');
  return (
    <article class={`tile cond-${condition.key}${camera.maintenance ? ' in-maintenance' : ''}`} data-testid="camera-tile" data-camera-id={camera.id} data-condition={condition.key}>
      <header>
        <strong>{camera.name ?? camera.id}</strong>
        {camera.site?.address && (
          <small class="tile-address" data-testid="tile-address">
            {camera.site.address}
          </small>
        )}
        <span class="cond" data-testid="camera-status">
          {statusText}
        </span>
      </header>
      {camera.streamDelay && condition.key !== 'offline' && (
        <p class="late-note" data-testid="stream-late" title={t('wall.lateWhy')}>
          {t('wall.late', { seconds: String(Math.round(camera.streamDelay.seconds)) })}
        </p>
      )}
      <div class="picture">
        {live ? (
          <LiveView cameraId={camera.id} token={api.bearer} />
        ) : frame.url ? (
          <>
            <img src={frame.url} alt={camera.name ?? camera.id} data-testid="latest-frame" class={frame.error ? 'stale' : undefined} />
            {frame.error && <StaleNote frame={frame} />}
          </>
        ) : (
          <PicturePlaceholder frame={frame} />
        )}
      </div>
      <MaintenanceControl camera={camera} onChange={onChange} />
      <footer>
        <button data-testid="live-toggle" onClick={() => onLive(!live)}>
          {live ? t('wall.stopLive') : t('wall.live')}
        </button>
        {user.role !== 'viewer' && (
          <button onClick={() => navigate(`cameras/${encodeURIComponent(camera.id)}/zones`)} data-testid="edit-zones">
            {t('wall.editZones')}
          </button>
        )}
        {(user.role === 'admin' || user.role === 'operator') && (
          <button onClick={() => navigate(`cameras/${encodeURIComponent(camera.id)}/site`)} data-testid="edit-site">
            {t('site.edit')}
          </button>
        )}
      </footer>
    </article>
  );
}

/** The picture stays when a refresh fails, but it must not pass for a live one: say since when it is old, and why. */
function StaleNote({ frame }: { frame: ImageState }) {
  const { t, tv } = useApp();
  const message = frame.reason ? tv('reason', frame.reason) : (frame.error ?? '');
  return (
    <div class="stale-note" title={frame.error ?? undefined} data-testid="stale-picture">
      {t('wall.stalePicture', { time: shortTime(frame.takenAt ?? frame.loadedAt), message })}
    </div>
  );
}

/** The time alone when it is today's, else date and time. */
function shortTime(ms: number | null): string {
  const at = formatTime(ms);
  return at.slice(0, 10) === formatTime(Date.now()).slice(0, 10) ? at.slice(11) : at;
}
