import '../testing/nest-esm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompiledQuery, type KyselyPlugin } from 'kysely';
import { AlertSnapshotsRepository } from '../alerts/alert-snapshots.repository';
import { EvidenceRepository } from '../evidence/evidence.repository';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './database';

// The retention sweeps run every EVIDENCE_SWEEP_SECONDS on every instance. On SQLite a read of the
// whole alert history blocks the one connection and the event loop (~0.3 s at a million alerts), so
// both reads must start from the few rows that still hold files. The plans do not depend on the data.
describe('retention sweep reads on SQLite', () => {
  let dir: string;
  let handle: DatabaseHandle;
  const compiled: CompiledQuery[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'xl-plans-'));
    handle = openDatabase(`sqlite:${path.join(dir, 'db.sqlite')}`);
    await migrateToLatest(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The query plan of the one statement `read` runs. */
  async function planOf(read: (db: DatabaseHandle['db']) => Promise<unknown>): Promise<string> {
    compiled.length = 0;
    const capture: KyselyPlugin = {
      transformQuery: (args) => (compiled.push(handle.db.getExecutor().compileQuery(args.node, args.queryId)), args.node),
      transformResult: async (args) => args.result,
    };
    await read(handle.db.withPlugin(capture));
    expect(compiled).toHaveLength(1);
    const plan = await handle.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled[0].sql}`, [...compiled[0].parameters]));
    return plan.rows.map((r) => r.detail).join('; ');
  }

  it('finds the evidence still on disk through its partial index, not by reading every alert’s row', async () => {
    const plan = await planOf((db) => new EvidenceRepository(db).holdings());
    expect(plan).toMatch(/alert_evidence USING (COVERING )?INDEX alert_evidence_held/); // before: SCAN alert_evidence
  });

  it('finds resolved alerts holding snapshots from the snapshots, not by walking every resolved alert', async () => {
    const plan = await planOf((db) => new AlertSnapshotsRepository(db).resolvedHolders(Date.now()));
    expect(plan).toMatch(/^SCAN alert_snapshots/); // before: SEARCH alerts USING INDEX alerts_escalation_due (state=?)
    expect(plan).toMatch(/SEARCH alerts USING INDEX sqlite_autoindex_alerts_1 \(id=\?\)/);
  });
});
