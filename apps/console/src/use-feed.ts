import { useEffect, useRef, useState } from 'preact/hooks';
import { BURST_TAG, closeNotification, notify, notifyBurst, playAlarm } from './alarm';
import { isApiNotFound, type Api, type AlertQuery } from './api';
import {
  alarmKey,
  alarmsAfterLoad,
  applyMessage,
  dropAlerts,
  emptyFeed,
  escalatedTo,
  escalationKey,
  escalationsAfterLoad,
  escalationStillOwed,
  escalationStillRings,
  forgetRingsOfAlertsGone,
  mergeAlerts,
  RING_SETTLE_MS,
  shouldRing,
  stillRings,
  trimFeed,
  unresolvedNotLoaded,
  type FeedState,
} from './feed-state';
import { FeedSocket, RetryingLoad } from './feed-socket';
import type { Alert } from './types';

export interface Feed {
  alerts: Map<string, Alert>;
  connected: boolean;
  /** Loads alerts by REST once (a filter change) and merges them in; rejects on failure. */
  load(query?: AlertQuery): Promise<void>;
  /** Merges an alert the client changed itself (a transition's answer), or read by id. */
  upsert(alert: Alert): void;
  /**
   * Removes these copies of alerts the API answered 404 for (deleted, or out of the user's scope now),
   * each only while the feed still holds that very copy: a push since then stays.
   */
  drop(gone: Alert[]): void;
  /** Moves with every camera.status push (null before one): a cue to reload camera states. */
  statusSeq: number | null;
}

/** The last applied push seq of this tab: a reload resumes from it; signing out forgets it. */
export const SEQ_KEY = 'xl.console.lastSeq';
/**
 * `<seq>:<at>` of the last applied event: its seq and publication time, the resume point's identity
 * (?lastAt=). Used only while its seq is lastSeq: a hello or a resync moves lastSeq past it.
 */
export const AT_KEY = 'xl.console.lastAt';

/** The stored `<seq>:<at>`, or null. */
function storedAt(): { seq: number; at: number } | null {
  const [seq, at] = (sessionStorage.getItem(AT_KEY) ?? '').split(':').map(Number);
  return Number.isSafeInteger(seq) && Number.isSafeInteger(at) && at > 0 ? { seq, at } : null;
}
/** Alerts asked for by id at a time after a resync (unresolved ones the reload's pages did not bring). */
const REFETCH_AT_ONCE = 8;
/**
 * The second list of every load: each unresolved alert, not only the open ones — a drowning that
 * operators acknowledged while a school's PC was off must still show there after 200 newer alerts.
 */
const UNRESOLVED = 'open,acknowledged,dispatched';
/** The API's largest page (GET /alerts `limit`). */
const PAGE = 200;
/**
 * How many unresolved alerts a load pages through (newest first), and as many unresolved critical
 * ones: a storm (a power cut's camera_offline alerts) fills far more than one page, and the feed
 * must hold the drowning below them. Bounded so that a flood cannot keep a load going for good.
 */
export const UNRESOLVED_LOAD_MAX = 2000;
/**
 * Escalation rings of non-critical alerts closer together than this are one burst: the first rings
 * at once, the rest of the burst with one sound and one notification that says how many (an SLA
 * tick of a power cut escalates hundreds of camera_offline alerts within seconds).
 */
export const RING_BURST_MS = 2000;
/**
 * Critical rings this close after the last critical sound are heard in it: alarms of one push batch
 * settle together, and a copy of the sound per alarm would only add up and clip. Every later one
 * sounds again.
 */
const CRITICAL_SOUND_TOGETHER_MS = 500;
/** How long the critical alarm sounds (alarm.ts): an escalation's chime is not mixed into it. */
const CRITICAL_SOUND_MS = 2100;
/**
 * The set of rings made (alarmKeys, escalationKeys) is trimmed to the alerts the feed holds once it
 * grows past this, and then again each time it doubles what it kept: a console open for weeks.
 */
