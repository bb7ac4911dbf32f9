import type { VNode } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { alertText, lateSeconds } from '../alert-text';
import { type AppContextValue, useApp } from '../context';
import { bulkSelectable, matches, operatorsOrder, unacknowledgedCount, unansweredCritical } from '../feed-state';
import type { Lang } from '../i18n';
import { flatten, regionForest, subtreeIds } from '../region-tree';
import type { Alert, Camera, Region } from '../types';
import { formatTime, fromLocalInput } from '../format';
import { BulkActions } from './bulk-actions';

const RULES = ['zone_enter', 'dwell', 'vanish_in_water', 'crowd', 'line_cross', 'camera_covered', 'camera_blurred', 'camera_frozen', 'camera_moved', 'camera_offline'];
const STATES = ['open', 'acknowledged', 'dispatched', 'resolved'];

interface Filters {
  region: string;
  camera: string;
  rule: string;
  state: string;
  from: string;
  to: string;
}
const NONE: Filters = { region: '', camera: '', rule: '', state: '', from: '', to: '' };

/** What a row shows; `t` and `tv` follow `lang` (new functions at each render of the app, the same words). */
interface RowProps {
  alert: Alert;
  selected: boolean;
  canBulk: boolean;
  lang: Lang;
  t: AppContextValue['t'];
  tv: AppContextValue['tv'];
  /** The list's handlers, the same functions at every render (a reused row keeps the ones it was made with). */
  handlers: { open(id: string): void; toggle(id: string, on: boolean): void };
}

/** One alert of the list. */
function AlertRow({ alert: a, selected, canBulk, lang, t, tv, handlers }: RowProps) {
  const late = lateSeconds(a);
  return (
    <tr class={`sev-${a.severity}`} data-testid="alert-row" data-alert-id={a.id} data-state={a.state} data-pinned={unansweredCritical(a)} onClick={() => handlers.open(a.id)}>
      {canBulk && (
        // Its own cell, so that ticking the box does not open the alert.
        <td onClick={(e) => e.stopPropagation()}>
          {bulkSelectable(a) ? (
            <input type="checkbox" title={t('bulk.select')} checked={selected} onChange={(e) => handlers.toggle(a.id, (e.target as HTMLInputElement).checked)} data-testid="bulk-select" />
          ) : (
            a.severity === 'critical' && a.state !== 'resolved' && <span title={t('bulk.critical')}>!</span>
          )}
        </td>
      )}
      <td>
        {formatTime(a.startedAt)}
        {late !== null && (
          <span class="late-tag" data-testid="row-late" title={t('alert.late', { seconds: String(late) })}>
            {t('alert.lateShort', { seconds: String(late) })}
          </span>
        )}
      </td>
      <td>
        <span class={`sev sev-${a.severity}`}>{tv('severity', a.severity)}</span>
      </td>
      <td>{a.cameraName ?? a.cameraId}</td>
      <td>{tv('rule', a.rule)}</td>
      <td data-testid="alert-state">
        {tv('state', a.state)}
        {a.state === 'open' && a.escalationLevel > 0 && (
          <span class="escalated-tag" data-testid="row-escalated" title={t('alert.escalatedTitle', { level: String(a.escalationLevel) })}>
            {t('alert.escalatedShort', { level: String(a.escalationLevel) })}
          </span>
        )}
      </td>
      <td>{alertText(lang, a)}</td>
    </tr>
  );
}

/**
 * The rows' elements, each made again only when what it shows changed: a push changes one alert, and
 * preact skips a row given the very element it rendered last time, formatting no time of it — all of
 * a storm's 2,200 rows at each push cost tens of ms (docs/console.md).
 */
function useRows(shown: Alert[], props: Omit<RowProps, 'alert' | 'selected'>, selected: ReadonlySet<string>): VNode[] {
  const made = useRef(new Map<string, { props: RowProps; row: VNode }>());
  const next = new Map<string, { props: RowProps; row: VNode }>();
  const rows = shown.map((alert) => {
    const before = made.current.get(alert.id);
    const isSelected = selected.has(alert.id);
    const same = before && before.props.alert === alert && before.props.selected === isSelected && before.props.canBulk === props.canBulk && before.props.lang === props.lang;
    const entry = same ? before : { props: { ...props, alert, selected: isSelected }, row: <AlertRow key={alert.id} {...props} alert={alert} selected={isSelected} /> };
    next.set(alert.id, entry);
    return entry.row;
  });
  made.current = next;
  return rows;
}

