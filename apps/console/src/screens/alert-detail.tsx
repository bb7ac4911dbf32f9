import { useEffect, useRef, useState } from 'preact/hooks';
import { alertDetailText, alertText, lateSeconds } from '../alert-text';
import { ApiError } from '../api';
import { CallRepeatGuard } from '../call-record';
import { useApp } from '../context';
import { useEvidence } from '../evidence-poll';
import { useOneAtATime } from '../one-at-a-time';
import { formatTime } from '../format';
import { regionPathName } from '../region-tree';
import { actorName, transitionNote } from '../transition-text';
import type { AlertDetail, Region, SiteContact } from '../types';
import { useImage } from '../use-image';
import { NearbyCameras } from './nearby-cameras';
import { SiteCard } from './site-card';
import { SnapshotTrail } from './snapshot-trail';

export function AlertDetailScreen({ id }: { id: string }) {
  const { api, t, tv, navigate, feed, user, lang } = useApp();
  const [alert, setAlert] = useState<AlertDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pushed = feed.alerts.get(id);

  // Reload when the feed pushes a change of this alert (another operator acted on it). An answer that
  // was overtaken (a later reload, another alert) is dropped, and no copy replaces a newer one.
  // The screen is reused when another alert is opened: an answer about the previous one (a transition,
  // a note still on its way) must not replace it.
  const shownId = useRef(id);
  shownId.current = id;
  const keep = (next: AlertDetail) => {
    if (next.id !== shownId.current) return;
    setAlert((shown) => (shown?.id === next.id && shown.updatedAt > next.updatedAt ? shown : next));
  };
  useEffect(() => {
    let current = true;
    api.alert(id).then(
      (d) => current && keep(d),
      (err: Error) => current && setError(err.message),
    );
    return () => {
      current = false;
    };
  }, [api, id, pushed?.updatedAt]);
  // A picture picked from the trail replaces the alert's newest one until another is picked. The
  // newest keeps its URL when a newer picture replaces it (a vanish joining the entry into the water):
  // its capture time says when to load it again.
  const [trailPick, setTrailPick] = useState<string | null>(null);
  useEffect(() => setTrailPick(null), [id]);
  const snapshot = useImage(api, trailPick ?? (alert?.hasSnapshot ? alert.snapshotUrl : null), 0, false, trailPick ? null : (alert?.capturedAt ?? null));
  // Read again while being cut: nothing is pushed when the clip arrives (evidence-poll.ts).
  const evidence = useEvidence(api, id, pushed?.updatedAt);
  const clip = useImage(api, evidence?.clipUrl ?? null); // fetched with the bearer token: <video> cannot send it
  const hires = useImage(api, evidence?.hiresSnapshotUrl ?? null); // the main stream's keyframe, full resolution
  const fileBase = `alert-${safeFileName(id)}`;
  const evidenceStatus =
    evidence && evidence.status !== 'none' ? `${tv('evidence', evidence.status)}${evidence.reason ? `: ${tv('shortfall', evidence.reason)}` : ''}` : null;
  const [regions, setRegions] = useState<Region[]>([]);
  useEffect(() => {
    if (user.role !== 'school') api.regions().then((r) => setRegions(r.items), () => undefined);
  }, [api]);

  // One transition at a time: a double click must not send a second one, which the API refuses (409)
  // as if someone else had taken the alert.
  const acting = useOneAtATime();
  const act = (action: 'acknowledge' | 'dispatch' | 'resolve', form: HTMLFormElement) =>
    acting.run(async () => {
      const body: Record<string, string | number | null> = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== '').map(([k, v]) => [k, String(v)]));
      // The alarm of the copy on screen: an acknowledgement of an entry that a drowning has raised again
      // since is refused (409), so that someone looks at the drowning before it counts as seen.
      if (action === 'acknowledge' && alert) body.seenAlarmedAt = alert.alarmedAt ?? null;
      try {
        const next = await api.transition(id, action, body);
        keep(next);
        feed.upsert(next);
        setError(null);
        form.reset();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && !err.foreign) {
          // Refused on the copy on screen: raised again since (a drowning after the entry shown), or
          // taken by someone else. Shown as it is now, even before its push comes, so that what is
          // pressed next is pressed on what is there — as the school screen does for its "seen".
          api.alert(id).then(
            (d) => (keep(d), feed.upsert(d)),
            () => undefined,
          );
          setError(err.reason === 'raised_again' ? t('detail.raisedAgain') : err.message);
        } else setError((err as Error).message);
      }
    });
  const send = async (body: { note?: string; called?: SiteContact }): Promise<boolean> => {
    try {
      keep(await api.addNote(id, body));
      setError(null);
      return true;
    } catch (err) {
      setError((err as Error).message);
      return false;
    }
  };
  // One entry per press: the same number pressed again soon (a double click) adds nothing.
  const calls = useRef(new CallRepeatGuard());
  const call = (contact: SiteContact) => {
    // Not recorded: a press again records it (the error says why this one did not).
    calls.current.press(id, contact.phone, Date.now(), () => send({ called: contact }));
  };
  // A typed note is sent once: its button is disabled while it goes. A call being recorded does not
  // hold it back — the operator notes what came of a call while the call's entry is still being
  // stored (its push can show it before its answer arrives).
  const noting = useOneAtATime();
  const addNote = (text: string, form: HTMLFormElement) =>
    noting.run(async () => {
      const input = form.elements.namedItem('note') as HTMLInputElement | null;
      // Emptied only if it still holds what was sent: words typed while it went stay.
      if ((await send({ note: text })) && input && input.value.trim() === text) form.reset();
    });
  if (!alert) return <p>{error ? t('common.error', { message: error }) : t('common.loading')}</p>;
  const canHandle = user.role === 'admin' || user.role === 'operator';
  const technical = alertDetailText(lang, alert);
  const zoneNames = (zoneId: string | null) => (zoneId !== null && zoneId === alert.zoneId ? alert.zoneName : null);
  return (
    <section class="detail" data-testid="alert-detail" data-state={alert.state}>
      <a href="#" onClick={(e) => (e.preventDefault(), navigate(''))}>
        ← {t('detail.back')}
      </a>
      <h2>
        <span class={`sev sev-${alert.severity}`}>{tv('severity', alert.severity)}</span> {tv('rule', alert.rule)} — {alert.cameraName ?? alert.cameraId}
      </h2>
      <p data-testid="detail-text">{alertText(lang, alert)}</p>
      {technical && <p class="hint">{technical}</p>}
      <SiteCard site={alert.site} emphasis={alert.severity === 'critical' && alert.state !== 'resolved'} onCall={user.role === 'viewer' ? undefined : call} />
      {alert.site?.location && user.role !== 'school' && <NearbyCameras cameraId={alert.cameraId} />}
      <div class="detail-grid">
        <figure>
          {snapshot.url ? <img src={snapshot.url} alt={t('detail.snapshot')} data-testid="snapshot" /> : <div class="placeholder">{t('detail.noSnapshot')}</div>}
          <figcaption>{t('detail.snapshot')}</figcaption>
          <SnapshotTrail snapshots={alert.snapshots ?? []} selected={trailPick} onSelect={setTrailPick} />
        </figure>
        <figure>
          {clip.url ? (
            <video src={clip.url} controls data-testid="clip" />
          ) : (
            <div class="placeholder">
              {t('detail.noClip')}
              {evidenceStatus && ` (${evidenceStatus})`}
            </div>
          )}
          <figcaption>
            {t('detail.clip')}
            {/* A clip that plays but is shorter than asked says why (the camera was offline for part of it…). */}
            {clip.url && evidence?.status !== 'complete' && evidenceStatus && <small data-testid="clip-note"> · {evidenceStatus}</small>}
            {clip.url && (
              <>
                {' · '}
                <a href={clip.url} download={`${fileBase}.mp4`} data-testid="clip-download">
                  {t('detail.download')}
                </a>
              </>
            )}
          </figcaption>
          {/* For a case: the camera's own full-resolution picture of the moment, opened or saved as a file. */}
          {hires.url && (
            <p class="hires">
              <a href={hires.url} target="_blank" rel="noopener" data-testid="hires-open">
                <img src={hires.url} alt={t('detail.hires')} />
              </a>
              {t('detail.hires')} ·{' '}
              <a href={hires.url} download={`${fileBase}.jpg`} data-testid="hires-download">
                {t('detail.download')}
              </a>
            </p>
          )}
        </figure>
        <dl>
          <dt>{t('col.state')}</dt>
          <dd data-testid="detail-state">{tv('state', alert.state)}</dd>
          <dt>{t('col.camera')}</dt>
          <dd>{alert.cameraName ?? alert.cameraId}</dd>
          <dt>{t('detail.region')}</dt>
          <dd data-testid="detail-region">{alert.regionId ? regionPathName(regions, alert.regionId) : '—'}</dd>
          <dt>{t('detail.zone')}</dt>
          <dd data-testid="detail-zone">{alert.zoneName?.trim() ? `${alert.zoneName} (${alert.zoneId})` : (alert.zoneId ?? '—')}</dd>
          <dt>{t('col.rule')}</dt>
          <dd>
            {tv('rule', alert.rule)} ({alert.ruleId})
          </dd>
          <dt>{t('detail.started')}</dt>
          <dd>{formatTime(alert.startedAt)}</dd>
          <dt>{t('detail.captured')}</dt>
          <dd>
            {formatTime(alert.capturedAt)}
            {lateSeconds(alert) !== null && (
              <span class="late-note" data-testid="detail-late">
                {' '}
                {t('alert.late', { seconds: String(lateSeconds(alert)) })}
              </span>
            )}
          </dd>
          <dt>{t('detail.escalation')}</dt>
          <dd>{alert.escalationLevel}</dd>
          <dt>{t('detail.assignee')}</dt>
          <dd>{alert.assignee ?? '—'}</dd>
          <dt>{t('detail.outcome')}</dt>
          <dd>{alert.outcome ? tv('outcome', alert.outcome) : '—'}</dd>
        </dl>
      </div>
      {error && <p class="error" data-testid="detail-error">{t('common.error', { message: error })}</p>}
      <div class="actions">
        {alert.state === 'open' && user.role !== 'viewer' && (
          <form onSubmit={(e) => (e.preventDefault(), act('acknowledge', e.target as HTMLFormElement))}>
            <input name="note" placeholder={t('detail.note')} />
            <button data-testid="acknowledge" disabled={acting.busy}>{t('action.acknowledge')}</button>
          </form>
        )}
        {alert.state === 'acknowledged' && canHandle && (
          <form onSubmit={(e) => (e.preventDefault(), act('dispatch', e.target as HTMLFormElement))}>
            {/* The site's people are who is usually sent: offered, not imposed (a patrol may be nearer). */}
            <input name="assignee" required placeholder={t('detail.assignee')} data-testid="assignee" list="site-people" />
            <datalist id="site-people">
              {alert.site?.contacts.map((c) => <option value={c.role ? `${c.name}（${c.role}）` : c.name} />)}
            </datalist>
            <input name="note" placeholder={t('detail.note')} />
            <button data-testid="dispatch" disabled={acting.busy}>{t('action.dispatch')}</button>
          </form>
        )}
        {(alert.state === 'acknowledged' || alert.state === 'dispatched') && canHandle && (
          <form onSubmit={(e) => (e.preventDefault(), act('resolve', e.target as HTMLFormElement))}>
            <select name="outcome" data-testid="outcome">
              {['true_alarm', 'false_alarm', 'duplicate'].map((o) => (
                <option value={o}>{tv('outcome', o)}</option>
              ))}
            </select>
            <input name="note" placeholder={t('detail.note')} />
            <button data-testid="resolve" disabled={acting.busy}>{t('action.resolve')}</button>
          </form>
        )}
      </div>
      {user.role !== 'viewer' && (
        <form
          class="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.target as HTMLFormElement;
            const text = String(new FormData(form).get('note') ?? '').trim();
            if (text) void addNote(text, form);
          }}
        >
          <input name="note" maxLength={2000} placeholder={t('detail.notePlaceholder')} data-testid="note-text" />
          <button data-testid="add-note" disabled={noting.busy}>{t('detail.addNote')}</button>
        </form>
      )}
      <h3>{t('detail.timeline')}</h3>
      <ol class="timeline" data-testid="timeline">
        {alert.transitions.map((tr) => {
          const note = transitionNote(lang, tr, zoneNames);
          return (
            <li data-action={tr.action}>
              <time>{formatTime(tr.at)}</time> <strong>{tv('action', tr.action)}</strong> {tv('state', tr.from)} → {tv('state', tr.to)} · {actorName(lang, tr.actor)}
              {tr.assignee && ` · ${tr.assignee}`}
              {tr.outcome && ` · ${tv('outcome', tr.outcome)}`}
              {note && (note.quoted ? ` · “${note.text}”` : ` · ${note.text}`)}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Alert ids are hex-ish with ':' and '#' in places; a saved file's name keeps letters, digits, '-' and '_'. */
function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
