import { ConflictException, Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { waterRef } from '../shared/waters';
import { UsersRepository } from '../users/users.repository';

/**
 * A zone that is a school's water cannot disappear from under it: the school would silently stop
 * getting that water's drowning warnings (its filter would name a zone no alert carries). Removing
 * the zone, turning it into an ignore zone or deleting its camera waits until no school (user or
 * unrevoked API key) lists it.
 */
@Injectable()
export class WatersInUse {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
  ) {}

  async assertNotInUse(cameraId: string, zoneIds: string[]): Promise<void> {
    if (!zoneIds.length) return;
    const refs = zoneIds.map((zoneId) => waterRef(cameraId, zoneId));
    const [users, keys] = await Promise.all([this.users.withWaters(refs), this.keys.withWaters(refs)]);
    if (!users.length && !keys.length) return;
    const named = (waters: string[]) => refs.filter((r) => waters.includes(r)).map((r) => `'${r.slice(cameraId.length + 1)}'`);
    const holders = [...users.map((u) => `user '${u.username}' (${named(u.waters).join(', ')})`), ...keys.map((k) => `API key '${k.name}' (${named(k.waters).join(', ')})`)];
    throw new ConflictException(`camera '${cameraId}': zones that are a school's waters cannot be removed or ignored; take them out of the waters of ${holders.join(', ')} first`);
  }
}
