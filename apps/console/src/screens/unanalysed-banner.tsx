import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import { cameraNameList, formatTime } from '../format';
import type { Camera } from '../types';

/** How often every screen asks which cameras have gone unanalysed. */
export const UNANALYSED_POLL_MS = 15_000;

/**
 * Across the top of every screen while cameras in the user's scope deliver pictures that nobody
 * analyses (analyzers down or stuck): the cameras look online and raise nothing, which no one would
 * otherwise notice — a school's alarm screen least of all.
 */
export function UnanalysedBanner() {
  const { api, t, lang } = useApp();
  const [cameras, setCameras] = useState<Camera[]>([]);
  useEffect(() => {
    let current = true;
    // A failed poll keeps what was shown: the offline banner covers a server that cannot be reached.
    const load = () => void api.unanalysedCameras().then((r) => current && setCameras(r.items), () => undefined);
    load();
    const timer = setInterval(load, UNANALYSED_POLL_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [api]);
  if (cameras.length === 0) return null;
  const since = Math.min(...cameras.map((c) => c.analysis.unanalysedSince ?? Date.now()));
  return (
    <div class="unanalysed-banner" role="alert" data-testid="unanalysed-banner">
      {t('analysis.unanalysed', { count: cameras.length, since: formatTime(since), names: cameraNameList(cameras, lang) })}
    </div>
  );
}
