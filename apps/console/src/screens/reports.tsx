import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReportQuery } from '../api';
import { useApp } from '../context';
import { displayZone, formatDuration, formatTime, fromLocalInput, startOfLocalDay, toLocalInput } from '../format';
import { flatten, regionForest } from '../region-tree';
import type { AlertReport, Region, ReportCounts } from '../types';

type Preset = 'today' | 'day' | 'week' | 'month' | 'custom';
const PRESETS: Preset[] = ['today', 'day', 'week', 'month', 'custom'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The period a preset stands for, ending at `now` (the server's: a PC whose clock is a day behind asked for yesterday as "today"). */
function presetPeriod(preset: Exclude<Preset, 'custom'>, now: number): { from: number; to: number } {
  const from = preset === 'today' ? startOfLocalDay(now) : now - { day: DAY, week: 7 * DAY, month: 30 * DAY }[preset];
  return { from, to: now };
}

/** The duty report: what happened in a period and how fast it was handled, with a CSV of the alerts. */
export function ReportsScreen() {
  const { api, t, user, navigate } = useApp();
  const canEditZones = user.role === 'admin' || user.role === 'operator';
  const [regions, setRegions] = useState<Region[]>([]);
  const [preset, setPreset] = useState<Preset>('today');
  const [custom, setCustom] = useState(() => {
    const now = api.serverNow();
    return { from: toLocalInput(now - 7 * DAY), to: toLocalInput(now) };
  });
  const [region, setRegion] = useState('');
  /** The report on screen, with the query it was asked with: Download CSV asks for the same alerts. */
  const [shown, setShown] = useState<{ report: AlertReport; query: ReportQuery; n: number } | null>(null);
  const report = shown?.report ?? null;
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (user.role !== 'school') void api.regions().then((r) => setRegions(r.items), () => undefined);
  }, [api]);

  const query = (): ReportQuery | null => {
    const timezone = displayZone();
    const period = preset === 'custom' ? { from: fromLocalInput(custom.from), to: fromLocalInput(custom.to) } : presetPeriod(preset, api.serverNow());
    if (period.from === undefined || period.to === undefined) return null;
    return { from: period.from, to: period.to, region: region || undefined, timezone };
  };
  // Only the latest request's answer is shown: a slower earlier one (another period) must not replace it.
  const latest = useRef(0);
  const [asked, setAsked] = useState(0);
  const show = () => {
    const q = query();
    if (!q) return;
    setError(null);
    const n = ++latest.current;
    setAsked(n);
    api.report(q).then(
      (r) => n === latest.current && setShown({ report: r, query: q, n }),
      (err: Error) => n === latest.current && (setShown(null), setError(err.message)),
    );
  };
  // The CSV "of the same alerts" as the figures on screen: the query they were asked with, not one
  // computed again at the click (a preset's period ends at the click; custom dates may be edited but
  // not shown). Offered only while what is on screen is what was last asked for, and its dates.
  const customEdited =
    preset === 'custom' && shown !== null && (fromLocalInput(custom.from) !== shown.query.from || fromLocalInput(custom.to) !== shown.query.to);
  const downloadable = shown !== null && shown.n === asked && !customEdited;
  const download = () => {
    const q = shown?.query;
    if (!q) return;
    api.reportCsv(q).then(({ blob, filename }) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }, (err: Error) => setError(err.message));
  };
  useEffect(show, [preset, region]);

  return (
    <section class="report" data-testid="report">
      <form class="filters" onSubmit={(e) => (e.preventDefault(), show())}>
        <label>
          {t('report.period')}
          <select data-testid="report-preset" value={preset} onChange={(e) => setPreset((e.target as HTMLSelectElement).value as Preset)}>
            {PRESETS.map((p) => (
              <option value={p}>{t(`report.${p}`)}</option>
            ))}
          </select>
        </label>
        {preset === 'custom' && (
          <>
            <label>
              {t('filter.from')}
              <input type="datetime-local" data-testid="report-from" value={custom.from} onChange={(e) => setCustom({ ...custom, from: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              {t('filter.to')}
              <input type="datetime-local" data-testid="report-to" value={custom.to} onChange={(e) => setCustom({ ...custom, to: (e.target as HTMLInputElement).value })} />
            </label>
          </>
        )}
        {user.role !== 'school' && (
          <label>
            {t('filter.region')}
            <select data-testid="report-region" value={region} onChange={(e) => setRegion((e.target as HTMLSelectElement).value)}>
              <option value="">{t('filter.any')}</option>
              {flatten(regionForest(regions)).map((n) => (
                <option value={n.region.id}>{'\u3000'.repeat(n.depth) + n.region.name}</option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" class="primary" data-testid="report-show">{t('report.show')}</button>
        <button type="button" data-testid="report-csv" disabled={!downloadable} title={downloadable ? undefined : t('report.showFirst')} onClick={download}>
          {t('report.csv')}
        </button>
      </form>
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      {report && <ReportBody report={report} editZones={canEditZones ? (id) => navigate(`cameras/${encodeURIComponent(id)}/zones`) : undefined} />}
    </section>
  );
}

interface ReportBodyProps {
  report: AlertReport;
  /** Opens a camera's zone editor (for those who may edit zones). */
  editZones?: (cameraId: string) => void;
}

function ReportBody({ report: r, editZones }: ReportBodyProps) {
  const { t, tv, lang } = useApp();
  const rate = r.totals.falseAlarmRate === null ? '—' : `${Math.round(r.totals.falseAlarmRate * 100)} %`;
  const peak = Math.max(1, ...r.byHour);
  return (
    <>
      <p class="hint" data-testid="report-period">
        {formatTime(r.from)} – {formatTime(r.to)}
      </p>
      <div class="cards">
        <Card label={t('report.alerts')} value={r.totals.alerts} testid="report-alerts" />
        <Card label={t('report.critical')} value={r.totals.critical} hot={r.totals.critical > 0} />
        <Card label={t('report.waiting')} value={r.acknowledge.waiting} hot={r.acknowledge.waiting > 0} testid="report-waiting" note={r.acknowledge.oldestWaitingMs === null ? undefined : t('report.oldestWaiting', { duration: formatDuration(r.acknowledge.oldestWaitingMs, lang) })} />
        <Card label={t('report.falseAlarmRate')} value={rate} testid="report-false-rate" />
        <Card label={t('report.escalated')} value={r.totals.escalated} />
        <Card label={t('report.downtime')} value={r.downtime.outages} testid="report-outages" note={r.downtime.outages ? `${t('report.offlineFor')} ${formatDuration(r.downtime.offlineMs, lang)}` : undefined} />
      </div>
      <table class="figures times" data-testid="report-times">
        <thead>
          <tr>
            <th />
            <th>{t('report.count')}</th>
            <th>{t('report.median')}</th>
            <th>{t('report.p90')}</th>
            <th>{t('report.max')}</th>
          </tr>
        </thead>
        <tbody>
          {([['report.ackTime', r.acknowledge], ['report.resolveTime', r.resolve]] as const).map(([key, d]) => (
            <tr>
              <th>{t(key)}</th>
              <td>{d.count}</td>
              <td>{formatDuration(d.p50Ms, lang)}</td>
              <td>{formatDuration(d.p90Ms, lang)}</td>
              <td>{formatDuration(d.maxMs, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="report-tables">
        <CountTable title={t('report.byRule')} rows={r.byRule.map((x) => [tv('rule', x.rule), x])} testid="report-by-rule" />
        <CountTable title={t('report.byRegion')} rows={r.byRegion.map((x) => [x.regionName ?? x.regionId ?? t('report.noRegion'), x])} testid="report-by-region" />
        <CountTable
          title={t('report.byCamera')}
          rows={r.byCamera.map((x) => [x.cameraName ?? x.cameraId, x])}
          testid="report-by-camera"
          // a camera with many false alarms needs its zones looked at: one click to its editor
          open={editZones ? (k) => editZones(r.byCamera[k].cameraId) : undefined}
        />
      </div>
      <DowntimeTable downtime={r.downtime} />
      <h3>{t('report.byHour')}</h3>
      <div class="hours" data-testid="report-by-hour">
        {r.byHour.map((n, hour) => (
          <div class="hour" title={`${hour}:00 – ${hour}:59: ${n}`}>
            <span class="bar" style={{ height: `${(n / peak) * 100}%` }} />
            <small>{hour}</small>
          </div>
        ))}
      </div>
    </>
  );
}

function Card({ label, value, note, hot, testid }: { label: string; value: string | number; note?: string; hot?: boolean; testid?: string }) {
  return (
    <div class={`card ${hot ? 'card-hot' : ''}`} data-testid={testid}>
      <small>{label}</small>
      <strong>{value}</strong>
      {note && <small>{note}</small>}
    </div>
  );
}

interface CountTableProps {
  title: string;
  rows: Array<[string, ReportCounts]>;
  testid: string;
  /** Makes each row's name a link (given the row's index). */
  open?: (index: number) => void;
}

function CountTable({ title, rows, testid, open }: CountTableProps) {
  const { t } = useApp();
  return (
    <table class="figures" data-testid={testid}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th />
          <th>{t('report.count')}</th>
          <th>{t('report.critical')}</th>
          <th>{t('report.trueAlarms')}</th>
          <th>{t('report.falseAlarms')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, c], k) => (
          <tr>
            <th>
              {open ? (
                <a href="#" onClick={(e) => (e.preventDefault(), open(k))}>
                  {name}
                </a>
              ) : (
                name
              )}
            </th>
            <td>{c.alerts}</td>
            <td>{c.critical}</td>
            <td>{c.trueAlarms}</td>
            <td>{c.falseAlarms}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DowntimeTable({ downtime }: { downtime: AlertReport['downtime'] }) {
  const { t, lang } = useApp();
  if (!downtime.cameras.length) return <p class="hint">{t('report.noOutages')}</p>;
  return (
    <table class="figures times" data-testid="report-downtime">
      <caption>{t('report.downtime')}</caption>
      <thead>
        <tr>
          <th />
          <th>{t('report.outages')}</th>
          <th>{t('report.offlineFor')}</th>
        </tr>
      </thead>
      <tbody>
        {downtime.cameras.map((c) => (
          <tr class={c.stillOffline ? 'still-offline' : ''}>
            <th>
              {c.cameraName ?? c.cameraId}
              {c.stillOffline && <small class="error"> · {t('report.stillOffline')}</small>}
            </th>
            <td>{c.outages}</td>
            <td>{formatDuration(c.offlineMs, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
