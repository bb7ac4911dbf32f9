import { useEffect, useRef, useState } from 'preact/hooks';
import { playAlarm } from '../alarm';
import { alertText, isCameraFault, lateSeconds, schoolWarningTitle } from '../alert-text';
import { ApiError, isApiNotFound } from '../api';
import { CallRepeatGuard } from '../call-record';
import { useApp } from '../context';
import { isDrowningWarning, newestFirst, seenSinceAlarm, warningKey } from '../feed-state';
import type { AlertDetail, SiteContact } from '../types';
import { useImage } from '../use-image';
import { SiteCard } from './site-card';
import { SoundBanner } from './sound-banner';

const REPEAT_SOUND_MS = 8000;
const RECHECK_MS = 5000;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** The confirm button waits this long after a warning comes on screen: a click meant for another one must not confirm it. */
export const CONFIRM_ARM_MS = 1500;

/**
 * Ends the running Test alarm (null while none runs). A real warning coming on screen calls it: the two
 * look and sound alike, and a teacher ending "the test" must not press the real one's button.
 */
let endRunningTest: (() => void) | null = null;
/** A real warning is on screen: the Test alarm does not start over it (its button lies behind, but keys reach it). */
let realWarningShown = false;

/** The API's 404 for an alert: not in this school's scope any more (an admin narrowed its waters), or gone. */
const notFound = isApiNotFound;

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
 * then the older ones. A newer warning does not replace one already on screen: it waits (+N). A warning confirmed (a "seen" in its timeline, by anyone of the school) does
 * not come back — unless the API raises it again (its `alarmedAt` moves: the swimmer seen again went
 * under once more), when it must be confirmed anew.
 */
