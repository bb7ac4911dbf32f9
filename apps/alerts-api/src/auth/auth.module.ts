import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessPolicy, CredentialVerifier } from '../shared/principal';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { DbCredentialVerifier } from './credential-verifier.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { ScopeAccessPolicy } from './scope-access-policy';
import { ScopeService } from './scope.service';

/**
 * Authentication and the scope policy, global so that every module (REST, WebSocket push,
 * webhooks) injects the same AccessPolicy and CredentialVerifier. Every HTTP route needs a bearer
 * token unless marked @Public(); @Roles() restricts roles.
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [
    ScopeAccessPolicy,
    { provide: AccessPolicy, useExisting: ScopeAccessPolicy },
    DbCredentialVerifier,
    { provide: CredentialVerifier, useExisting: DbCredentialVerifier },
    ScopeService,
    LoginRateLimiter,
    AuthService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccessPolicy, CredentialVerifier, ScopeService],
})
export class AuthModule {}