export function AlertFeedScreen() {
  const { api, t, tv, feed, navigate, user, lang } = useApp();
  const [regions, setRegions] = useState<Region[]>([]);
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const canBulk = user.role === 'admin' || user.role === 'operator';

  useEffect(() => {
    if (user.role !== 'school') void api.regions().then((r) => setRegions(r.items), () => undefined);
    void api.cameras().then((r) => setCameras(r.items), () => undefined);
  }, [api]);

  const cameraIds = useMemo(() => {
    if (!filters.region) return null;
    const ids = subtreeIds(regions, filters.region);
    return new Set(cameras.filter((c) => c.regionId && ids.has(c.regionId)).map((c) => c.id));
  }, [filters.region, regions, cameras]);
  const range = { from: fromLocalInput(filters.from), to: fromLocalInput(filters.to) };
  const shown = operatorsOrder(feed.alerts.values()).filter((a) => matches(a, { cameraIds, camera: filters.camera, rule: filters.rule, state: filters.state, ...range }));
  // The selection keeps only alerts still shown and still selectable (one may be resolved elsewhere meanwhile).
  const selectable = shown.filter(bulkSelectable);
  const chosen = selectable.filter((a) => selected.has(a.id)).map((a) => a.id);
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const allChosen = selectable.length > 0 && chosen.length === selectable.length;
  // Stable for the rows that are reused, calling this render's functions (this render's selection).
  const latest = useRef({ toggle, navigate });
  latest.current = { toggle, navigate };
  const handlers = useRef<RowProps['handlers']>({
    open: (id) => latest.current.navigate(`alerts/${encodeURIComponent(id)}`),
    toggle: (id, on) => latest.current.toggle(id, on),
  }).current;
  const rows = useRows(shown, { canBulk, lang, t, tv, handlers }, selected);
  // Pinned on top (operatorsOrder); counted here also when a filter hides them.
  const criticalOpen = [...feed.alerts.values()].filter(unansweredCritical).length;

  const apply = (next: Filters) => {
    setFilters(next);
    setError(null);
    const r = { from: fromLocalInput(next.from), to: fromLocalInput(next.to) };
    feed.load({ region: next.region, camera: next.camera, rule: next.rule, state: next.state, ...r }).catch((err: Error) => setError(err.message));
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onChange: (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value }),
    'data-testid': `filter-${name}`,
  });

  return (
    <section class="feed">
      <div class="feed-head">
        <span class={`badge ${unacknowledgedCount(feed.alerts.values()) ? 'badge-hot' : ''}`} data-testid="unacked">
          {t('feed.unacknowledged', { count: unacknowledgedCount(feed.alerts.values()) })}
        </span>
        {criticalOpen > 0 && (
          <span class="badge badge-hot" data-testid="critical-open">
            {t('feed.criticalOpen', { count: criticalOpen })}
          </span>
        )}
        <span class={`conn ${feed.connected ? 'on' : 'off'}`} data-testid="connection">
          {feed.connected ? t('feed.connected') : t('feed.reconnecting')}
        </span>
        {typeof Notification !== 'undefined' && Notification.permission === 'default' && (
          <button onClick={() => void Notification.requestPermission()}>{t('feed.notifications')}</button>
        )}
      </div>
      <form class="filters" onSubmit={(e) => (e.preventDefault(), apply(draft))}>
        {user.role !== 'school' && (
          <label>
            {t('filter.region')}
            <select {...field('region')}>
              <option value="">{t('filter.any')}</option>
              {flatten(regionForest(regions)).map((n) => (
                <option value={n.region.id}>{'\u3000'.repeat(n.depth) + n.region.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('filter.camera')}
          <select {...field('camera')}>
            <option value="">{t('filter.any')}</option>
            {cameras.map((c) => (
              <option value={c.id}>{c.name ?? c.id}</option>
            ))}
          </select>
        </label>
        <label>
          {t('filter.rule')}
          <select {...field('rule')}>
            <option value="">{t('filter.any')}</option>
            {RULES.map((r) => (
              <option value={r}>{tv('rule', r)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('filter.state')}
          <select {...field('state')}>
            <option value="">{t('filter.any')}</option>
            {STATES.map((s) => (
              <option value={s}>{tv('state', s)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('filter.from')}
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          {t('filter.to')}
          <input type="datetime-local" {...field('to')} />
        </label>
        <button type="submit" data-testid="filter-apply">{t('filter.apply')}</button>
        <button type="button" onClick={() => (setDraft(NONE), apply(NONE))}>
          {t('filter.clear')}
        </button>
      </form>
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      {canBulk && (
        <BulkActions
          selected={chosen}
          alerts={feed.alerts}
          onHandled={(ids) => setSelected(new Set([...selected].filter((id) => !ids.includes(id))))}
          onClear={() => setSelected(new Set())}
        />
      )}
      <table class="alerts" data-testid="alert-list">
        <thead>
          <tr>
            {canBulk && (
              <th>
                <input
                  type="checkbox"
                  title={t('bulk.selectAll')}
                  checked={allChosen}
                  disabled={selectable.length === 0}
                  onChange={() => setSelected(allChosen ? new Set() : new Set(selectable.map((a) => a.id)))}
                  data-testid="bulk-select-all"
                />
              </th>
            )}
            <th>{t('col.time')}</th>
            <th>{t('col.severity')}</th>
            <th>{t('col.camera')}</th>
            <th>{t('col.rule')}</th>
            <th>{t('col.state')}</th>
            <th>{t('col.message')}</th>
          </tr>
        </thead>
        <tbody>
          {rows}
        </tbody>
      </table>
      {shown.length === 0 && <p class="empty">{t('feed.empty')}</p>}
    </section>
  );
}
