import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CredentialVerifier, type Principal, type Role } from '../shared/principal';
import { EXPIRED_TOKEN_RENEWAL, PUBLIC_ROUTE, ROLES } from './decorators';

/** "Bearer <token>" from the Authorization header. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match ? match[1] : null;
}

/**
 * Global guard: every route needs a valid bearer token unless marked @Public() (or, for the renewal
 * alone, @AcceptsExpiredToken(): an expired one of a valid session); @Roles() limits the roles. Scope
 * (which objects) is the services' business, through the AccessPolicy.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: CredentialVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // WebSocket auth is the push server's
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined>; principal?: Principal }>();
    const token = bearerToken(request.headers.authorization);
    // Only a route marked @AcceptsExpiredToken() (the renewal) takes an expired token of a valid session.
    const renewal = this.reflector.getAllAndOverride<boolean>(EXPIRED_TOKEN_RENEWAL, targets);
    const principal = token ? await (renewal ? this.verifier.verifyForRenewal(token) : this.verifier.verify(token)) : null;
    if (!principal) throw new UnauthorizedException('missing, invalid or expired credentials');
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(principal.role)) throw new ForbiddenException(`role '${principal.role}' may not do this`);
    return true;
  }
}
