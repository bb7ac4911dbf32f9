import { ConflictException, Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { WebhooksRepository } from '../outbound/webhooks.repository';
import { waterRef } from '../shared/waters';
import { UsersRepository } from '../users/users.repository';

/**
 * What a school watches cannot disappear from under it: it would silently stop getting those
 * drowning warnings (its scope would name a camera or zone no alert carries any more). Deleting or
 * disabling a school's camera, or removing, ignoring or leaving without a rule a zone that is a
 * school's water, waits until no school
 * (user, or unrevoked API key) lists it — 409 naming who does. A webhook's waters (a siren at the
 * pond) hold their zones, and their cameras, the same way.
 */
interface Watcher {
  cameraIds: string[];
  waters: string[];
}

@Injectable()
export class SchoolWatch {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
    private readonly webhooks: WebhooksRepository,
  ) {}

  async assertZonesUnwatched(cameraId: string, zoneIds: string[], change = 'removed or ignored'): Promise<void> {
    if (!zoneIds.length) return;
    const refs = zoneIds.map((zoneId) => waterRef(cameraId, zoneId));
    const { users, keys, hooks } = await this.schools((s) => s.waters.some((w) => refs.includes(w)));
    if (!users.length && !keys.length && !hooks.length) return;
    const named = (waters: string[]) => refs.filter((r) => waters.includes(r)).map((r) => `'${r.slice(cameraId.length + 1)}'`);
    const holders = [
      ...users.map((u) => `user '${u.username}' (${named(u.waters).join(', ')})`),
      ...keys.map((k) => `API key '${k.name}' (${named(k.waters).join(', ')})`),
      ...hooks.map((h) => `webhook '${h.name}' (${named(h.waters).join(', ')})`),
    ];
    throw new ConflictException(`camera '${cameraId}': zones that are a school's waters cannot be ${change}; take them out of the waters of ${holders.join(', ')} first`);
  }

  async assertCameraUnwatched(cameraId: string, change: 'deleted' | 'disabled' = 'deleted'): Promise<void> {
    const prefix = `${cameraId}/`;
    // A webhook naming the camera holds it from deletion too, waters or not: taken out of its
    // cameras when the camera goes, a webhook left with no camera and no region would receive every
    // camera's events. Disabling leaves the webhook's filter as it is: only its waters hold then.
    const { users, keys, hooks } = await this.schools(
      (s) => s.cameraIds.includes(cameraId),
      (h) => (change === 'deleted' && h.cameraIds.includes(cameraId)) || h.waters.some((w) => w.startsWith(prefix)),
    );
    if (!users.length && !keys.length && !hooks.length) return;
    const holders = [...users.map((u) => `user '${u.username}'`), ...keys.map((k) => `API key '${k.name}'`)];
    // A webhook holds the camera through its waters; taking the camera out of its cameraIds while a
    // water still names it is refused, so the advice for it is the waters.
    const steps = [
      ...(holders.length ? [`take it out of the cameras of ${holders.join(', ')}`] : []),
      ...(hooks.length ? [`take it (and its zones) out of the cameras and waters of ${hooks.map((h) => `webhook '${h.name}'`).join(', ')}`] : []),
    ];
    const whose = users.length || keys.length ? "a school's camera" : 'watched by a webhook';
    throw new ConflictException(`camera '${cameraId}' is ${whose} and cannot be ${change}; ${steps.join(' and ')} first`);
  }

  /**
   * The school users and live school keys for which `watches` holds, and the webhooks (enabled or
   * not: one turned back on must still find its water) for which `hookWatches` does.
   */
  private async schools(watches: (scope: Watcher) => boolean, hookWatches: (scope: Watcher) => boolean = watches) {
    const [users, keys, subscriptions] = await Promise.all([this.users.schools(), this.keys.schools(), this.webhooks.list()]);
    const hooks = subscriptions.map((s) => ({ name: s.name, cameraIds: s.filters.cameraIds, waters: s.filters.waters }));
    return { users: users.filter(watches), keys: keys.filter(watches), hooks: hooks.filter(hookWatches) };
  }
}
