import { useApp } from '../context';
import { formatTime } from '../format';
import type { AlertDetail } from '../types';
import { useImage } from '../use-image';

type Entry = AlertDetail['snapshots'][number];

function Thumb({ entry, selected, onSelect }: { entry: Entry; selected: boolean; onSelect(): void }) {
  const { api } = useApp();
  const image = useImage(api, entry.url);
  const time = formatTime(entry.capturedAt).slice(11); // HH:MM:SS: the date is the alert's
  return (
    <button type="button" class={selected ? 'thumb selected' : 'thumb'} onClick={onSelect} data-testid="trail-thumb" aria-pressed={selected}>
      {image.url ? <img src={image.url} alt={time} /> : <span class="placeholder" />}
      <time>{time}</time>
    </button>
  );
}

/**
 * Every picture the analyzer took of this alert, oldest first (one per alert that joined it: the
 * person entering the water, then the water after they were lost): the alert shows the newest, and in
 * a drowning the earlier one — the person still visible — is often the one that tells. A click shows it large. Nothing when there is only one.
 */
export function SnapshotTrail({ snapshots, selected, onSelect }: { snapshots: Entry[]; selected: string | null; onSelect(url: string | null): void }) {
  const { t } = useApp();
  if (snapshots.length < 2) return null;
  const newest = snapshots[snapshots.length - 1].url;
  return (
    <div class="snapshot-trail" data-testid="snapshot-trail" aria-label={t('detail.trail')}>
      {snapshots.map((entry) => (
        <Thumb entry={entry} selected={(selected ?? newest) === entry.url} onSelect={() => onSelect(entry.url === newest ? null : entry.url)} />
      ))}
    </div>
  );
}
