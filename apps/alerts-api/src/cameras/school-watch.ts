import { ConflictException, Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { waterRef } from '../shared/waters';
import { UsersRepository } from '../users/users.repository';

/**
 * What a school watches cannot disappear from under it: it would silently stop getting those
 * drowning warnings (its scope would name a camera or zone no alert carries any more). Deleting a
 * school's camera, or removing or ignoring a zone that is a school's water, waits until no school
 * (user, or unrevoked API key) lists it — 409 naming who does.
 */
@Injectable()
export class SchoolWatch {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
  ) {}

  async assertZonesUnwatched(cameraId: string, zoneIds: string[]): Promise<void> {
    if (!zoneIds.length) return;
    const refs = zoneIds.map((zoneId) => waterRef(cameraId, zoneId));
    const { users, keys } = await this.schools((s) => s.waters.some((w) => refs.includes(w)));
    if (!users.length && !keys.length) return;
    const named = (waters: string[]) => refs.filter((r) => waters.includes(r)).map((r) => `'${r.slice(cameraId.length + 1)}'`);
    const holders = [...users.map((u) => `user '${u.username}' (${named(u.waters).join(', ')})`), ...keys.map((k) => `API key '${k.name}' (${named(k.waters).join(', ')})`)];
    throw new ConflictException(`camera '${cameraId}': zones that are a school's waters cannot be removed or ignored; take them out of the waters of ${holders.join(', ')} first`);
  }

  async assertCameraUnwatched(cameraId: string): Promise<void> {
    const { users, keys } = await this.schools((s) => s.cameraIds.includes(cameraId));
    if (!users.length && !keys.length) return;
    const holders = [...users.map((u) => `user '${u.username}'`), ...keys.map((k) => `API key '${k.name}'`)];
    throw new ConflictException(`camera '${cameraId}' is a school's camera and cannot be deleted; take it out of the cameras of ${holders.join(', ')} first`);
  }

  /** The school users and live school keys for which `watches` holds. */
  private async schools(watches: (school: { cameraIds: string[]; waters: string[] }) => boolean) {
    const [users, keys] = await Promise.all([this.users.schools(), this.keys.schools()]);
    return { users: users.filter(watches), keys: keys.filter(watches) };
  }
}
