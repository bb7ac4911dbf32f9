import { useState } from 'preact/hooks';
import { useApp } from '../context';
import { formatDuration, formatTime } from '../format';
import type { Camera } from '../types';

const LENGTHS_MIN = [30, 120, 480, 1440];

/**
 * A camera's maintenance window on its wall tile: shown to everyone; started (for a chosen length)
 * and ended by admins and operators. While it lasts the camera's health alerts are held back.
 */
export function MaintenanceControl({ camera, onChange }: { camera: Camera; onChange(): void }) {
  const { api, t, user, lang } = useApp();
  const [error, setError] = useState<string | null>(null);
  const path = `/cameras/${encodeURIComponent(camera.id)}/maintenance`;
  const m = camera.maintenance;
  const act = (request: Promise<unknown>) => request.then(() => (setError(null), onChange()), (err: Error) => setError(err.message));
  const canEdit = user.role === 'admin' || user.role === 'operator';
  return (
    <div class="maintenance">
      {m && (
        <span class="maint" data-testid="camera-maintenance" title={m.note ?? ''}>
          {t('wall.maintenanceUntil', { time: formatTime(m.until).slice(5, 16), by: m.setBy })}
        </span>
      )}
      {canEdit &&
        (m ? (
          <button data-testid="maintenance-end" onClick={() => act(api.request('DELETE', path))}>
            {t('wall.endMaintenance')}
          </button>
        ) : (
          <select data-testid="maintenance-start" value="" aria-label={t('wall.maintenance')} onChange={(e) => act(api.request('PUT', path, { minutes: Number((e.target as HTMLSelectElement).value) }))}>
            <option value="">{t('wall.maintenance')}</option>
            {LENGTHS_MIN.map((min) => (
              <option value={min}>{t('wall.maintenanceFor', { duration: formatDuration(min * 60_000, lang) })}</option>
            ))}
          </select>
        ))}
      {error && <small class="error">{error}</small>}
    </div>
  );
}
