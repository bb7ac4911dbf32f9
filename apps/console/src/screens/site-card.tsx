import { useApp } from '../context';
import { formatLocation, telHref } from '../site';
import type { Site, SiteContact } from '../types';

/**
 * Where the camera's scene is and whom to call: what an operator (or a school) needs in the first
 * minute of a drowning, on the alert itself rather than in a binder. Phone numbers are links, so a
 * softphone or a mobile browser dials them, and `onCall` records the call; coordinates open the
 * device's map app (geo: URI).
 */
export function SiteCard({ site, emphasis = false, onCall }: { site: Site | null | undefined; emphasis?: boolean; onCall?: (contact: SiteContact) => void }) {
  const { t } = useApp();
  if (!site || (!site.address && !site.directions && !site.location && !site.contacts.length && !site.rescueEquipment)) return null;
  return (
    <section class={emphasis ? 'site-card urgent' : 'site-card'} data-testid="site-card">
      <h3>{t('site.title')}</h3>
      {site.address && (
        <p data-testid="site-address">
          <strong>{site.address}</strong>
        </p>
      )}
      {site.directions && <p class="site-directions">{site.directions}</p>}
      {site.location && (
        <p>
          <a href={`geo:${site.location.lat},${site.location.lon}`} data-testid="site-location">
            {formatLocation(site.location)}
          </a>{' '}
          <small>(WGS-84)</small>
        </p>
      )}
      {site.contacts.length > 0 && (
        <ul class="site-contacts" data-testid="site-contacts">
          {site.contacts.map((c) => (
            <li>
              {c.name}
              {c.role && ` · ${c.role}`} ·{' '}
              {/* The call goes into the alert's record (who called whom, when); the dialling is not held up. */}
              <a href={telHref(c.phone)} data-testid="site-phone" onClick={() => onCall?.(c)}>
                {c.phone}
              </a>
            </li>
          ))}
        </ul>
      )}
      {site.rescueEquipment && (
        <p data-testid="site-rescue">
          {t('site.rescue')}: {site.rescueEquipment}
        </p>
      )}
    </section>
  );
}