const NOTIFIED_TRIM_MIN = 1000;

const SEVERITY_RANK: Record<Alert['severity'], number> = { info: 0, warning: 1, major: 2, critical: 3 };
/** The more urgent of two alerts: the higher severity, then the higher escalation level. */
function moreUrgent(a: Alert, b: Alert): Alert {
  const bySeverity = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  return bySeverity > 0 || (bySeverity === 0 && b.escalationLevel > a.escalationLevel) ? b : a;
}

/** Escalation rings of non-critical alerts since the burst began (RING_BURST_MS). */
interface RingBurst {
  /** Rings before this time (Date.now()) belong to the burst: they wait for its one ring. */
  until: number;
  /** Alerts of the burst, by id, the first (rung at once) included; at each ring, those still owed. */
  alerts: Map<string, Alert>;
  /** The first alert, whose own notification the burst's one replaces. */
  first: string;
  /** Alerts rung for since the last ring of the burst. */
  waiting: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/** The rest of a list after `first`, following nextCursor until it ends or `max` alerts in all were read. */
async function pagesAfter(api: Api, query: AlertQuery, first: { items: Alert[]; nextCursor: string | null }, max: number): Promise<Alert[]> {
  const items: Alert[] = [];
  let cursor = first.nextCursor;
  for (let read = first.items.length; cursor !== null && read < max; ) {
    const page = await api.alerts({ ...query, limit: Math.min(PAGE, max - read), cursor });
    items.push(...page.items);
    read += page.items.length;
    cursor = page.items.length > 0 ? page.nextCursor : null;
  }
  return items;
}

/**
 * Now on the server's clock, which alarmedAt and updatedAt are on: the browser's may be minutes or hours
 * off (no NTP), and an alarm brought by REST would not ring, or an old one would. The browser's clock
 * for an api without it (a test's stand-in).
 */
function serverNow(api: Api): number {
  const measured = api as Partial<Pick<Api, 'serverNow'>>;
  return measured.serverNow ? measured.serverNow() : Date.now();
}

/** The live feed: REST for what exists, the /ws push for what happens, resumed after a drop. */
export function useFeed(
  api: Api,
  onUnauthorized: () => void,
  describe: (alert: Alert) => { title: string; text: string },
  /** The user's regions: an alert escalated to one of them rings (escalatedTo). */
  regionIds: readonly string[] = [],
  /**
   * A school's screen: an alert's notification stays until the alert is resolved, whoever answered it
   * (the command centre's acknowledgement is not the school's "I have seen this"; in a background tab
   * the notification is the school's only sign of a drowning). Operators' close once anyone answers.
   */
  keepNoticesUntilResolved = false,
): Feed {
  const stored = Number(sessionStorage.getItem(SEQ_KEY));
  const state = useRef<FeedState>(emptyFeed(Number.isFinite(stored) && stored > 0 ? stored : null));
  const resumeAt = useRef(storedAt());
  const [, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  const notified = useRef(new Set<string>());
  const trimNotifiedAt = useRef(NOTIFIED_TRIM_MIN);
  // A resync_required: events were lost, so an unresolved alert older than the reload's pages may
  // have been acknowledged or resolved meanwhile; the next load asks for those by id. Kept across a
  // renewed token (a new api, a new effect), which may come while that load is still being retried.
  const reconcileDue = useRef(false);
  // The socket's handlers live as long as the token: through this ref they use this render's
  // callbacks, so a language switch changes the next notification at once, and this render's token.
  const latest = useRef({ describe, onUnauthorized, regionIds, keepNoticesUntilResolved, token: api.bearer });
  latest.current = { describe, onUnauthorized, regionIds, keepNoticesUntilResolved, token: api.bearer };

  const commit = (next: FeedState) => {
    if (next.lastSeq !== null && next.lastSeq !== state.current.lastSeq)
      sessionStorage.setItem(SEQ_KEY, String(next.lastSeq));
    state.current = trimFeed(next, serverNow(api));
    if (notified.current.size > trimNotifiedAt.current) {
      forgetRingsOfAlertsGone(notified.current, state.current.alerts);
      trimNotifiedAt.current = Math.max(NOTIFIED_TRIM_MIN, 2 * notified.current.size);
    }
    setVersion((v) => v + 1);
  };
  /**
   * Verdicts of the alarms still settling when the feed effect last ended: the next one (a renewed
   * token) judges them at once, never drops them. After a sign-out there is no next one: none is judged.
   */
  const unjudged = useRef<(() => void)[]>([]);
  /**
   * The screen has gone (sign-out): nothing rings or notifies any more. A transition's answer or a
   * read still under way may merge alerts after it; app.tsx has closed the notifications by then.
   */
  const signedOut = useRef(false);
  const burst = useRef<RingBurst | null>(null);
  /** The alerts the burst notification on screen counts (BURST_TAG), by id: it is closed or lowered as they are answered. */
  const burstCounts = useRef<ReadonlySet<string> | null>(null);
  const criticalSoundAt = useRef(-Infinity);
  /** The critical alarm, unless it has just started (CRITICAL_SOUND_TOGETHER_MS). */
  const soundCritical = () => {
    if (Date.now() - criticalSoundAt.current < CRITICAL_SOUND_TOGETHER_MS) return;
    criticalSoundAt.current = Date.now();
    playAlarm('critical');
  };
  /** The escalation chime, unless the critical alarm is sounding (CRITICAL_SOUND_MS): that one is the sound to hear. */
  const soundEscalation = () => {
    if (Date.now() - criticalSoundAt.current >= CRITICAL_SOUND_MS) playAlarm('escalation');
  };
  /** The feed's copies of these alerts that still wait for this user (escalationStillOwed). */
  const stillOwed = (ids: Iterable<string>): Alert[] => {
    const owed: Alert[] = [];
    for (const id of ids) {
      const current = state.current.alerts.get(id);
      if (escalationStillOwed(current, latest.current.regionIds)) owed.push(current);
    }
    return owed;
  };
  /** The burst's notification, counting `owed` and naming the most urgent of them; `update`: quietly, fewer than it said. */
  const showBurst = (owed: Alert[], update: boolean) => {
    if (signedOut.current) return;
    const worst = owed.reduce(moreUrgent);
    const { title, text } = latest.current.describe(worst);
    burstCounts.current = new Set(owed.map((a) => a.id));
    notifyBurst(title, text, worst, owed.length, { update });
  };
  /** The burst's notification counts `owed` now, quietly (fewer than it said), or is closed when none is left. */
  const recountBurst = (owed: Alert[]) => {
    if (owed.length > 0) return showBurst(owed, true);
    burstCounts.current = null;
    closeNotification(BURST_TAG);
  };
  /**
   * The burst's one ring: a sound, and one notification (a fixed tag) that says how many wait, naming
   * the most urgent. Bound to its burst: a late timer (a hidden tab's run a second or more late) rings
   * the burst it was set for, if nothing has rung it since.
   */
  const ringBurst = (held: RingBurst) => {
    if (burst.current !== held) return;
    held.timer = null;
    if (held.waiting === 0) return;
    held.waiting = 0;
    held.until = Date.now() + RING_BURST_MS;
    // As the feed has them now: one answered since is not counted, and one that became critical since
    // (a child in the pond went under) has its own notification, which the burst neither closes nor
    // names by its old copy.
    const owed = stillOwed(held.alerts.keys());
    held.alerts = new Map(owed.map((a) => [a.id, a]));
    if (owed.length === 0) return;
    if (held.alerts.has(held.first)) closeNotification(held.first); // the burst's notification replaces the first one's
    // It replaces the last burst's too (one tag): those that one counts and that still wait are
    // counted on, or a burst of 2 would hide 250 still unanswered.
    const carried = stillOwed(burstCounts.current ?? []).filter((a) => !held.alerts.has(a.id));
    showBurst([...owed, ...carried], false);
    soundEscalation();
  };
  /**
   * Closes the notifications that no longer stand for anything: an alert's own once someone answered
   * it (acknowledged, dispatched, resolved) or it left this user's view, an escalation's also once it
   * went on past the user's regions; the burst's once none of the alerts it counts still waits —
   * while some do, it says how many, quietly.
   */
  const reviewNotifications = (ids: Iterable<string>) => {
    let burstTouched = false;
    const { keepNoticesUntilResolved: keep, regionIds } = latest.current;
    for (const id of ids) {
      const current = state.current.alerts.get(id);
      const answered = current === undefined || current.state === 'resolved' || (current.state !== 'open' && !keep);
      // An escalated non-critical alert's own notification is its escalation's (a critical one's is its
      // alarm's, which stands wherever the alert rests): it says the alert waits for this user, as the
      // burst's count does (escalationStillOwed) — no more once the county has it.
      const passedOn = current !== undefined && current.state === 'open' && current.severity !== 'critical' && current.escalationLevel > 0 && !escalationStillOwed(current, regionIds);
      if (answered || passedOn) closeNotification(id);
      burstTouched ||= burstCounts.current?.has(id) === true;
    }
    const counted = burstCounts.current;
    if (!burstTouched || !counted) return;
    const owed = stillOwed(counted);
    if (owed.length !== counted.size) recountBurst(owed);
  };
  /**
   * Rings for what is not rung for yet (once per key: alarmKey, escalationKey). A critical alert rings
   * at once with the critical alarm and a notification of its own, whatever else rings; escalations
   * of other alerts ring in bursts (RING_BURST_MS) with a chime of their own.
   */
  const ring = (due: { alert: Alert; key: string | null }[]) => {
    if (signedOut.current) return;
    const critical = new Map<string, Alert>(); // by alert id: one notification per alert (its tag)
    const escalated = new Map<string, Alert>();
    for (const { alert, key } of due) {
      if (key === null || notified.current.has(key)) continue;
      notified.current.add(key);
      (alert.severity === 'critical' ? critical : escalated).set(alert.id, alert);
    }
    if (critical.size > 0) soundCritical();
    for (const alert of critical.values()) {
      // One someone already answered (acknowledged right after its alarm) sounds, but leaves an
      // operator no notification waiting to be clicked away; a school's stays (keepNoticesUntilResolved).
      if (alert.state !== 'open' && !latest.current.keepNoticesUntilResolved) continue;
      const { title, text } = latest.current.describe(alert);
      notify(title, text, alert);
    }
    if (escalated.size === 0) return;
    const now = Date.now();
    const held = burst.current;
    // A ring joins the burst while the burst's ring is still due, also past its end when its timer is
    // late (or the ring came as the window closed): a new burst then would leave those waiting unrung.
    if (held && (now < held.until || held.waiting > 0)) {
      for (const alert of escalated.values()) held.alerts.set(alert.id, alert);
      held.waiting += escalated.size;
      if (now < held.until) {
        held.timer ??= setTimeout(() => ringBurst(held), held.until - now);
        return;
      }
      if (held.timer !== null) clearTimeout(held.timer); // rung now, once, for all of them
      return ringBurst(held);
    }
    const [first] = escalated.values();
    const started: RingBurst = { until: now + RING_BURST_MS, alerts: escalated, first: first.id, waiting: escalated.size - 1, timer: null };
    burst.current = started;
    if (escalated.size > 1) return ringBurst(started); // a load brought several at once: one notification for them
    const { title, text } = latest.current.describe(first);
    notify(title, text, first);
    soundEscalation();
    // Escalated again (township, then county, both this user's): its own notification says it now, so
    // the last burst's, which counted it, says one fewer (review 2026-12-04, F8: counted twice).
    const counted = burstCounts.current;
    if (!counted?.has(first.id)) return;
    recountBurst(stillOwed(counted).filter((a) => a.id !== first.id));
  };
  /**
   * Merges alerts read by REST and drops those answered 404, then judges the alarms and escalations
   * they bring as a load does — on every merge of REST data: a REST copy that overtook an alarm's push
   * turns that push into a no-op, so the merge is the alarm's one chance to ring.
   */
  const mergeRead = (loaded: Alert[], gone: Alert[] = []) => {
    const next = dropAlerts(loaded.length > 0 ? mergeAlerts(state.current, loaded) : state.current, gone);
    if (next !== state.current) commit(next);
    const now = serverNow(api);
    const { regionIds } = latest.current;
    ring([
      ...alarmsAfterLoad(state.current, loaded, notified.current, now).map((alert) => ({ alert, key: alarmKey(alert) })),
      ...escalationsAfterLoad(state.current, loaded, notified.current, regionIds).map((alert) => ({ alert, key: escalationKey(alert) })),
    ]);
    // A notification stays until clicked away: none for an alert answered, or gone from this user's view.
    reviewNotifications([...loaded, ...gone].map((a) => a.id));
  };
  const load = async (query: AlertQuery = {}) => {
    const page = await api.alerts({ limit: 200, ...query });
    mergeRead(page.items);
  };

  /** The current copies of `stale` alerts, asked by id; those answered 404 (deleted, out of scope) are `gone`. */
  const refetch = async (stale: Alert[]) => {
    const fetched: Alert[] = [];
    const gone: Alert[] = [];
    for (let i = 0; i < stale.length; i += REFETCH_AT_ONCE) {
      await Promise.all(
        stale.slice(i, i + REFETCH_AT_ONCE).map(async (alert) => {
          try {
            fetched.push(await api.alert(alert.id));
          } catch (err) {
            if (isApiNotFound(err)) gone.push(alert);
            else throw err; // the whole load is tried again
          }
        }),
      );
    }
    return { fetched, gone };
  };

  useEffect(() => {
    // This effect's token is still the one in use (a renewal, a sign-out ends it).
    let active = true;
    for (const judge of unjudged.current.splice(0)) judge();
    // What exists, the same lists as at sign-in; again after a resync and after a first hello.
    const loads = new RetryingLoad(
      async () => {
        const reconciling = reconcileDue.current;
        reconcileDue.current = false;
        try {
          // The unresolved critical alerts first, in a list of their own: however many others a storm
          // brings, the first answer holds the drowning, and it rings before the rest is paged through.
          const unresolved = { state: UNRESOLVED };
          const critical = { state: UNRESOLVED, severity: 'critical' };
          const firstPages = await Promise.all([api.alerts({ limit: PAGE }), api.alerts({ ...unresolved, limit: PAGE }), api.alerts({ ...critical, limit: PAGE })]);
          if (active) mergeRead(firstPages.flatMap((p) => p.items));
          const rest = await Promise.all([pagesAfter(api, unresolved, firstPages[1], UNRESOLVED_LOAD_MAX), pagesAfter(api, critical, firstPages[2], UNRESOLVED_LOAD_MAX)]);
          const loaded = [...firstPages.flatMap((p) => p.items), ...rest.flat()];
          const { fetched, gone } = reconciling ? await refetch(unresolvedNotLoaded(state.current, loaded)) : { fetched: [], gone: [] };
          return { loaded: [...loaded, ...fetched], gone };
        } catch (err) {
          if (reconciling) reconcileDue.current = true;
          throw err;
        }
      },
      ({ loaded, gone }) => mergeRead(loaded, gone),
    );
    loads.request();
    /** Alarms waiting out RING_SETTLE_MS, with their verdicts: a token renewal hands them to the next effect (unjudged). */
    const settling = new Map<ReturnType<typeof setTimeout>, () => void>();
    /** Rings for `pushed` after RING_SETTLE_MS if the feed's copy then `stillDue` (a replay may bring its claim right after). */
    const settle = (pushed: Alert, stillDue: (current: Alert) => boolean, keyOf: (alert: Alert) => string | null) => {
      const judge = () => {
        settling.delete(timer);
        const current = state.current.alerts.get(pushed.id);
        if (current && stillDue(current)) ring([{ alert: current, key: keyOf(current) }]);
      };
      const timer = setTimeout(judge, RING_SETTLE_MS);
      settling.set(timer, judge);
    };
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const token = api.bearer;
    const heldAt = () => (resumeAt.current !== null && resumeAt.current.seq === state.current.lastSeq ? resumeAt.current.at : null);
    const socket = new FeedSocket(url, token, () => state.current.lastSeq, {
      message(msg) {
        const before =
          msg.type === 'alert.created' || msg.type === 'alert.updated'
            ? state.current.alerts.get(msg.data.id)
            : undefined;
        const applied = applyMessage(state.current, msg);
        if (applied.state === state.current) return; // a pong, an error, a replay: nothing to draw
        const at = (msg as { at?: unknown }).at;
        if ('data' in msg && applied.state.lastSeq === msg.seq && typeof at === 'number') {
          resumeAt.current = { seq: msg.seq, at };
          sessionStorage.setItem(AT_KEY, `${msg.seq}:${at}`);
        }
        commit(applied.state);
        const pushed = applied.stored;
        if (pushed) reviewNotifications([pushed.id]);
        if (pushed && shouldRing(before, msg, applied, serverNow(api)))
          settle(pushed, (current) => stillRings(pushed, current, serverNow(api)), alarmKey);
        else if (pushed && escalatedTo(before, pushed, latest.current.regionIds))
          settle(pushed, (current) => escalationStillRings(pushed, current), escalationKey);
        if (msg.type === 'resync_required') reconcileDue.current = true;
        if (applied.reload) loads.request();
      },
      connected: setConnected,
      // A 4401 for a replaced token (renewed, or ended by a password change) can arrive before this
      // effect's cleanup stops its socket: only one for the current token signs out, as with REST.
      unauthorized: () => {
        if (latest.current.token === token) latest.current.onUnauthorized();
      },
      // The credential, or the server? Ask REST: a 401 there signs out (Api calls onUnauthorized); a
      // server that is down or restarting must not — the socket keeps trying, and an unattended
      // school alarm screen comes back by itself.
      handshakeFailing: () => void api.request('GET', '/auth/me').catch(() => undefined),
    }, heldAt);
    socket.start();
    (window as unknown as { __xlFeed?: FeedSocket }).__xlFeed = socket; // lets the browser tests drop the connection
    return () => {
      // Judged by the next effect, not here: this cleanup cannot tell a renewal from a sign-out, after
      // which an alarm judged here would ring, and notify, for nobody (app.tsx closed the notifications).
      for (const [timer, judge] of settling) {
        clearTimeout(timer);
        unjudged.current.push(judge);
      }
      settling.clear();
      active = false;
      loads.stop();
      socket.stop();
      // The stopped socket's close is not reported, and the next one reports only when its handshake
      // ends, however long that takes: till then the feed is down, and the offline banner counts.
      setConnected(false);
    };
  }, [api]);
  // When the screen goes (sign-out) nothing rings any more — a burst still waiting, an alarm still
  // settling (unjudged), a late answer's merge —: a notification would outlive the session.
  useEffect(
    () => () => {
      signedOut.current = true;
      unjudged.current = [];
      if (burst.current?.timer) clearTimeout(burst.current.timer);
      burst.current = null;
    },
    [],
  );

  return {
    alerts: state.current.alerts,
    connected,
    load,
    upsert: (alert) => mergeRead([alert]),
    drop: (gone) => mergeRead([], gone),
    statusSeq: state.current.statusSeq,
  };
}
