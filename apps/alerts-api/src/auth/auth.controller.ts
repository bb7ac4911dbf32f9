import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodBody } from '../common/openapi';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { bearerToken } from './auth.guard';
import { AuthService, TooManyLoginAttempts } from './auth.service';
import { AcceptsExpiredToken, CurrentPrincipal, Public } from './decorators';

export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

/**
 * The header that carries what this browser's last sign-in of the user returned as `deviceToken`: its
 * tries then count per device, not per IP (docs/security.md). A header, not a body field: a release
 * before it refuses unknown body fields (400), and a console still open across a rollback or a
 * rolling upgrade must keep signing in.
 */
export const DEVICE_TOKEN_HEADER = 'x-xueliang-device';
export const passwordChangeSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(8, 'must be at least 8 characters').max(256).describe('stored as a scrypt hash, never returned'),
});

interface HttpRequest {
  ip?: string;
  socket?: { remoteAddress?: string };
  headers?: Record<string, string | string[] | undefined>;
}
interface HttpResponse {
  setHeader(name: string, value: string): void;
  /** 'close': the answer has been sent (or the client went away). */
  once(event: 'close', listener: () => void): unknown;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Password login → short-lived HS256 access token. Rate-limited per client IP and user name. */
  @Public()
  @Post('login')
  @HttpCode(200)
  @ZodBody(loginSchema)
  async login(@Body(new ZodPipe(loginSchema)) body: z.output<typeof loginSchema>, @Req() req: HttpRequest, @Res({ passthrough: true }) res: HttpResponse) {
    const ip = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const device = req.headers?.[DEVICE_TOKEN_HEADER];
    try {
      return await this.auth.login(ip, body.username, body.password, typeof device === 'string' && device.length <= 512 ? device : undefined);
    } catch (err) {
      if (err instanceof TooManyLoginAttempts) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  }

  /**
   * The caller's own password, given the current one. Every other sign-in of this user ends (a
   * password changed because it leaked must lock out whoever used it); the answer is a new sign-in
   * for the caller, like a login's. A wrong current password is a 403 (the sign-in itself is fine) and
   * counts against the login rate limit. The user's open WebSockets (/ws, /live) are closed (4401) at
   * once on every instance — the caller's own too, whose token the change replaced.
   */
  @ApiBearerAuth()
  @Post('password')
  @HttpCode(200)
  @ZodBody(passwordChangeSchema)
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(passwordChangeSchema)) body: z.output<typeof passwordChangeSchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ) {
    try {
      const signIn = await this.auth.changePassword(principal, req.ip ?? req.socket?.remoteAddress ?? 'unknown', body.currentPassword, body.newPassword);
      // Announced once the answer is out: the caller's console takes its new token before its old
      // socket's 4401 comes, and ignores that. The other way round it could take the 4401 for the end
      // of its sign-in, renew the replaced token, be refused, and sign out the user who just changed it.
      res.once('close', () => void this.auth.announcePasswordChanged(principal));
      return signIn;
    } catch (err) {
      if (err instanceof TooManyLoginAttempts) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  }

  /**
   * A new access token for the caller's sign-in, before the current one runs out (the console renews
   * at three quarters of its lifetime) or after: a PC that slept past its token's end renews the
   * expired token while its session lasts. 401 once the session is older than SESSION_MAX_SECONDS,
   * the user disabled or the password changed since the sign-in.
   */
  @ApiBearerAuth()
  @AcceptsExpiredToken()
  @Post('refresh')
  @HttpCode(200)
  refresh(@CurrentPrincipal() principal: Principal, @Req() req: HttpRequest) {
    return this.auth.refresh(principal, bearerToken(req.headers?.authorization) ?? '');
  }

  /** Who the bearer token belongs to, with role and scope (the console shows it). */
  @ApiBearerAuth()
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return principal;
  }
}
