import { Controller, Get, Header, Param, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/decorators';
import type { Principal } from '../shared/principal';
import { CameraPicturesService } from './camera-pictures.service';

@ApiTags('cameras')
@ApiBearerAuth()
@Controller('cameras')
export class CameraPicturesController {
  constructor(private readonly pictures: CameraPicturesService) {}

  /** The camera's latest picture (JPEG, at most frameTtlMs old); 404 with the reason when the camera gives none. */
  @Get(':id/frame')
  @ApiProduces('image/jpeg')
  @Header('Cache-Control', 'private, max-age=5')
  async frame(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<StreamableFile> {
    return new StreamableFile(await this.pictures.latestFrame(principal, id), { type: 'image/jpeg', disposition: 'inline' });
  }
}