export function SchoolAlarm() {
  const { api, feed, t, lang } = useApp();
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const [details, setDetails] = useState<Map<string, AlertDetail>>(new Map());
  const checked = useRef(new Map<string, number>());
  // A failed read is tried again (RETRY_FIRST_MS, doubling up to RETRY_MAX_MS): nothing else may come
  // to make this screen look again, and a warning never read is never shown.
  const failures = useRef(new Map<string, number>());
  const retries = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const [, setRetryRound] = useState(0);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
      for (const timer of retries.current.values()) clearTimeout(timer);
    },
    [],
  );
  // Alerts the API answered 404 for, with the version held then: out of scope, no push (resolve or
  // other) comes for them, so they would stay and sound until a reload. A newer version pushed means
  // the alert is in scope again: a warning again.
  const [gone, setGone] = useState<Map<string, number>>(new Map());
  // The camera of a warning closed so (said until dismissed); null: none.
  const [goneCamera, setGoneCamera] = useState<string | null>(null);
  const latest = useRef({ feed, details });
  latest.current = { feed, details };
  const leave = (id: string, camera: string) => {
    const { feed: f, details: d } = latest.current;
    const version = Math.max(f.alerts.get(id)?.updatedAt ?? -Infinity, d.get(id)?.updatedAt ?? -Infinity);
    setGone((g) => new Map(g).set(id, version));
    setGoneCamera(camera);
  };
  // Keyed by alert and alarm: a warning raised again is a new one to confirm.
  const candidates = newestFirst(feed.alerts.values()).filter(
    (a) => isDrowningWarning(a) && !confirmed.has(warningKey(a)) && (gone.get(a.id) ?? -Infinity) < a.updatedAt,
  );

  // Each candidate's timeline is read once per version (updatedAt) to see whether it was confirmed.
  useEffect(() => {
    for (const a of candidates) {
      if (checked.current.get(a.id) === a.updatedAt) continue;
      const version = a.updatedAt;
      checked.current.set(a.id, version);
      clearTimeout(retries.current.get(a.id));
      retries.current.delete(a.id);
      api.alert(a.id).then(
        (detail) => {
          failures.current.delete(a.id);
          if (seenSinceAlarm(detail, detail.transitions)) setConfirmed((s) => new Set(s).add(warningKey(detail)));
          // A slower read of an older version must not replace a newer one.
          else setDetails((d) => ((d.get(a.id)?.updatedAt ?? -Infinity) > detail.updatedAt ? d : new Map(d).set(a.id, detail)));
        },
        () => {
          // Even a 404: a warning never shown is not given up on (the retry costs one read per 30 s).
          if (!mounted.current || checked.current.get(a.id) !== version) return; // a newer version is being read
          const failed = (failures.current.get(a.id) ?? 0) + 1;
          failures.current.set(a.id, failed);
          const delay = Math.min(RETRY_FIRST_MS * 2 ** (failed - 1), RETRY_MAX_MS);
          retries.current.set(
            a.id,
            setTimeout(() => {
              retries.current.delete(a.id);
              checked.current.delete(a.id);
              setRetryRound((n) => n + 1); // renders, and this effect reads it again
            }, delay),
          );
        },
      );
    }
  });
  // The newest unconfirmed warning first; older ones follow once it is confirmed. One that has been on
  // screen CONFIRM_ARM_MS stays there until confirmed (a newer one waits), so a click is never taken
  // for one that just replaced it. A warning raised again shows at once with the feed's newer copy
  // (its new alarm, message, picture) over the detail read before, until the fresh read replaces it:
  // it never leaves the screen, nor its sound stops, because that read is slow or failed.
  const ready = candidates
    .map((a) => {
      const d = details.get(a.id);
      return d && a.updatedAt > d.updatedAt ? { ...d, ...a } : d;
    })
    .filter((d): d is AlertDetail => d !== undefined && !confirmed.has(warningKey(d)));
  const [armed, setArmed] = useState<{ id: string; key: string } | null>(null);
  // A person in the water comes before a camera fault an admin made critical: the fault asks nobody to
  // run and may stay unconfirmed for minutes, and an armed fault held a drowning behind it (review
  // 2026-12-03 alert-storms, note 4). The replacing warning arms again before it can be confirmed.
  const person = ready.find((d) => !isCameraFault(d));
  const held = ready.find((d) => d.id === armed?.id);
  const current = (held && !(isCameraFault(held) && person) ? held : (person ?? ready[0])) ?? null;
  const shownKey = current ? warningKey(current) : null;
  useEffect(() => {
    // The arming belongs to the warning shown: a camera fault back on screen after a person's warning
    // that replaced it left arms again, or a click meant for the drowning would confirm the fault.
    setArmed((a) => (a && a.key !== shownKey ? null : a));
    if (!current) return;
    const shown = { id: current.id, key: warningKey(current) };
    const timer = setTimeout(() => setArmed(shown), CONFIRM_ARM_MS);
    return () => clearTimeout(timer);
  }, [shownKey]);
  const waiting = ready.length - 1;
  // Another screen of the school may confirm it: look again every few seconds while it is shown,
  // with the current token (a renewed one replaces `api`; the old one runs out).
  useEffect(() => {
    if (!current) return;
    const { id, cameraName, cameraId } = current;
    const timer = setInterval(() => {
      api.alert(id).then(
        (d) => seenSinceAlarm(d, d.transitions) && setConfirmed((s) => new Set(s).add(warningKey(d))),
        (err) => notFound(err) && leave(id, cameraName ?? cameraId), // other failures: the next look
      );
    }, RECHECK_MS);
    return () => clearInterval(timer);
  }, [current?.id, api]);
  useRepeatingAlarm(shownKey);
  // The real warning replaces a running test, and says so while it is on screen.
  const [endedTestFor, setEndedTestFor] = useState<string | null>(null);
  useEffect(() => {
    realWarningShown = shownKey !== null;
    if (shownKey === null || !endRunningTest) return;
    endRunningTest();
    setEndedTestFor(shownKey);
  }, [shownKey]);
  useEffect(
    () => () => {
      realWarningShown = false;
    },
    [],
  );
  // The same URL serves a newer picture when the warning is raised again: its capture time says so.
  const snapshot = useImage(api, current?.hasSnapshot ? current.snapshotUrl : null, 0, false, current?.capturedAt ?? null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => setFailed(null), [shownKey]);
  // A "seen" refused because the warning was raised again: said until this alert is confirmed or
  // leaves the screen. The newer copy that comes meanwhile changes the key (not the id), which clears `failed`.
  const [raisedAgainId, setRaisedAgainId] = useState<string | null>(null);
  // Confirmed on another screen, or another warning first: when this alert is raised again later,
  // nobody has pressed for it yet.
  useEffect(() => {
    if (current?.id !== raisedAgainId) setRaisedAgainId(null);
  }, [current?.id]);
  // A call from the card goes into the alert's record once per press (not per click of a double click).
  const calls = useRef(new CallRepeatGuard());

  const goneNote = goneCamera !== null && t('school.gone', { camera: goneCamera });
  if (!current)
    return goneNote ? (
      <p class="school-gone" role="status" data-testid="school-gone">
        {goneNote}{' '}
        <button data-testid="school-gone-dismiss" onClick={() => setGoneCamera(null)}>
          {t('school.goneDismiss')}
        </button>
      </p>
    ) : null;
  const call = (contact: SiteContact) => {
    const alertId = current.id;
    // The dialling is not held up; a call not recorded is recorded by the next press.
    calls.current.press(alertId, contact.phone, Date.now(), () => api.addNote(alertId, { called: contact }).then(() => true, () => false));
  };
  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    try {
      // The alarm of the copy on screen: a "seen" of a warning raised again since (the swimmer went
      // under once more) is refused (409), and the newer copy, pushed meanwhile, stays to be confirmed.
      await api.transition(current.id, 'seen', { seenAlarmedAt: current.alarmedAt ?? null });
      setConfirmed((s) => new Set(s).add(warningKey(current)));
      setFailed(null);
      setRaisedAgainId(null);
    } catch (err) {
      if (notFound(err)) {
        // Out of the school's scope now: it can never be recorded, and no push will close it.
        leave(current.id, current.cameraName ?? current.cameraId);
        setFailed(null);
      } else if (err instanceof ApiError && err.status === 409) {
        // Raised again since this copy: say so, and show the newer one now, even if its push has not come.
        setRaisedAgainId(current.id);
        setFailed(null);
        api.alert(current.id).then((d) => feed.upsert(d), () => undefined);
      } else {
        setFailed((err as Error).message); // the warning and its sound stay: say why the button did nothing
        setRaisedAgainId(null);
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="school-alarm" role="alertdialog" data-testid="school-alarm" data-alert-id={current.id}>
      <SoundBanner onWarning />
      {endedTestFor === shownKey && (
        <p class="late-note" role="alert" data-testid="school-test-ended">
          {t('school.testEnded')}
        </p>
      )}
      <h1 data-testid="school-alarm-title">{schoolWarningTitle(lang, current)}</h1>
      <p class="plain">{t('school.body', { camera: current.cameraName ?? current.cameraId, message: alertText(lang, current) })}</p>
      {lateSeconds(current) !== null && (
        <p class="late-note" data-testid="school-late">
          {t('alert.late', { seconds: String(lateSeconds(current)) })}
        </p>
      )}
      {snapshot.url && <img src={snapshot.url} alt="" />}
      {/* Where it is, where the lifebuoy hangs, whom to call: a teacher can act before the operators arrive. */}
      <SiteCard site={current.site} emphasis onCall={call} />
      {waiting > 0 && <p data-testid="school-waiting">+{waiting}</p>}
      {raisedAgainId === current.id && (
        <p class="late-note" role="alert" data-testid="school-raised-again">
          {t('school.raisedAgain')}
        </p>
      )}
      {goneNote && (
        <p class="late-note" role="status" data-testid="school-gone">
          {goneNote}
        </p>
      )}
      {failed && (
        // white on the red screen (.error is red)
        <p class="late-note" role="alert" data-testid="school-confirm-error">
          {t('school.confirmFailed', { message: failed })}
        </p>
      )}
      <button data-testid="school-confirm" disabled={busy || armed?.key !== shownKey} onClick={() => void confirm()}>
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
  useEffect(() => {
    if (!on) return;
    const end = () => setOn(false);
    endRunningTest = end;
    return () => {
      if (endRunningTest === end) endRunningTest = null;
    };
  }, [on]);
  return (
    <>
      <button data-testid="alarm-test" disabled={on} onClick={() => realWarningShown || setOn(true)}>
        {t('school.test')}
      </button>
      {on && (
        <div class="school-alarm" role="alertdialog" data-testid="school-alarm-test">
          <SoundBanner onWarning />
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
