import { deviceTokenFor, keepDeviceToken } from './device-token';
import { recordTokenReceipt } from './token-receipt';
import type { Alert, AlertDetail, AlertReport, BulkResult, Camera, LiveAvailability, NearbyCamera, Principal, Region, Rule, Site, SiteContact, Zone, Line } from './types';

/**
 * An API error with the server's message (which names the field, value and bound) and, where the API
 * gives one, its reason code (a camera that gave no picture: refused, not_found …; docs/api.md).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string | null = null,
    /** The answer was not the API's own error (no JSON `statusCode`): a proxy's, say, during a deploy. */
    readonly foreign = false,
  ) {
    super(message);
  }
}

/**
 * The API itself said the thing asked for is not there, or not the user's to see. A proxy's 404 (a
 * route missing during a deploy) is not that: closing a drowning warning or dropping an alert on it
 * would hide a real one.
 */
export function isApiNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && !err.foreign;
}

/**
 * The API refused a camera change made on a copy another save changed since (409 "changed
 * meanwhile"): saving it would undo that save — a water zone someone drew in another tab.
 */
export function isCameraChangedMeanwhile(err: unknown): boolean {
  // The API's reason code, not the status alone: its other 409s (a school's water zone kept, the
  // last admin) say what to do instead, and a reload would throw the drawing away for nothing.
  return err instanceof ApiError && err.status === 409 && !err.foreign && err.reason === 'camera_changed';
}

