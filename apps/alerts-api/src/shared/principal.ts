import type { AlertSpot } from './waters';

// The contract between the API's auth (who is calling, what may they see) and everything that
// filters by scope: REST controllers, the WebSocket push, webhooks. One check, used everywhere.

export type Role = 'admin' | 'operator' | 'school' | 'viewer';

/** An authenticated caller: a person (JWT) or a machine (API key). */
export interface Principal {
  kind: 'user' | 'api_key';
  id: string;
  name: string;
  role: Role;
  /** Roots of the region subtrees this caller may see (admins: ignored, they see everything). */
  regionIds: string[];
  /** Explicit cameras this caller may see, whole unless `waters` narrow their alerts. */
  cameraIds: string[];
  /**
   * Schools: their water zones, as 'camera/zone'. A camera of `cameraIds` with zones listed here
   * shows only those zones' alerts and its health alerts (offline, covered …); one without, all.
   */
  waters: string[];
}

/** Where an object sits in the scope tree: its camera and the region path from the root down. */
export interface ScopedResource {
  cameraId: string;
  /** Region ids from the root (city) down to the camera's own region. */
  regionPath: string[];
  /** Present for an alert: its zone and rule, which a school's waters narrow (see waters.ts). */
  alert?: AlertSpot;
}

/** Decides visibility. Implemented once by the auth module; injected wherever scope is checked. */
export abstract class AccessPolicy {
  abstract canSee(principal: Principal, resource: ScopedResource): boolean;
}

/** Turns a bearer token (JWT access token or API key) into a Principal, or null when invalid. */
export abstract class CredentialVerifier {
  abstract verify(token: string): Promise<Principal | null>;

  /** verify(), for the renewal route alone, which may also take an expired token of a session still valid. */
  verifyForRenewal(token: string): Promise<Principal | null> {
    return this.verify(token);
  }
}
