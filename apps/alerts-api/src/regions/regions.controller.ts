import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody } from '../common/openapi';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { type RegionCreate, regionCreateSchema, RegionsService, type RegionUpdate, regionUpdateSchema } from './regions.service';

@ApiTags('regions')
@ApiBearerAuth()
@Controller('regions')
export class RegionsController {
  constructor(private readonly regions: RegionsService) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: await this.regions.list(principal) };
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.regions.get(principal, id);
  }

  @Post()
  @Roles('admin')
  @ZodBody(regionCreateSchema)
  create(@Body(new ZodPipe(regionCreateSchema)) body: RegionCreate) {
    return this.regions.create(body);
  }

  @Patch(':id')
  @Roles('admin')
  @ZodBody(regionUpdateSchema)
  update(@Param('id') id: string, @Body(new ZodPipe(regionUpdateSchema)) body: RegionUpdate) {
    return this.regions.update(id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.regions.delete(id);
  }
}
