import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { type CameraConfig, cameraSchema } from '@xl/config';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody, ZodQuery } from '../common/openapi';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { cameraListQuerySchema, cameraPatchSchema, CamerasService, rulesBodySchema, zonesBodySchema } from './cameras.service';
import { nearbyQuerySchema, NearbyCamerasService } from './nearby-cameras';

@ApiTags('cameras')
@ApiBearerAuth()
@Controller('cameras')
export class CamerasController {
  constructor(
    private readonly cameras: CamerasService,
    private readonly nearbyCameras: NearbyCamerasService,
  ) {}

  @Get()
  @ZodQuery(cameraListQuerySchema)
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodPipe(cameraListQuerySchema, 'query')) query: z.output<typeof cameraListQuerySchema>) {
    return this.cameras.list(principal, query);
  }

  /** Online cameras in the caller's scope whose frames are not being analysed: their alerts cannot fire. */
  @Get('unanalysed')
  unanalysed(@CurrentPrincipal() principal: Principal) {
    return this.cameras.unanalysed(principal);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.cameras.get(principal, id);
  }

  /** Cameras in the caller's scope within `radius` metres of this camera's site, nearest first. */
  @Get(':id/nearby')
  @ZodQuery(nearbyQuerySchema)
  nearby(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query(new ZodPipe(nearbyQuerySchema, 'query')) q: z.output<typeof nearbyQuerySchema>) {
    return this.nearbyCameras.near(principal, id, q);
  }

  @Post()
  @Roles('admin', 'operator')
  @ZodBody(cameraSchema)
  create(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(cameraSchema)) body: CameraConfig) {
    return this.cameras.create(principal, body);
  }

  @Patch(':id')
  @Roles('admin', 'operator')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(cameraPatchSchema)) body: Record<string, unknown>) {
    return this.cameras.update(principal, id, body);
  }

  @Get(':id/zones')
  async zones(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const camera = await this.cameras.get(principal, id);
    return { zones: camera.zones, lines: camera.lines };
  }

  @Put(':id/zones')
  @Roles('admin', 'operator')
  @ZodBody(zonesBodySchema)
  replaceZones(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(zonesBodySchema)) body: z.output<typeof zonesBodySchema>) {
    return this.cameras.replaceZones(principal, id, body);
  }

  @Get(':id/rules')
  async rules(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const camera = await this.cameras.get(principal, id);
    return { rules: camera.rules, effectiveRules: camera.effectiveRules };
  }

  @Put(':id/rules')
  @Roles('admin', 'operator')
  @ZodBody(rulesBodySchema)
  replaceRules(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodPipe(rulesBodySchema)) body: z.output<typeof rulesBodySchema>) {
    return this.cameras.replaceRules(principal, id, body);
  }

  @Delete(':id')
  @Roles('admin', 'operator')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.cameras.delete(principal, id);
  }
}
