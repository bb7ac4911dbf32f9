import { AccessPolicy, CredentialVerifier, type Principal, type ScopedResource } from '../../shared/principal';
import { inWaters } from '../../shared/waters';

// Small stand-ins for the auth module in tests of the push: a token table and the scope rule of
// DESIGN.md (admins see all; others their region subtrees and explicit cameras).

export class TokenTableVerifier extends CredentialVerifier {
  constructor(private readonly tokens: Record<string, Principal>) {
    super();
  }

  async verify(token: string): Promise<Principal | null> {
    return this.tokens[token] ?? null;
  }
}

export class RegionPathPolicy extends AccessPolicy {
  canSee(principal: Principal, resource: ScopedResource): boolean {
    if (principal.role === 'admin') return true;
    if (principal.cameraIds.includes(resource.cameraId)) return inWaters(principal.waters, resource.cameraId, resource.alert);
    return resource.regionPath.some((id) => principal.regionIds.includes(id));
  }
}

export function principal(
  id: string,
  role: Principal['role'],
  scope: { regionIds?: string[]; cameraIds?: string[]; waters?: string[] } = {},
): Principal {
  return { kind: 'user', id, name: id, role, regionIds: scope.regionIds ?? [], cameraIds: scope.cameraIds ?? [], waters: scope.waters ?? [] };
}

/** A small region tree: city ← county-a ← village-a1 (school pond camera) / county-b ← village-b1. */
export const scopes = {
  schoolPond: { cameraId: 'cam-pond', regionPath: ['city', 'county-a', 'village-a1'] },
  riverA: { cameraId: 'cam-river-a', regionPath: ['city', 'county-a', 'village-a1'] },
  riverB: { cameraId: 'cam-river-b', regionPath: ['city', 'county-b', 'village-b1'] },
} satisfies Record<string, ScopedResource>;

export const testPrincipals = {
  admin: principal('admin', 'admin'),
  school: principal('school-1', 'school', { cameraIds: ['cam-pond'] }),
  operatorA: principal('op-a', 'operator', { regionIds: ['county-a'] }),
  operatorB: principal('op-b', 'operator', { regionIds: ['county-b'] }),
};

/** token → principal: the token is the principal's id. */
export const testTokens: Record<string, Principal> = Object.fromEntries(
  Object.values(testPrincipals).map((p) => [p.id, p]),
);
