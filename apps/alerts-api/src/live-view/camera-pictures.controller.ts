import { Controller, Get, Header, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal } from '../auth/decorators';
import { ZodQuery } from '../common/openapi';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { CameraPicturesService } from './camera-pictures.service';

export const frameQuerySchema = z.strictObject({
  source: z
    .enum(['analysed', 'camera'])
    .default('analysed')
    .describe("'analysed': the analyzer's picture of the last frame it analysed while one is fresh, else a grab (the camera wall); 'camera': always a grab from the camera's stream, sharper (the zone editor)"),
});

interface HttpResponse {
  setHeader(name: string, value: string): void;
}

@ApiTags('cameras')
@ApiBearerAuth()
@Controller('cameras')
export class CameraPicturesController {
  constructor(private readonly pictures: CameraPicturesService) {}

  /**
   * The camera's latest picture (JPEG, at most its TTL old); `X-Picture-Source` says whether the
   * analyzer or a grab from the camera made it, `X-Picture-Taken-At` when (epoch ms): served for up to
   * 20 s, a picture must not pass for a live one. 404 with the reason when the camera gives none.
   */
  @Get(':id/frame')
  @ZodQuery(frameQuerySchema)
  @ApiProduces('image/jpeg')
  @Header('Cache-Control', 'private, max-age=5')
  async frame(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(new ZodPipe(frameQuerySchema, 'query')) q: z.output<typeof frameQuerySchema>,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<StreamableFile> {
    const { jpeg, source, takenAt } = await this.pictures.latestFrame(principal, id, q.source);
    res.setHeader('X-Picture-Source', source);
    if (takenAt !== null) res.setHeader('X-Picture-Taken-At', String(takenAt));
    return new StreamableFile(jpeg, { type: 'image/jpeg', disposition: 'inline' });
  }
}
