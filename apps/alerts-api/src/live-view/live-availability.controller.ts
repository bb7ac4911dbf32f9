import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/decorators';
import type { Principal } from '../shared/principal';
import { LiveViewService } from './live-view.service';

/** Whether a live view would be let in now, and why not: the handshake's own decision, asked before it. */
export type LiveAvailability = { available: true } | { available: false; status: 429 | 503; reason: string };

@ApiTags('cameras')
@ApiBearerAuth()
@Controller('cameras')
export class LiveAvailabilityController {
  constructor(private readonly live: LiveViewService) {}

  /**
   * Whether the caller would get the camera's live view (`/live/:id`) from this instance now:
   * `{available: true}`, or `{available: false, status, reason}` with the status the handshake would
   * answer — 429 the caller watches its most cameras already, 503 the instance or the camera has no
   * stream to give. The console asks first because a browser cannot read why a handshake was refused,
   * and its tile would wait 16 s to say only "no picture". 404 when the camera is not in the caller's
   * scope. Advisory: with several instances another one may take the handshake, and a stream may end
   * or start in between. Never includes the camera's address.
   */
  @Get(':id/live')
  @Header('Cache-Control', 'no-store')
  async availability(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<LiveAvailability> {
    const admission = await this.live.admission(principal, id);
    if (!('refused' in admission)) return { available: true };
    if (admission.refused === 404) throw new NotFoundException(admission.reason);
    return { available: false, status: admission.refused, reason: admission.reason };
  }
}
