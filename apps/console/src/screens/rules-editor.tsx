import { useState } from 'preact/hooks';
import { useApp } from '../context';
import type { Rule, Severity } from '../types';
import { formatSchedule, parseSchedule } from '../zone-geometry';

const SEVERITIES: Severity[] = ['info', 'warning', 'major', 'critical'];

/**
 * The camera's rules as a form: enabled, severity, schedule and every numeric parameter. `rules` are
 * the rules in effect (the API's effectiveRules: the explicit ones, then the defaults of each zone no
 * explicit rule names and of each health check none replaces), and onChange reports all of them: an
 * edit makes them all explicit, so a zone drawn after the rules were tuned shows, and keeps, its
 * defaults like any other. Disabling its rules is how a zone is left unwatched. `null`
 * from onChange returns to the zone types' default rules. Bounds are the API's: a bad value comes
 * back as a message naming the rule and field. The typed fields start from their value: the owner
 * remounts this (a new `key`) when it replaces the rules (loaded, saved, reset).
 */
export function RulesEditor({ rules, explicit, onChange }: { rules: Rule[]; explicit: boolean; onChange(rules: Rule[] | null): void }) {
  const { t, tv } = useApp();
  const [scheduleErrors, setScheduleErrors] = useState<Record<string, string>>({});
  const update = (index: number, patch: Partial<Rule>) => onChange(rules.map((r, i) => (i === index ? ({ ...r, ...patch } as Rule) : r)));
  return (
    <div class="rules" data-testid="rules-editor">
      <h3>{t('zones.rules')}</h3>
      {!explicit && <p class="hint">{t('zones.defaults')}</p>}
      {explicit && <button onClick={() => onChange(null)}>{t('zones.resetRules')}</button>}
      {rules.map((rule, i) => (
        <fieldset data-testid="rule" data-rule-id={rule.id}>
          <legend>
            {tv('rule', rule.type)} · {rule.id}
            {rule.zone ? ` · ${rule.zone}` : ''}
          </legend>
          <label>
            <input type="checkbox" checked={rule.enabled !== false} onChange={(e) => update(i, { enabled: (e.target as HTMLInputElement).checked })} />
            {t('zones.enabled')}
          </label>
          <label>
            {t('col.severity')}
            <select value={rule.severity ?? ''} onChange={(e) => update(i, { severity: ((e.target as HTMLSelectElement).value || undefined) as Severity | undefined })}>
              <option value="">—</option>
              {SEVERITIES.map((s) => (
                <option value={s}>{tv('severity', s)}</option>
              ))}
            </select>
          </label>
          {Object.entries(rule)
            .filter(([, v]) => typeof v === 'number')
            .map(([key, value]) => (
              <label>
                {key}
                {/* Uncontrolled, kept per keystroke: a re-render (every push) must not undo what is being typed,
                    and a half-typed number ("1.", empty) reads as "" and is not kept. */}
                <input
                  type="number"
                  step="any"
                  defaultValue={String(value)}
                  data-testid={`rule-${rule.id}-${key}`}
                  onInput={(e) => {
                    const raw = (e.target as HTMLInputElement).value;
                    if (raw !== '' && Number.isFinite(Number(raw))) update(i, { [key]: Number(raw) });
                  }}
                />
              </label>
            ))}
          <label class="wide">
            {t('zones.schedule')}
            <input
              defaultValue={formatSchedule(rule.schedule)}
              onChange={(e) => {
                try {
                  update(i, { schedule: parseSchedule((e.target as HTMLInputElement).value) });
                  setScheduleErrors({ ...scheduleErrors, [rule.id]: '' });
                } catch (err) {
                  setScheduleErrors({ ...scheduleErrors, [rule.id]: (err as Error).message });
                }
              }}
            />
          </label>
          {scheduleErrors[rule.id] && <p class="error">{scheduleErrors[rule.id]}</p>}
        </fieldset>
      ))}
    </div>
  );
}
