import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import { cameraNameList, formatTime } from '../format';
import type { Camera } from '../types';
import { STATUS_RELOAD_MS, useThrottled } from '../use-throttled';

/** How often a school's screen asks which of its cameras are offline (besides each camera.status push). */
export const SCHOOL_OFFLINE_POLL_MS = 15_000;

/**
 * Across a school's screen while one of its cameras is offline. A school's alarm screen waits for a
 * warning; from a dark camera none can come, and an offline alert in a list is easily missed by a
 * screen nobody watches until it sounds. Operators see the camera wall and the offline alerts instead
 * (a county always has some camera down: a banner would never go away).
 */
export function SchoolCamerasOfflineBanner() {
  const { api, t, lang, feed, user } = useApp();
  const school = user.role === 'school';
  const [cameras, setCameras] = useState<Camera[]>([]);
  const statusCue = useThrottled(feed.statusSeq, STATUS_RELOAD_MS);
  useEffect(() => {
    if (!school) return;
    let current = true;
    // A failed poll keeps what was shown: the feed's own banner covers a server that cannot be reached.
    const load = () => void api.cameras({ status: 'offline' }).then((r) => current && setCameras(r.items), () => undefined);
    load();
    const timer = setInterval(load, SCHOOL_OFFLINE_POLL_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [api, school, statusCue]);
  if (!school || cameras.length === 0) return null;
  const since = Math.min(...cameras.map((c) => c.status?.since ?? Date.now()));
  return (
    <div class="offline-banner" role="alert" data-testid="school-cameras-offline">
      {t('school.camerasOffline', { count: cameras.length, since: formatTime(since), names: cameraNameList(cameras, lang) })}
    </div>
  );
}
