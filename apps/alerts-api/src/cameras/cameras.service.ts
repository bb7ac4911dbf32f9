import { ConflictException, Inject, Injectable, InternalServerErrorException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { z } from 'zod';
import { type CameraConfig, cameraSchema, effectiveRules, idSchema, lineSchema, ruleLabelIssues, ruleSchema, zoneSchema } from '@xl/config';
import type { Logger } from '@xl/observability';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { type ScopeFilter, ScopeService } from '../auth/scope.service';
import { CameraStatusRepository } from '../camera-status/camera-status.repository';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { Clock } from '../common/clock';
import { restoredUrl } from '../common/restored-url';
import { toIssues, validationError } from '../common/zod-pipe';
import { conflictWithReason } from '../common/reasoned-errors';
import { ConfigPublisher } from '../config-publish/config-publisher';
import { LOGGER } from '../core/tokens';
import { RegionsRepository } from '../regions/regions.repository';
import { UsersRepository } from '../users/users.repository';
import { SETTINGS, type Settings } from '../settings';
import type { Principal } from '../shared/principal';
import { staleAfterMs, unanalysedSince } from './analysis-health';
import { AnalysisMarksRepository } from './analysis-marks.repository';
import { type CameraAnalysis, type CameraView, cameraView, type StreamDelay } from './camera-view';
import { type CameraRecord, CamerasRepository, type CameraStatusFilter, UnreadableCameraError } from './cameras.repository';
import { HeldHealthAlertsRepository } from './held-health-alerts.repository';
import { MaintenanceRepository } from './maintenance.repository';
import { ModelLabelsRepository } from './model-labels.repository';
import { StreamDelayMarksRepository } from './stream-delay-marks.repository';
import { SchoolWatch } from './school-watch';

/** Cameras that can be unanalysed (analysis-health.ts): reported online, or never reported on. */
const UNANALYSED_CANDIDATES: CameraStatusFilter[] = ['online', 'unknown'];

/** Ids that name routes under /cameras rather than a camera. */
const RESERVED_CAMERA_IDS = new Set(['unanalysed']);

/** PATCH body: any camera field but the id; the merged camera is validated by cameraSchema. */
/**
 * The reason code of a 409 for a camera changed since the copy a save was built on: clients offer a
 * reload for it, and for no other 409 (a school's water zone kept, say), whose message says what to do.
 */
export const CAMERA_CHANGED_REASON = 'camera_changed';

function changedMeanwhile(message: string): ConflictException {
  return conflictWithReason(message, CAMERA_CHANGED_REASON);
}

export const cameraPatchSchema = z
  .record(z.string(), z.unknown())
  .refine((body) => !('id' in body), { message: 'the camera id cannot be changed', path: ['id'] });
/**
 * The camera's version a change was built on: the `updatedAt` of the copy the client read. A save
 * given one that is no longer the stored camera's is refused (409): it would undo the save between.
 */
export const cameraVersionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const versionField = cameraVersionSchema
  .optional()
  .describe("the camera's updatedAt this change was built on: 409 when another save changed it since (or send If-Match); absent: no check");
export const zonesBodySchema = z.strictObject({
  zones: z.array(zoneSchema).max(64).describe('every zone of the camera (replaces the current list)'),
  lines: z.array(lineSchema).max(64).optional().describe('tripwires; absent keeps the current ones'),
  updatedAt: versionField,
});
export const rulesBodySchema = z.strictObject({
  rules: z.array(ruleSchema).max(128).nullable().describe('explicit rules; null returns to the zone types\' default rules'),
  updatedAt: versionField,
});
export const cameraListQuerySchema = z.strictObject({
  region: idSchema.optional().describe('only cameras in this region subtree'),
  q: z.string().trim().min(1).max(100).optional().describe("only cameras whose id, name or site (address, directions, people, equipment) contains this text (any case; % and _ are literal)"),
  status: z.enum(['online', 'offline', 'unknown']).optional().describe('only cameras whose last reported status is this (unknown: none yet)'),
  limit: z.coerce.number().int().min(1).max(500).optional().describe('page size; default: every matching camera'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('matching cameras to skip (with limit)'),
});
export type CameraListQuery = z.output<typeof cameraListQuerySchema>;

@Injectable()
export class CamerasService {
  constructor(
    private readonly cameras: CamerasRepository,
    private readonly regions: RegionsRepository,
    private readonly statuses: CameraStatusRepository,
    private readonly maintenance: MaintenanceRepository,
    private readonly heldHealthAlerts: HeldHealthAlertsRepository,
    private readonly scope: ScopeService,
    private readonly publisher: ConfigPublisher,
    private readonly analysisMarks: AnalysisMarksRepository,
    private readonly delayMarks: StreamDelayMarksRepository,
    private readonly schoolWatch: SchoolWatch,
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly models: ModelLabelsRepository,
    private readonly clock: Clock,
    private readonly moduleRef: ModuleRef,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Camera status lives in AlertsModule (it raises and resolves camera_offline), which this module does not import. */
  private cameraStatus(): CameraStatusService {
    return this.moduleRef.get(CameraStatusService, { strict: false });
  }

  /**
   * Status, maintenance and analysis of `records`, read for all at once. The analysis marks live in
   * Redis: without Redis a camera list still answers, its analysis unknown (absent), unless
   * `marksRequired` (the unanalysed list and gauge must not claim "none" for want of them).
   */
  private async facts(records: CameraRecord[], marksRequired: boolean) {
    const ids = records.map((r) => r.config.id);
    const now = this.clock.now();
    const marksRead = this.analysisMarks.many(ids);
    const [statuses, windows, marks] = await Promise.all([this.statuses.many(ids), this.maintenance.activeOf(ids, now), marksRequired ? marksRead : marksRead.catch(() => null)]);
    const analyses = new Map<string, CameraAnalysis>();
    for (const r of records) {
      if (!marks) break;
      const id = r.config.id;
      const analysedAt = marks.get(id) ?? null;
      const staleMs = staleAfterMs(this.settings.analysisStaleSeconds, r.config.motion.heartbeatSeconds);
      const facts = { enabled: r.config.enabled, status: statuses.get(id), maintenance: windows.get(id), analysedAt, configuredAt: r.updatedAt };
      analyses.set(id, { analysedAt, unanalysedSince: unanalysedSince(facts, now, staleMs) });
    }
    return { statuses, windows, analyses };
  }

  /** Late streams among `records`; without Redis, none known (a camera list still answers). */
  private lateStreams(records: CameraRecord[]) {
    return this.delayMarks.fresh(records.map((r) => r.config.id), this.clock.now()).catch(() => new Map<string, StreamDelay>());
  }

  /** Records as the API returns them (see `facts` for what is read). */
  private async views(records: CameraRecord[], marksRequired = false): Promise<CameraView[]> {
    const [{ statuses, windows, analyses }, delays] = await Promise.all([this.facts(records, marksRequired), this.lateStreams(records)]);
    return records.map((r) => cameraView(r, statuses.get(r.config.id), windows.get(r.config.id), analyses.get(r.config.id), delays.get(r.config.id)));
  }

  /**
   * A page of the cameras in the caller's scope (all of them without `limit`), with the number that
   * match. A camera this release cannot read is left out (and logged), not the whole list failed;
   * `total` still counts it.
   */
  async list(principal: Principal, q: Partial<CameraListQuery> = {}): Promise<{ items: CameraView[]; total: number }> {
    const filter = { regionRoot: q.region, search: q.q, status: q.status, limit: q.limit, offset: q.offset };
    const { records, unreadable, total } = await this.cameras.page(this.scope.filterFor(principal), filter);
    for (const { id, problems } of unreadable) {
      this.logger.warn({ cameraId: id, problems }, `camera '${id}' left out of a camera list: stored in a form this release cannot read (${problems.join('; ')})`);
    }
    return { items: await this.views(records), total };
  }

  async get(principal: Principal, id: string): Promise<CameraView> {
    const [view] = await this.views([await this.visible(principal, id)]);
    return view;
  }

  /**
   * The cameras in the caller's scope that are online but whose frames nobody has analysed for
   * ANALYSIS_STALE_SECONDS (analyzers down, stuck or unable to read the frames): none of their rules
   * can fire. Every screen of the console polls this; a school sees only its own waters.
   */
  async unanalysed(principal: Principal): Promise<{ items: CameraView[]; staleAfterSeconds: number }> {
    return { items: await this.unanalysedIn(this.scope.filterFor(principal)), staleAfterSeconds: this.settings.analysisStaleSeconds };
  }

  /** How many cameras, in all, are unanalysed (the `xl_cameras_unanalysed` gauge). */
  async unanalysedCount(): Promise<number> {
    // At each scrape, over every camera: the facts alone, no views built.
    const { records } = await this.cameras.page({ all: true }, { status: UNANALYSED_CANDIDATES });
    const { analyses } = await this.facts(records, true);
    return [...analyses.values()].filter((a) => a.unanalysedSince !== null).length;
  }

  private async unanalysedIn(scope: ScopeFilter): Promise<CameraView[]> {
    // Unreadable cameras are left out without a word here and in the gauge: polled by every screen and
    // scrape, they would repeat what the publisher logs and counts (xl_config_unreadable_cameras).
    const { records } = await this.cameras.page(scope, { status: UNANALYSED_CANDIDATES });
    return (await this.views(records, true)).filter((v) => v.analysis.unanalysedSince !== null);
  }

  async create(principal: Principal, config: CameraConfig): Promise<CameraView> {
    if (RESERVED_CAMERA_IDS.has(config.id)) throw validationError('body', [{ field: 'id', rule: 'reserved', message: `'${config.id}' is reserved (GET /cameras/${config.id}); choose another id` }]);
    if (await this.read(principal, config.id)) throw new ConflictException(`camera '${config.id}' already exists`);
    // Alerts are found by camera id: a new camera under a deleted one's id would hand the old
    // camera's alerts, pictures and clips to whoever is given the new one (a school, an API key).
    // An admin (or the seed, as admin) may: restoring a camera deleted by mistake, whose alerts they are.
    if (principal.role !== 'admin' && (await this.cameras.hasAlertHistory(config.id))) {
      throw new ConflictException(`camera id '${config.id}' belonged to a deleted camera whose alerts are kept; a new camera under it would show them to whoever is given it: choose another id (an admin may restore it)`);
    }
    await this.checkRegion(principal, config.regionId);
    await this.checkModel(config);
    await this.cameras.insert(config, this.clock.now());
    await this.publisher.forgetAnalysis([config.id]); // no state of an earlier camera of this id (docs/analyzer.md)
    await this.publish(config.id);
    return this.get(principal, config.id);
  }

  /**
   * Creates the camera or replaces its whole configuration (seed / GitOps sync): fields absent from
   * `config` return to their defaults. A *** password keeps the stored one.
   */
  async upsert(principal: Principal, config: Record<string, unknown> & { id: string }): Promise<'created' | 'updated'> {
    const current = await this.read(principal, config.id);
    if (!current) {
      const parsed = cameraSchema.safeParse(config);
      if (!parsed.success) throw validationError('body', toIssues(parsed.error));
      await this.create(principal, parsed.data);
      return 'created';
    }
    await this.scope.assertCameraEditable(principal, config.id, current.config.regionId ?? null, `camera '${config.id}'`);
    const next: Record<string, unknown> = { ...config };
    for (const key of ['url', 'subUrl'] as const) {
      if (typeof next[key] === 'string') next[key] = restoredUrl(key, next[key] as string, current.config[key]);
    }
    await this.save(principal, current, next);
    return 'updated';
  }

  /** `builtOn`: the version (updatedAt, If-Match) the patch was made on; 409 when the camera changed since. */
  async update(principal: Principal, id: string, patch: Record<string, unknown>, builtOn?: number): Promise<CameraView> {
    const current = await this.editable(principal, id);
    const merged: Record<string, unknown> = { ...current.config, ...patch };
    for (const key of ['url', 'subUrl'] as const) {
      if (typeof patch[key] === 'string') merged[key] = restoredUrl(key, patch[key] as string, current.config[key]);
    }
    for (const key of Object.keys(patch)) if (patch[key] === null) delete merged[key]; // null clears an optional field
    return this.save(principal, current, merged, [builtOn]);
  }

  /** The version built on: `body.updatedAt` and/or `builtOn` (If-Match); each given must still be the camera's. */
  async replaceZones(principal: Principal, id: string, body: z.output<typeof zonesBodySchema>, builtOn?: number): Promise<CameraView> {
    const current = await this.editable(principal, id);
    return this.save(principal, current, { ...current.config, zones: body.zones, lines: body.lines ?? current.config.lines }, [body.updatedAt, builtOn]);
  }

  /** The version built on as for replaceZones. */
  async replaceRules(principal: Principal, id: string, body: z.output<typeof rulesBodySchema>, builtOn?: number): Promise<CameraView> {
    const current = await this.editable(principal, id);
    const next: Record<string, unknown> = { ...current.config, rules: body.rules ?? undefined };
    if (body.rules === null) delete next.rules;
    return this.save(principal, current, next, [body.updatedAt, builtOn]);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const placement = await this.deletable(principal, id);
    await this.schoolWatch.assertCameraUnwatched(id);
    // Grants by id end with the camera: a camera created later under the same id (by anyone, in
    // any region) must not be seen by whoever was given this one. Before the camera goes, so that
    // a failure here leaves a camera whose DELETE can be retried, not grants nobody can clear.
    await this.users.forgetCamera(id);
    await this.apiKeys.forgetCamera(id);
    // Ingest reports on it no more: its status, timers and open camera_offline alerts end with it.
    await this.cameraStatus().forget(id, 'deleted');
    await this.cameras.delete(id);
    await this.statuses.delete(id); // one stored from a status event handled in between
    await this.maintenance.delete(id);
    await this.heldHealthAlerts.deleteOfCamera(id);
    // After the row went: a status handled before it cannot follow this (one pushed later finds the
    // camera gone and says this again). MQTT clears the camera's retained status. A failure is only
    // logged: the camera is gone, and the publish below must still be tried.
    await this.cameraStatus()
      .announceOutOfService(id, 'deleted', placement)
      .catch((err: Error) => this.logger.error({ err: err.message, cameraId: id }, "pushing the deleted camera's status failed"));
    // Before the marks: a Redis failure must reach the publisher, whose retry takes the camera
    // out of the workers' configuration (ingest would keep reading it, the analyzer raising alerts).
    await this.publish(id);
    await this.forgetMarks(id);
  }

  /** Best effort: a mark left behind is harmless (see the warning). */
  private async forgetMarks(id: string): Promise<void> {
    const results = await Promise.allSettled([this.analysisMarks.forget(id), this.delayMarks.forget(id)]);
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      this.logger.warn(
        { cameraId: id, err: (result.reason as Error).message },
        "a deleted camera's analysis or stream-delay mark was not removed; a camera created again under its id is judged from its own configuration time, and a delay mark is stale after a minute",
      );
    }
  }

  /**
   * `builtOn`: the versions (updatedAt) of the copy the client changed, where it sent one. A copy
   * read before another save is refused before anything else is checked: merged onto the camera as
   * stored, it would silently undo that save (a water zone drawn meanwhile, in another tab).
   */
  private async save(principal: Principal, current: CameraRecord, raw: Record<string, unknown>, builtOn: (number | undefined)[] = []): Promise<CameraView> {
    const before = current.config;
    if (builtOn.some((version) => version !== undefined && version !== current.updatedAt)) {
      const savedAt = new Date(current.updatedAt).toISOString();
      throw changedMeanwhile(`camera '${before.id}' changed meanwhile (saved again at ${savedAt}, after the copy this save was built on); reload and try again`);
    }
    const parsed = cameraSchema.safeParse(raw);
    if (!parsed.success) throw validationError('body', toIssues(parsed.error));
    // The old region was checked by editable(); a move needs the new one in the caller's scope too.
    if (parsed.data.regionId !== before.regionId) await this.checkRegion(principal, parsed.data.regionId);
    await this.checkModel(parsed.data);
    const alerting = new Set(parsed.data.zones.filter((z) => z.type !== 'ignore').map((z) => z.id));
    await this.schoolWatch.assertZonesUnwatched(before.id, before.zones.filter((z) => !alerting.has(z.id)).map((z) => z.id));
    if (before.enabled && !parsed.data.enabled) await this.schoolWatch.assertCameraUnwatched(before.id, 'disabled');
    const ruled = zonesWithRules(parsed.data);
    await this.schoolWatch.assertZonesUnwatched(before.id, [...zonesWithRules(before)].filter((id) => alerting.has(id) && !ruled.has(id)), 'left without a rule');
    // Written only over the row as read: another save in between (a rename while zones were being
    // drawn) would otherwise be silently undone by this merge of the older copy.
    if (!(await this.cameras.update(parsed.data, this.clock.now(), current.updatedAt))) {
      throw changedMeanwhile(`camera '${before.id}' changed meanwhile; reload and try again`);
    }
    // Published first: a failure below must not leave ingest reading a camera disabled in the
    // database. A failed publish (503, retried by the publisher) still lets the status be forgotten.
    const published = await this.publish(before.id).then(
      () => null,
      (err: unknown) => err,
    );
    // Ingest stops reading a disabled camera: the status it last reported would stand for ever. On
    // every save of one, so that a save whose forgetting failed is mended by saving it again; and
    // when it is enabled again, so that it starts afresh — not from an outage of before the disable.
    if (!parsed.data.enabled || !before.enabled) await this.cameraStatus().forget(before.id, 'disabled');
    if (published) throw published;
    return this.get(principal, before.id);
  }

  /**
   * The camera's model exists and has a label for every class its rules watch: the analyzer would
   * refuse the camera otherwise (keeping its previous configuration, or none), and only its log
   * would say why.
   */
  private async checkModel(config: CameraConfig): Promise<void> {
    const model = await this.models.labelsOf(config.model);
    if (!model) throw validationError('body', [{ field: 'model', rule: 'unknown', message: `camera '${config.id}': model '${config.model}' has no manifest in MODELS_DIR` }]);
    const issues = ruleLabelIssues(config, model);
    if (issues.length) throw validationError('body', issues.map((issue) => ({ field: issue.field, rule: 'label', message: `camera '${config.id}', ${issue.field}: ${issue.message}` })));
  }

  /** The database is the truth; a Redis failure is retried by the publisher and reported here. */
  private async publish(cameraId: string): Promise<void> {
    try {
      await this.publisher.publishCamera(cameraId);
    } catch {
      throw new ServiceUnavailableException(
        `camera '${cameraId}' was saved, but publishing its configuration to the workers failed; it is retried automatically`,
      );
    }
  }

  /**
   * The camera as stored; 500 naming it and what this release refuses in it when it cannot read it
   * (404 outside the caller's scope, as for any camera).
   */
  private async read(principal: Principal, id: string): Promise<CameraRecord | undefined> {
    try {
      return await this.cameras.get(id);
    } catch (err) {
      if (!(err instanceof UnreadableCameraError)) throw err;
      await this.scope.assertCamera(principal, id, (await this.cameras.placement(id))?.regionId ?? null, `camera '${id}'`);
      this.logger.error({ cameraId: id, problems: err.problems }, err.message);
      throw new InternalServerErrorException(`${err.message}: saved by a newer release? Fix the row or run that release; its last published configuration stays in use`);
    }
  }

  private async visible(principal: Principal, id: string) {
    const record = await this.read(principal, id);
    if (!record) throw new NotFoundException(`camera '${id}' not found`);
    await this.scope.assertCamera(principal, id, record.config.regionId ?? null, `camera '${id}'`);
    return record;
  }

  /**
   * The region and name of a camera to delete, checked as editable(). A row whose configuration this
   * release cannot read (a rollback after a newer release saved it) is read from its plain columns:
   * it must stay deletable, or only SQL could take it out of service.
   */
  private async deletable(principal: Principal, id: string): Promise<{ regionId: string | null; name: string | null }> {
    let record: CameraRecord | undefined;
    try {
      record = await this.cameras.get(id);
    } catch (err) {
      if (!(err instanceof UnreadableCameraError)) throw err;
      const placement = await this.cameras.placement(id);
      if (!placement) throw new NotFoundException(`camera '${id}' not found`);
      await this.scope.assertCameraEditable(principal, id, placement.regionId, `camera '${id}'`);
      this.logger.warn({ cameraId: id, problems: err.problems }, `deleting camera '${id}', stored in a form this release cannot read`);
      return { regionId: placement.regionId, name: placement.name };
    }
    if (!record) throw new NotFoundException(`camera '${id}' not found`);
    await this.scope.assertCameraEditable(principal, id, record.config.regionId ?? null, `camera '${id}'`);
    return { regionId: record.config.regionId ?? null, name: record.config.name ?? null };
  }

  /** For changes: 404 outside the caller's scope, 403 for a camera they see but do not hold by region. */
  private async editable(principal: Principal, id: string) {
    const record = await this.read(principal, id);
    if (!record) throw new NotFoundException(`camera '${id}' not found`);
    await this.scope.assertCameraEditable(principal, id, record.config.regionId ?? null, `camera '${id}'`);
    return record;
  }

  /** The region must exist and, for non-admins, lie in their scope; either failure reads the same. */
  private async checkRegion(principal: Principal, regionId: string | undefined): Promise<void> {
    if (regionId === undefined) {
      if (principal.role !== 'admin') throw validationError('body', [{ field: 'regionId', rule: 'required', message: 'operators must place a camera in a region of their scope' }]);
      return;
    }
    const exists = await this.regions.get(regionId);
    if (!exists || !(await this.scope.canSeeRegion(principal, regionId))) {
      throw validationError('body', [{ field: 'regionId', rule: 'exists', message: `region '${regionId}' does not exist` }]);
    }
  }
}

/** Zones at least one enabled rule of the camera watches. */
function zonesWithRules(camera: CameraConfig): Set<string> {
  return new Set(effectiveRules(camera).flatMap((r) => (r.enabled && 'zone' in r && r.zone ? [r.zone] : [])));
}
