import { useEffect, useRef, useState } from 'preact/hooks';
import { playAlarm } from '../alarm';
import { alertText, lateSeconds } from '../alert-text';
import { useApp } from '../context';
import { isDrowningWarning, newestFirst, seenSinceAlarm, warningKey } from '../feed-state';
import type { AlertDetail } from '../types';
import { useImage } from '../use-image';
import { SiteCard } from './site-card';

const REPEAT_SOUND_MS = 8000;
const RECHECK_MS = 5000;

/** The warning's sound: at once, then every REPEAT_SOUND_MS while `key` (what is shown) is set; anew when it changes. */
function useRepeatingAlarm(key: string | null): void {
  useEffect(() => {
    if (key === null) return;
    playAlarm();
    const timer = setInterval(() => playAlarm(), REPEAT_SOUND_MS);
    return () => clearInterval(timer);
  }, [key]);
}

/**
 * A school's drowning warning: fills the screen with a plain message, the snapshot and a repeating
 * sound until someone confirms it, which the API records as a "seen" transition; the newest first,
 * then the older ones. A warning confirmed (a "seen" in its timeline, by anyone of the school) does
 * not come back — unless the API raises it again (its `alarmedAt` moves: the swimmer seen again went
 * under once more), when it must be confirmed anew.
 */
export function SchoolAlarm() {
  const { api, feed, t, lang } = useApp();
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const [details, setDetails] = useState<Map<string, AlertDetail>>(new Map());
  const checked = useRef(new Map<string, number>());
  // Keyed by alert and alarm: a warning raised again is a new one to confirm.
  const candidates = newestFirst(feed.alerts.values()).filter((a) => isDrowningWarning(a) && !confirmed.has(warningKey(a)));

  // Each candidate's timeline is read once per version (updatedAt) to see whether it was confirmed.
  useEffect(() => {
    for (const a of candidates) {
      if (checked.current.get(a.id) === a.updatedAt) continue;
      checked.current.set(a.id, a.updatedAt);
      api.alert(a.id).then(
        (detail) => {
          if (seenSinceAlarm(detail, detail.transitions)) setConfirmed((s) => new Set(s).add(warningKey(detail)));
          else setDetails((d) => new Map(d).set(a.id, detail));
        },
        () => checked.current.delete(a.id),
      );
    }
  });
  // The newest unconfirmed warning first; older ones follow once it is confirmed.
  // A detail read before the warning was raised again waits for the fresh read.
  const current = candidates.map((a) => details.get(a.id)).find((d) => d !== undefined && warningKey(d) === warningKey(feed.alerts.get(d.id) ?? d)) ?? null;
  const waiting = candidates.filter((a) => details.has(a.id)).length - 1;
  // Another screen of the school may confirm it: look again every few seconds while it is shown.
  useEffect(() => {
    if (!current) return;
    const timer = setInterval(() => {
      api.alert(current.id).then((d) => seenSinceAlarm(d, d.transitions) && setConfirmed((s) => new Set(s).add(warningKey(d))), () => undefined);
    }, RECHECK_MS);
    return () => clearInterval(timer);
  }, [current?.id]);
  useRepeatingAlarm(current ? warningKey(current) : null);
  const snapshot = useImage(api, current?.hasSnapshot ? current.snapshotUrl : null);

  if (!current) return null;
  const confirm = async () => {
    await api.transition(current.id, 'seen', {});
    setConfirmed((s) => new Set(s).add(warningKey(current)));
  };
  return (
    <div class="school-alarm" role="alertdialog" data-testid="school-alarm" data-alert-id={current.id}>
      <h1>{t('school.warning')}</h1>
      <p class="plain">{t('school.body', { camera: current.cameraName ?? current.cameraId, message: alertText(lang, current) })}</p>
      {lateSeconds(current) !== null && (
        <p class="late-note" data-testid="school-late">
          {t('alert.late', { seconds: String(lateSeconds(current)) })}
        </p>
      )}
      {snapshot.url && <img src={snapshot.url} alt="" />}
      {/* Where it is, where the lifebuoy hangs, whom to call: a teacher can act before the operators arrive. */}
      <SiteCard site={current.site} emphasis onCall={(c) => void api.addNote(current.id, { called: c }).catch(() => undefined)} />
      {waiting > 0 && <p>+{waiting}</p>}
      <button data-testid="school-confirm" onClick={() => void confirm()}>
        {t('school.confirm')}
      </button>
    </div>
  );
}

/**
 * A school's check of its alarm screen (each morning, after moving the PC): the warning's screen and
 * sound, here only — no alert is raised, nobody else sees it.
 */
export function AlarmTest() {
  const { t } = useApp();
  const [on, setOn] = useState(false);
  useRepeatingAlarm(on ? 'test' : null); // the same sound as a real warning: that is what is tested
  return (
    <>
      <button data-testid="alarm-test" disabled={on} onClick={() => setOn(true)}>
        {t('school.test')}
      </button>
      {on && (
        <div class="school-alarm" role="alertdialog" data-testid="school-alarm-test">
          <h1>{t('school.testTitle')}</h1>
          <p class="plain">{t('school.testBody')}</p>
          <button data-testid="school-alarm-test-done" onClick={() => setOn(false)}>
            {t('school.testDone')}
          </button>
        </div>
      )}
    </>
  );
}
