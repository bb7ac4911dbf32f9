import { useEffect, useRef, useState } from 'preact/hooks';
import { playAlarm } from '../alarm';
import { useApp } from '../context';
import { isDrowningWarning, newestFirst } from '../feed-state';
import type { AlertDetail } from '../types';
import { useImage } from '../use-image';

const REPEAT_SOUND_MS = 8000;

/**
 * A school's drowning warning: fills the screen with a plain message, the snapshot and a repeating
 * sound until someone confirms it, which the API records as a "seen" transition. Alerts already
 * confirmed (a "seen" in their timeline, by anyone of the school) do not come back.
 */
export function SchoolAlarm() {
  const { api, feed, t } = useApp();
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const [current, setCurrent] = useState<AlertDetail | null>(null);
  const checked = useRef(new Map<string, number>());
  const candidates = newestFirst(feed.alerts.values()).filter((a) => isDrowningWarning(a) && !confirmed.has(a.id));

  // Each candidate's timeline is read once per version (updatedAt) to see whether it was confirmed.
  useEffect(() => {
    for (const a of candidates) {
      if (checked.current.get(a.id) === a.updatedAt) continue;
      checked.current.set(a.id, a.updatedAt);
      api.alert(a.id).then(
        (detail) => {
          if (detail.transitions.some((tr) => tr.action === 'seen')) setConfirmed((s) => new Set(s).add(a.id));
          else setCurrent((c) => c ?? detail);
        },
        () => checked.current.delete(a.id),
      );
    }
  });
  useEffect(() => {
    if (current && confirmed.has(current.id)) setCurrent(null);
  }, [confirmed, current]);
  useEffect(() => {
    if (!current) return;
    playAlarm();
    const timer = setInterval(() => playAlarm(), REPEAT_SOUND_MS);
    return () => clearInterval(timer);
  }, [current?.id]);
  const snapshot = useImage(api, current?.hasSnapshot ? current.snapshotUrl : null);

  if (!current) return null;
  const confirm = async () => {
    await api.transition(current.id, 'seen', {});
    setConfirmed((s) => new Set(s).add(current.id));
    setCurrent(null);
  };
  return (
    <div class="school-alarm" role="alertdialog" data-testid="school-alarm" data-alert-id={current.id}>
      <h1>{t('school.warning')}</h1>
      <p class="plain">{t('school.body', { camera: current.cameraName ?? current.cameraId, message: current.message })}</p>
      {snapshot.url && <img src={snapshot.url} alt="" />}
      <button data-testid="school-confirm" onClick={() => void confirm()}>
        {t('school.confirm')}
      </button>
    </div>
  );
}
