import { useState } from 'preact/hooks';
import { useApp } from '../context';
import type { Alert, BulkResult } from '../types';

/** Refusals with a translated reason (bulk.why.*). */
const WHY = [404, 409, 422];

interface Props {
  /** Ids of the selected alerts, all bulk-selectable. */
  selected: string[];
  alerts: ReadonlyMap<string, Alert>;
  /** Called with the ids that were handled, to drop them from the selection. */
  onHandled(ids: string[]): void;
  onClear(): void;
}

/** The feed's toolbar for handling the selected alerts together (operators, admins). */
export function BulkActions({ selected, alerts, onHandled, onClear }: Props) {
  const { api, t, tv } = useApp();
  const [outcome, setOutcome] = useState('false_alarm');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<BulkResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (selected.length === 0 && !result && !error) return null;

  const run = async (action: 'acknowledge' | 'resolve') => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.bulk(action, { ids: selected, ...(action === 'resolve' ? { outcome } : {}), ...(note.trim() ? { note: note.trim() } : {}) });
      setResult(answer);
      onHandled(answer.results.filter((r) => r.ok).map((r) => r.id));
      if (answer.failed === 0) setNote('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const refused = result ? result.results.flatMap((r) => (r.ok ? [] : [r])) : [];

  return (
    <div class="bulk" data-testid="bulk-actions">
      {selected.length > 0 && (
        <div class="bulk-row">
          <strong data-testid="bulk-count">{t('bulk.selected', { count: selected.length })}</strong>
          <button disabled={busy} onClick={() => void run('acknowledge')} data-testid="bulk-acknowledge">
            {t('bulk.acknowledge')}
          </button>
          <label>
            {t('bulk.resolveAs')}{' '}
            <select value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value)} data-testid="bulk-outcome">
              {['false_alarm', 'duplicate', 'true_alarm'].map((o) => (
                <option value={o}>{tv('outcome', o)}</option>
              ))}
            </select>
          </label>
          <input value={note} placeholder={t('detail.note')} maxLength={2000} onInput={(e) => setNote((e.target as HTMLInputElement).value)} data-testid="bulk-note" />
          <button disabled={busy} onClick={() => void run('resolve')} data-testid="bulk-resolve">
            {t('bulk.resolve')}
          </button>
          <button type="button" onClick={() => (setResult(null), onClear())}>
            {t('bulk.clear')}
          </button>
          <span class="hint">{t('bulk.critical')}</span>
        </div>
      )}
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      {result && (
        <div data-testid="bulk-result">
          <span>{t('bulk.done', { succeeded: result.succeeded, failed: result.failed })}</span>{' '}
          <button type="button" onClick={() => setResult(null)} data-testid="bulk-dismiss">
            {t('bulk.dismiss')}
          </button>
          {refused.length > 0 && (
            <ul>
              {refused.map((r) => {
                const alert = alerts.get(r.id);
                // The reason in the reader's language where we know it; the server's own words otherwise (and as a tooltip).
                const why = WHY.includes(r.status) ? t(`bulk.why.${r.status}` as 'bulk.why.404') : r.error;
                return (
                  <li data-testid="bulk-refused" data-alert-id={r.id} data-status={r.status} title={r.error}>
                    {t('bulk.refused', { camera: alert?.cameraName ?? alert?.cameraId ?? r.id, rule: alert ? tv('rule', alert.rule) : '', error: why })}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
