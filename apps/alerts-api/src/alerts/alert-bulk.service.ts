import { ForbiddenException, HttpException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import type { AlertOutcome, AlertState } from '../db/schema';
import type { Principal } from '../shared/principal';
import type { Alert } from './alert';
import { AlertsService } from './alerts.service';
import { TRANSITION_ROLES } from './lifecycle';

// Handling alerts by the page: a festival crowd or a camera filmed through rain raises dozens of
// alerts an operator has judged at a glance. One request acknowledges or resolves up to
// BULK_MAX_ALERTS of them, each exactly as if handled alone (same checks, same audit trail, same
// pushes), and says per alert what happened — one that changed meanwhile does not undo the others.
//
// Critical alerts (a person vanished in the water) are never handled in bulk: each must be opened
// and judged on its own, so a drowning warning cannot be cleared as part of a batch of false alarms.

export const BULK_MAX_ALERTS = 100;

export type BulkAction = 'acknowledge' | 'resolve';

export interface BulkInput {
  note?: string;
  /** Required to resolve. */
  outcome?: Exclude<AlertOutcome, 'recovered'>;
}

export type BulkItemResult = { id: string; ok: true; state: AlertState } | { id: string; ok: false; status: number; error: string };

export interface BulkResult {
  succeeded: number;
  failed: number;
  results: BulkItemResult[];
}

@Injectable()
export class AlertBulkService {
  constructor(private readonly alerts: AlertsService) {}

  /**
   * Applies `action` to each alert in order. Resolving an open alert claims it first (an
   * acknowledge transition by the same person, then the resolution), as the lifecycle requires
   * every closed alert to name who handled it.
   */
  async apply(principal: Principal, ids: readonly string[], action: BulkAction, input: BulkInput): Promise<BulkResult> {
    // A role that may not do this at all is refused as a whole, like the single-alert routes.
    if (!TRANSITION_ROLES[action].includes(principal.role)) throw new ForbiddenException(`role '${principal.role}' may not ${action} alerts`);
    const results: BulkItemResult[] = [];
    for (const id of ids) results.push(await this.one(principal, id, action, input));
    const succeeded = results.filter((r) => r.ok).length;
    return { succeeded, failed: results.length - succeeded, results };
  }

  private async one(principal: Principal, id: string, action: BulkAction, input: BulkInput): Promise<BulkItemResult> {
    try {
      const alert = await this.alerts.visible(principal, id);
      // Checked again on the locked row of each step: a drowning raised between the read and the
      // step (or between the claim and the resolution) is not handled as part of the batch.
      const refuseCritical = (current: Alert) =>
        current.severity === 'critical' ? new UnprocessableEntityException(`alert '${id}' is critical (${current.rule}): open it and handle it on its own, not in bulk`) : null;
      const early = refuseCritical(alert);
      if (early) throw early;
      if (action === 'resolve' && alert.state === 'open') await this.alerts.transition(principal, id, 'acknowledge', { note: input.note }, refuseCritical);
      const done = await this.alerts.transition(principal, id, action, input, refuseCritical);
      return { id, ok: true, state: done.state };
    } catch (err) {
      if (err instanceof HttpException) return { id, ok: false, status: err.getStatus(), error: err.message };
      throw err;
    }
  }
}
