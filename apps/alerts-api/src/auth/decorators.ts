import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from '../shared/principal';

export const PUBLIC_ROUTE = 'xl:public';
export const ROLES = 'xl:roles';
export const EXPIRED_TOKEN_RENEWAL = 'xl:expired-token-renewal';

/** The route needs no credentials (login, probes, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The route also takes a user's expired access token whose session is still valid (POST /auth/refresh
 * alone: a PC that slept past its token's end renews it on waking). Every other route refuses it.
 */
export const AcceptsExpiredToken = () => SetMetadata(EXPIRED_TOKEN_RENEWAL, true);

/** Only these roles may call the route (others get 403); scope is checked separately (404). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The authenticated caller, set by the AuthGuard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
