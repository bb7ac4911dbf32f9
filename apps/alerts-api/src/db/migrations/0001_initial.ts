import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../dialect';

// The initial schema. Types are chosen to mean the same on SQLite and PostgreSQL: text ids,
// bigint epoch-ms times, double precision scores, integer booleans, JSON as text.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('regions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('regions.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('regions_parent').on('regions').column('parent_id').execute();

  await db.schema
    .createTable('region_closure')
    .addColumn('ancestor_id', 'text', (c) => c.notNull().references('regions.id').onDelete('cascade'))
    .addColumn('descendant_id', 'text', (c) => c.notNull().references('regions.id').onDelete('cascade'))
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('region_closure_pk', ['ancestor_id', 'descendant_id'])
    .execute();
  await db.schema.createIndex('region_closure_descendant').on('region_closure').column('descendant_id').execute();

  await db.schema
    .createTable('cameras')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('region_id', 'text', (c) => c.references('regions.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('sub_url', 'text')
    .addColumn('fps', 'double precision', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('masks', 'text', (c) => c.notNull())
    .addColumn('zones', 'text', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('rules', 'text')
    .addColumn('motion', 'text', (c) => c.notNull())
    .addColumn('watchdog', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cameras_region').on('cameras').column('region_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('region_ids', 'text', (c) => c.notNull())
    .addColumn('camera_ids', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('region_ids', 'text', (c) => c.notNull())
    .addColumn('camera_ids', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('region_id', 'text')
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'text')
    .addColumn('track_id', 'integer')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('boxes', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('snapshot_path', 'text')
    .addColumn('escalation_level', 'integer', (c) => c.notNull())
    .addColumn('responsible_region_id', 'text')
    .addColumn('escalation_due_at', 'bigint')
    .addColumn('related_alert_id', 'text')
    .addColumn('assignee', 'text')
    .addColumn('outcome', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('pushed_at', 'bigint')
    .execute();
  await db.schema.createIndex('alerts_started').on('alerts').columns(['started_at', 'id']).execute();
  await db.schema.createIndex('alerts_camera').on('alerts').columns(['camera_id', 'started_at']).execute();
  await db.schema.createIndex('alerts_region').on('alerts').columns(['region_id', 'started_at']).execute();
  await db.schema.createIndex('alerts_state').on('alerts').column('state').execute();

  const serial = isPostgres(db) ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable('alert_transitions')
    .addColumn('id', serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('assignee', 'text')
    .addColumn('outcome', 'text')
    .addColumn('escalation_level', 'integer')
    .addColumn('region_id', 'text')
    .execute();
  await db.schema.createIndex('alert_transitions_alert').on('alert_transitions').columns(['alert_id', 'id']).execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_events_pk', ['event_id', 'kind', 'captured_at'])
    .execute();
  await db.schema.createIndex('alert_events_event').on('alert_events').column('event_id').execute();

  await db.schema
    .createTable('camera_status')
    .addColumn('camera_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('detail', 'text')
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addColumn('offline_since', 'bigint')
    .addColumn('ingest_id', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stream_offsets')
    .addColumn('stream', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'stream_offsets',
    'camera_status',
    'alert_events',
    'alert_transitions',
    'alerts',
    'api_keys',
    'users',
    'cameras',
    'region_closure',
    'regions',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
