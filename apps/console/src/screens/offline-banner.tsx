import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import { formatTime } from '../format';

/** A drop this short is a reconnect, not an outage: no banner. */
export const OFFLINE_BANNER_MS = 5000;

/**
 * Across the top of every screen while the alert feed has been down for a while: a screen that
 * cannot receive warnings must say so, most of all a school's unattended alarm screen.
 */
export function OfflineBanner() {
  const { feed, t } = useApp();
  const [since, setSince] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => setSince(feed.connected ? null : (s) => s ?? Date.now()), [feed.connected]);
  useEffect(() => {
    if (since === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  if (since === null || now - since < OFFLINE_BANNER_MS) return null;
  return (
    <div class="offline-banner" role="alert" data-testid="offline-banner">
      {t('feed.offline', { since: formatTime(since).slice(11) })}
    </div>
  );
}