/** The reason code of an API error answer (`{reason}`), if it gives one. */
function reasonOf(body: unknown): string | null {
  const reason = (body as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : null;
}

/** Whether `body` is alerts-api's (Nest's) error answer for `status`. */
function isApiErrorBody(body: unknown, status: number): boolean {
  return (body as { statusCode?: unknown } | null)?.statusCode === status;
}

export interface Session {
  token: string;
  user: Principal;
  /** When `token` stops working (epoch ms); the console renews it before (session-renewal.ts). */
  expiresAt?: number;
}

export interface ReportQuery {
  from: number;
  to: number;
  region?: string;
  /** IANA time zone of the hour-of-day figures and of the CSV's times: the browser's own. */
  timezone: string;
}

export interface CameraQuery {
  region?: string;
  /** Text in the camera's id or name. */
  q?: string;
  status?: 'online' | 'offline' | 'unknown';
  limit?: number;
  offset?: number;
}

export interface AlertQuery {
  region?: string;
  camera?: string;
  rule?: string;
  /** Severities, comma-separated. */
  severity?: string;
  /** States, comma-separated. */
  state?: string;
  from?: number;
  to?: number;
  limit?: number;
  /** The previous page's nextCursor. */
  cursor?: string;
}

/** The REST API of alerts-api on the console's own origin, with one token; `onUnauthorized` hears of each 401. */
export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  static async login(username: string, password: string): Promise<Session> {
    const deviceToken = deviceTokenFor(username);
    // In a header: an API of the release before refuses unknown body fields, and this page may outlive a rollback.
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(deviceToken ? { 'x-xueliang-device': deviceToken } : {}) };
    const res = await fetch('/auth/login', { method: 'POST', headers, body: JSON.stringify({ username, password }) });
    noteServerDate(res);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, messageOf(body, res.status));
    keepDeviceToken(username, body.deviceToken);
    recordTokenReceipt(body.accessToken, Date.now());
    return { token: body.accessToken, user: await Api.me(body.accessToken), expiresAt: body.expiresAt };
  }

  /**
   * The user `token` signs in as, as the API has it now (GET /auth/me: role and scope are read on every
   * call, so an admin's change shows here). An error answer is an ApiError, never taken for the user:
   * a user without a role would get no school warning screen.
   */
  static async me(token: string): Promise<Principal> {
    return withTimeLimit(READ_LIMIT_MS, async (signal) => {
      const res = await fetch('/auth/me', { headers: { authorization: `Bearer ${token}` }, signal });
      noteServerDate(res);
      const body = (await res.json().catch(() => ({}))) as Partial<Principal>;
      if (!res.ok) throw new ApiError(res.status, messageOf(body, res.status));
      if (typeof body.id !== 'string' || typeof body.role !== 'string') throw new ApiError(res.status, 'GET /auth/me: not a user');
      return body as Principal;
    });
  }

  /** A new token for the sign-in `token` belongs to (POST /auth/refresh); ApiError 401 once the session ended. */
  static async refresh(token: string): Promise<{ token: string; expiresAt: number }> {
    // Limited like a read: a hung answer would hold the renewal's retry until the token ran out.
    return withTimeLimit(READ_LIMIT_MS, async (signal) => {
      const res = await fetch('/auth/refresh', { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal });
      noteServerDate(res);
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new ApiError(res.status, messageOf(body, res.status));
      return { token: body.accessToken, expiresAt: body.expiresAt };
    });
  }

  /**
   * The caller's new password (POST /auth/password). Every other sign-in of the user ends; the answer
   * is this screen's new one. A wrong current password is an ApiError 403, not a sign-out.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<{ token: string; expiresAt: number }> {
    const res = await fetch('/auth/password', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword, newPassword }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) this.onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, messageOf(body, res.status));
    recordTokenReceipt(body.accessToken, Date.now());
    return { token: body.accessToken, expiresAt: body.expiresAt };
  }

  get bearer(): string {
    return this.token;
  }

  /** Now on the server's clock (alarmedAt, updatedAt are its times), as its answers' Date header says. */
  serverNow(): number {
    return Date.now() + serverAheadMs;
  }

  /**
   * One request. A read gets `limitMs` (READ_LIMIT_MS) to answer, body included, then fails: a hung one
   * (a keep-alive connection a NAT dropped) would hold its caller's retry — the school warning's read
   * of its alert, the feed's load — until the browser gives up. A write waits: aborted, it may still
   * have been done, and nothing tries it again by itself. `headers`: more request headers (If-Match).
   */
  async request<T>(method: string, path: string, body?: unknown, limitMs: number | null = method === 'GET' ? READ_LIMIT_MS : null, headers: Record<string, string> = {}): Promise<T> {
    return withTimeLimit(limitMs, async (signal) => {
      const res = await fetch(path, {
        method,
        headers: { ...headers, authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      });
      noteServerDate(res);
      if (res.status === 401) this.onUnauthorized();
      if (res.status === 204) return undefined as T;
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new ApiError(res.status, messageOf(data, res.status), reasonOf(data), !isApiErrorBody(data, res.status));
      return data as T;
    });
  }

  /**
   * An image (snapshot, latest frame) as an object URL: <img> cannot send the bearer token. `takenAt`:
   * when the picture was taken (the API's `X-Picture-Taken-At`, server clock), null when it does not say.
   */
  async image(path: string): Promise<{ url: string; takenAt: number | null }> {
    // Within IMAGE_LIMIT_MS: an image that never answers (a grab of a camera that hangs, a dropped
    // keep-alive connection) would hold one of the browser's few connections to the API.
    return withTimeLimit(IMAGE_LIMIT_MS, async (signal) => {
      const res = await fetch(path, { headers: { authorization: `Bearer ${this.token}` }, signal });
      if (!res.ok) {
        const body: unknown = await res.json().catch(() => ({}));
        throw new ApiError(res.status, messageOf(body, res.status), reasonOf(body));
      }
      const takenAt = Number(res.headers.get('x-picture-taken-at') ?? NaN);
      return { url: URL.createObjectURL(await res.blob()), takenAt: Number.isFinite(takenAt) ? takenAt : null };
    });
  }

  alerts(q: AlertQuery = {}): Promise<{ items: Alert[]; nextCursor: string | null }> {
    return this.request('GET', `/alerts?${queryString(q)}`);
  }
  alert(id: string): Promise<AlertDetail> {
    return this.request('GET', `/alerts/${encodeURIComponent(id)}`);
  }
  transition(id: string, action: 'acknowledge' | 'dispatch' | 'resolve' | 'seen', body: Record<string, string | number | null>): Promise<AlertDetail> {
    return this.request('POST', `/alerts/${encodeURIComponent(id)}/${action}`, body);
  }
  /** A note or a call in the alert's audit trail; the state stays. */
  addNote(id: string, body: { note?: string; called?: SiteContact }): Promise<AlertDetail> {
    return this.request('POST', `/alerts/${encodeURIComponent(id)}/notes`, body);
  }
  /** Acknowledges or resolves several alerts; says per alert what happened (critical ones are refused: handled one by one). */
  bulk(action: 'acknowledge' | 'resolve', body: { ids: string[]; outcome?: string; note?: string }): Promise<BulkResult> {
    return this.request('POST', `/alerts/bulk/${action}`, body);
  }
  /** The alert's evidence clip (clips module): status, reason, and where to fetch it. */
  evidence(id: string): Promise<{ status: string; reason: string | null; clipUrl: string | null; hiresSnapshotUrl: string | null; durationMs: number | null }> {
    return this.request('GET', `/alerts/${encodeURIComponent(id)}/evidence`);
  }
  /** Every camera in scope, or a page of those matching `q` (with how many match in all). */
  cameras(q: CameraQuery = {}): Promise<{ items: Camera[]; total: number }> {
    return this.request('GET', `/cameras?${queryString(q)}`);
  }
  /** Online cameras in scope whose frames nobody analyses: their alerts cannot fire. */
  unanalysedCameras(): Promise<{ items: Camera[]; staleAfterSeconds: number }> {
    return this.request('GET', '/cameras/unanalysed');
  }
  camera(id: string): Promise<Camera> {
    return this.request('GET', `/cameras/${encodeURIComponent(id)}`);
  }
  /** Whether this caller would get the camera's live view now, and why not: the handshake's refusal is unreadable in a browser. */
  liveAvailability(id: string): Promise<LiveAvailability> {
    return this.request('GET', `/cameras/${encodeURIComponent(id)}/live`);
  }
  /**
   * Replaces the camera's zones and tripwires. `updatedAt`: the version of the camera they were drawn
   * on; another save since is a 409 (isCameraChangedMeanwhile), not a silent undo of it.
   */
  saveZones(id: string, zones: Zone[], lines: Line[], updatedAt?: number): Promise<Camera> {
    return this.request('PUT', `/cameras/${encodeURIComponent(id)}/zones`, { zones, lines, updatedAt });
  }
  /** Cameras in scope near the camera's site, nearest first (none when it has no coordinates). */
  nearbyCameras(id: string): Promise<{ located: boolean; items: NearbyCamera[] }> {
    return this.request('GET', `/cameras/${encodeURIComponent(id)}/nearby`);
  }
  /**
   * Replaces the camera's site; null removes it. `updatedAt`: the version of the camera the site was
   * edited on, sent as If-Match (PATCH takes no version in its body); another save since is a 409
   * (isCameraChangedMeanwhile), not a silent loss of the contacts it added.
   */
  saveSite(id: string, site: Site | null, updatedAt?: number): Promise<Camera> {
    return this.request('PATCH', `/cameras/${encodeURIComponent(id)}`, { site }, null, updatedAt === undefined ? {} : { 'if-match': `"${updatedAt}"` });
  }
  /** Replaces the camera's rules (null: the zone types' defaults); `updatedAt` as for saveZones. */
  saveRules(id: string, rules: Rule[] | null, updatedAt?: number): Promise<Camera> {
    return this.request('PUT', `/cameras/${encodeURIComponent(id)}/rules`, { rules, updatedAt });
  }
  regions(): Promise<{ items: Region[] }> {
    return this.request('GET', '/regions');
  }
  /** Not time-limited: a long period's report may take a while, and the person waits for it. */
  report(q: ReportQuery): Promise<AlertReport> {
    return this.request('GET', `/reports/alerts?${queryString(q)}`, undefined, null);
  }
  /** The report's alerts as a CSV file, with the name the API gives it. */
  async reportCsv(q: ReportQuery): Promise<{ blob: Blob; filename: string }> {
    const res = await fetch(`/reports/alerts.csv?${queryString(q)}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (res.status === 401) this.onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, messageOf(await res.json().catch(() => ({})), res.status));
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'alerts.csv';
    return { blob: await res.blob(), filename };
  }
}

/** How long a read may take to answer (Api.request). */
export const READ_LIMIT_MS = 10_000;
/** How long an image may take (Api.image): a grab from the camera itself takes up to ~14 s. */
export const IMAGE_LIMIT_MS = 20_000;

/** `work` with a signal that aborts it after `limitMs` (null: no limit); then an ApiError (status 0) that says so. */
async function withTimeLimit<T>(limitMs: number | null, work: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  if (limitMs === null) return work();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limitMs);
  try {
    return await work(controller.signal);
  } catch (err) {
    throw controller.signal.aborted ? new ApiError(0, `no answer within ${limitMs / 1000} s`) : err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How far the server's clock is ahead of the browser's, from the last answer's Date header (whole
 * seconds: +500 ms takes the middle). The browser's may be hours off (a school PC without NTP), and
 * "raised in the last 2 minutes" compares with the server's alarmedAt. Shared by every Api: a renewed
 * token's Api knows it before its first answer. 0 until an answer says.
 */
let serverAheadMs = 0;
function noteServerDate(res: Response): void {
  const date = Date.parse(res.headers.get('date') ?? '');
  if (Number.isFinite(date)) serverAheadMs = date + 500 - Date.now();
}

function queryString(q: object): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  return params;
}

function messageOf(body: unknown, status: number): string {
  const message = (body as { message?: unknown })?.message;
  return typeof message === 'string' ? message : Array.isArray(message) ? message.join('; ') : `HTTP ${status}`;
}
