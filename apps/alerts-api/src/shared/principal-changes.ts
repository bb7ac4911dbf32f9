import type { Principal } from './principal';

/** Which user or API key changed. */
export type PrincipalRef = Pick<Principal, 'kind' | 'id'>;

/**
 * Tells every API instance that a user's or an API key's record changed (scope, role, password,
 * disabled, deleted, revoked): its open WebSockets check it again at once. Without this a school
 * given its new pond camera saw that camera's alerts, and a disabled user lost the alerts, only at
 * the connection's next periodic re-check (up to 60 s later), which still catches a message lost
 * while an instance's subscriber was away. Bound by RealtimeModule; absent without WebSocket push.
 */
export abstract class PrincipalChanges {
  /** Never throws: a change that could not be announced is applied at the periodic re-check. */
  abstract announce(changed: PrincipalRef): Promise<void>;

  /**
   * Calls `listener` with every change announced by any instance from now on (the live view's
   * viewers check theirs again; /ws has its own subscriber, RealtimeService). Resolves once subscribed.
   */
  abstract listen(listener: (changed: PrincipalRef) => void): Promise<void>;
}

/** The pub/sub channel principal changes are announced on, under the push keys' prefix. */
export function principalChangesChannel(pushKeyPrefix: string): string {
  return `${pushKeyPrefix}:principal-changed`;
}

/** The message as published: {"kind":"user","id":"u-1"}; null for anything else. */
export function parsePrincipalChange(message: string): PrincipalRef | null {
  try {
    const value = JSON.parse(message) as Partial<PrincipalRef>;
    if ((value.kind === 'user' || value.kind === 'api_key') && typeof value.id === 'string') return { kind: value.kind, id: value.id };
  } catch {
    // not JSON: ignored
  }
  return null;
}
