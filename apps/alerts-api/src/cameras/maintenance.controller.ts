import { Body, Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody } from '../common/openapi';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { maintenanceBodySchema, MaintenanceService } from './maintenance.service';

@ApiTags('cameras')
@ApiBearerAuth()
@Controller('cameras')
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  /** Starts (or replaces) the camera's maintenance window: its health alerts are held back until it ends. */
  @Put(':id/maintenance')
  @Roles('admin', 'operator')
  @ZodBody(maintenanceBodySchema)
  start(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(maintenanceBodySchema)) body: z.output<typeof maintenanceBodySchema>) {
    return this.maintenance.start(principal, id, body);
  }

  /** Ends it now; a camera still offline past the threshold raises camera_offline at once. */
  @Delete(':id/maintenance')
  @Roles('admin', 'operator')
  @HttpCode(204)
  async end(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.maintenance.end(principal, id);
  }
}
