import { useEffect, useRef, useState } from 'preact/hooks';
import { notify, playAlarm } from './alarm';
import type { Api, AlertQuery } from './api';
import { alarmKey, raisedNow, applyMessage, emptyFeed, mergeAlerts, type FeedState } from './feed-state';
import { FeedSocket } from './feed-socket';
import type { Alert } from './types';

export interface Feed {
  alerts: Map<string, Alert>;
  connected: boolean;
  /** Loads alerts by REST (a filter change, a resync) and merges them in. */
  load(query?: AlertQuery): Promise<void>;
  /** Merges an alert the client changed itself (a transition's answer). */
  upsert(alert: Alert): void;
  /** Moves with every camera.status push (null before one): a cue to reload camera states. */
  statusSeq: number | null;
}

const SEQ_KEY = 'xl.console.lastSeq';

/** The live feed: REST for what exists, the /ws push for what happens, resumed after a drop. */
export function useFeed(api: Api, onUnauthorized: () => void, describe: (alert: Alert) => { title: string; text: string }): Feed {
  const stored = Number(sessionStorage.getItem(SEQ_KEY));
  const state = useRef<FeedState>(emptyFeed(Number.isFinite(stored) && stored > 0 ? stored : null));
  const [, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  const notified = useRef(new Set<string>());

  const commit = (next: FeedState) => {
    state.current = next;
    if (next.lastSeq !== null) sessionStorage.setItem(SEQ_KEY, String(next.lastSeq));
    setVersion((v) => v + 1);
  };
  const load = async (query: AlertQuery = {}) => {
    const page = await api.alerts({ limit: 200, ...query });
    commit(mergeAlerts(state.current, page.items));
  };
  const alarm = (alert: Alert) => {
    const key = alarmKey(alert);
    if (key === null || notified.current.has(key)) return;
    notified.current.add(key);
    playAlarm();
    const { title, text } = describe(alert);
    notify(title, text, alert);
  };

  useEffect(() => {
    void Promise.all([load(), load({ state: 'open' })]).catch(() => undefined);
    const socket = new FeedSocket(api.bearer, () => state.current.lastSeq, {
      message(msg) {
        const before = msg.type === 'alert.updated' ? state.current.alerts.get(msg.data.id) : undefined;
        const applied = applyMessage(state.current, msg);
        commit(applied.state);
        if (applied.fresh) alarm(applied.fresh);
        else if (msg.type === 'alert.updated' && raisedNow(before, msg.data, Date.now())) alarm(msg.data); // raised to critical
        if (applied.resync) void load().catch(() => undefined);
      },
      connected: setConnected,
      unauthorized: onUnauthorized,
      // The credential, or the server? Ask REST: a 401 there signs out (Api calls onUnauthorized); a
      // server that is down or restarting must not — the socket keeps trying, and an unattended
      // school alarm screen comes back by itself.
      handshakeFailing: () => void api.request('GET', '/auth/me').catch(() => undefined),
    });
    socket.start();
    (window as unknown as { __xlFeed?: FeedSocket }).__xlFeed = socket; // lets the browser tests drop the connection
    return () => socket.stop();
  }, [api]);

  return { alerts: state.current.alerts, connected, load, upsert: (alert) => commit(mergeAlerts(state.current, [alert])), statusSeq: state.current.statusSeq };
}
