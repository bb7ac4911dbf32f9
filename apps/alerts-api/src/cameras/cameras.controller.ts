import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { type CameraConfig, cameraSchema } from '@xl/config';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody, ZodQuery } from '../common/openapi';
import { versionOfIfMatch } from '../common/if-match';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { cameraListQuerySchema, cameraPatchSchema, CamerasService, rulesBodySchema, zonesBodySchema } from './cameras.service';
import { nearbyQuerySchema, NearbyCamerasService } from './nearby-cameras';

/** The If-Match of a camera change: the version (`updatedAt`) the client built on. */
const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: "the camera's updatedAt the change was built on, quoted (\"1764755000000\") or bare: 409 when another save changed the camera since; absent or *: no check",
};

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
  @ApiHeader(IF_MATCH)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(cameraPatchSchema)) body: Record<string, unknown>,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.cameras.update(principal, id, body, versionOfIfMatch(ifMatch, 'camera'));
  }

  @Get(':id/zones')
  async zones(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const camera = await this.cameras.get(principal, id);
    return { zones: camera.zones, lines: camera.lines };
  }

  @Put(':id/zones')
  @Roles('admin', 'operator')
  @ZodBody(zonesBodySchema)
  @ApiHeader(IF_MATCH)
  replaceZones(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(zonesBodySchema)) body: z.output<typeof zonesBodySchema>,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.cameras.replaceZones(principal, id, body, versionOfIfMatch(ifMatch, 'camera'));
  }

  @Get(':id/rules')
  async rules(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const camera = await this.cameras.get(principal, id);
    return { rules: camera.rules, effectiveRules: camera.effectiveRules };
  }

  @Put(':id/rules')
  @Roles('admin', 'operator')
  @ZodBody(rulesBodySchema)
  @ApiHeader(IF_MATCH)
  replaceRules(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(rulesBodySchema)) body: z.output<typeof rulesBodySchema>,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.cameras.replaceRules(principal, id, body, versionOfIfMatch(ifMatch, 'camera'));
  }

  @Delete(':id')
  @Roles('admin', 'operator')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.cameras.delete(principal, id);
  }
}
