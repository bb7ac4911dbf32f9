import type { Generated, Kysely } from 'kysely';
import type { Severity } from '@xl/contracts';
import { parseJsonColumn } from '../common/json';
import type { Database } from '../db/schema';
import type { PushEventType } from '../shared/push-events';
import type { WebhookFilters } from './webhook-filter';
import type { WebhookEventType } from './webhook-sender';

// Tables of migration 0002_webhooks. Times are epoch ms; JSON columns are text; booleans 0/1.

export interface WebhookSubscriptionsTable {
  id: string;
  name: string;
  url: string;
  /** The HMAC key; never returned by the API after creation, never logged. */
  secret: string;
  event_types: string;
  min_severity: string | null;
  region_ids: string;
  camera_ids: string;
  /** JSON 'camera/zone' refs (migration 0014); '[]': whole cameras. */
  waters: string;
  /** 0/1 (migration 0014). */
  alarms_only: number;
  enabled: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  subscription_id: string;
  delivery_id: string;
  event_seq: number;
  event_type: string;
  attempt: number;
  outcome: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: number;
}

export type WebhookTables = {
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
};

export interface WebhookSubscription {
  id: string;
  name: string;
  url: string;
  secret: string;
  filters: WebhookFilters;
  enabled: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * delivered: 2xx; retry: failed, another try is scheduled; dead: failed the last try (dead-lettered);
 * failed: a test delivery that failed (tests are tried once, never dead-lettered).
 */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead' | 'failed';

export interface DeliveryAttempt {
  subscriptionId: string;
  deliveryId: string;
  eventSeq: number;
  eventType: WebhookEventType;
  attempt: number;
  outcome: DeliveryOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: number;
}

function toSubscription(row: WebhookSubscriptionsTable): WebhookSubscription {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    secret: row.secret,
    filters: {
      eventTypes: parseJsonColumn<PushEventType[]>(row.event_types, 'webhook_subscriptions.event_types'),
      minSeverity: row.min_severity as Severity | null,
      regionIds: parseJsonColumn<string[]>(row.region_ids, 'webhook_subscriptions.region_ids'),
      cameraIds: parseJsonColumn<string[]>(row.camera_ids, 'webhook_subscriptions.camera_ids'),
      waters: parseJsonColumn<string[]>(row.waters, 'webhook_subscriptions.waters'),
      alarmsOnly: row.alarms_only === 1,
    },
    enabled: row.enabled === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(sub: WebhookSubscription): WebhookSubscriptionsTable {
  return {
    id: sub.id,
    name: sub.name,
    url: sub.url,
    secret: sub.secret,
    event_types: JSON.stringify(sub.filters.eventTypes),
    min_severity: sub.filters.minSeverity,
    region_ids: JSON.stringify(sub.filters.regionIds),
    camera_ids: JSON.stringify(sub.filters.cameraIds),
    waters: JSON.stringify(sub.filters.waters),
    alarms_only: sub.filters.alarmsOnly ? 1 : 0,
    enabled: sub.enabled ? 1 : 0,
    created_by: sub.createdBy,
    created_at: sub.createdAt,
    updated_at: sub.updatedAt,
  };
}

/** Webhook subscriptions and the delivery log, on SQLite or PostgreSQL through Kysely. */
export class WebhooksRepository {
  private readonly db: Kysely<WebhookTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<WebhookTables>() as unknown as Kysely<WebhookTables>;
  }

  async list(): Promise<WebhookSubscription[]> {
    const rows = await this.db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toSubscription);
  }

  async enabled(): Promise<WebhookSubscription[]> {
    const rows = await this.db.selectFrom('webhook_subscriptions').selectAll().where('enabled', '=', 1).execute();
    return rows.map(toSubscription);
  }

  async get(id: string): Promise<WebhookSubscription | undefined> {
    const row = await this.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSubscription(row);
  }

  async insert(sub: WebhookSubscription): Promise<void> {
    await this.db.insertInto('webhook_subscriptions').values(toRow(sub)).execute();
  }

  /**
   * Replaces every field but id, created_by and created_at; false when there is no such subscription,
   * or, given `readUpdatedAt` (the version the change was made on), when another save moved it
   * meanwhile: writing the whole row would undo that save.
   */
  async update(sub: WebhookSubscription, readUpdatedAt?: number): Promise<boolean> {
    const { id: _id, created_by: _by, created_at: _at, ...fields } = toRow(sub);
    let query = this.db.updateTable('webhook_subscriptions').set(fields).where('id', '=', sub.id);
    if (readUpdatedAt !== undefined) query = query.where('updated_at', '=', readUpdatedAt);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    await this.db.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
    const result = await this.db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        subscription_id: a.subscriptionId,
        delivery_id: a.deliveryId,
        event_seq: a.eventSeq,
        event_type: a.eventType,
        attempt: a.attempt,
        outcome: a.outcome,
        status_code: a.statusCode,
        error: a.error,
        duration_ms: a.durationMs,
        at: a.at,
      })
      .execute();
  }

  /**
   * Deletes log rows older than `before` (epoch ms), `batch` at a time so that a large backlog
   * never holds the database for long; returns how many went.
   */
  async pruneAttempts(before: number, batch = 5000): Promise<number> {
    let pruned = 0;
    for (;;) {
      const ids = this.db.selectFrom('webhook_deliveries').select('id').where('at', '<', before).limit(batch);
      const result = await this.db.deleteFrom('webhook_deliveries').where('id', 'in', ids).executeTakeFirst();
      const n = Number(result.numDeletedRows);
      pruned += n;
      if (n < batch) return pruned;
    }
  }

  /** Newest attempts first. */
  async attempts(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      subscriptionId: r.subscription_id,
      deliveryId: r.delivery_id,
      eventSeq: Number(r.event_seq),
      eventType: r.event_type as WebhookEventType,
      attempt: r.attempt,
      outcome: r.outcome as DeliveryOutcome,
      statusCode: r.status_code,
      error: r.error,
      durationMs: r.duration_ms,
      at: Number(r.at),
    }));
  }
}
