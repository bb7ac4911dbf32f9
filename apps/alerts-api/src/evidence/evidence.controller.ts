import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Controller, Get, Headers, NotFoundException, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AlertsRepository } from '../alerts/alerts.repository';
import { ScopeService } from '../auth/scope.service';
import { CurrentPrincipal } from '../auth/decorators';
import type { Principal } from '../shared/principal';
import { parseByteRange } from './byte-range';
import { EvidenceFiles } from './evidence-files';
import { EvidenceRepository } from './evidence.repository';
import { evidenceView } from './evidence-view';

/** The part of express's response used here (express ships no types of its own). */
interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): HttpResponse;
  end(): void;
}

/**
 * An alert's evidence, under the same scope check as the alert: who may not see the alert gets 404
 * for its clip too. Clips answer range requests, so a browser's <video> seeks without downloading.
 */
@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class EvidenceController {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly scope: ScopeService,
    private readonly evidence: EvidenceRepository,
    private readonly files: EvidenceFiles,
  ) {}

  @Get(':id/evidence')
  async view(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.visible(principal, id);
    return evidenceView(id, await this.evidence.get(id));
  }

  @Get(':id/clip')
  @ApiProduces('video/mp4')
  async clip(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers('range') range: string | undefined,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<StreamableFile | undefined> {
    const file = await this.file(principal, id, 'clip_path', 'clip');
    const { size } = await stat(file);
    res.setHeader('Accept-Ranges', 'bytes');
    const wanted = parseByteRange(range, size);
    if (wanted === 'unsatisfiable') {
      res.status(416).setHeader('Content-Range', `bytes */${size}`);
      res.end();
      return undefined;
    }
    if (wanted === 'all') return new StreamableFile(createReadStream(file), { type: 'video/mp4', length: size, disposition: 'inline' });
    res.status(206).setHeader('Content-Range', `bytes ${wanted.start}-${wanted.end}/${size}`);
    return new StreamableFile(createReadStream(file, { start: wanted.start, end: wanted.end }), {
      type: 'video/mp4',
      length: wanted.end - wanted.start + 1,
      disposition: 'inline',
    });
  }

  @Get(':id/hires-snapshot')
  @ApiProduces('image/jpeg')
  async hiresSnapshot(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<StreamableFile> {
    const file = await this.file(principal, id, 'snapshot_path', 'high-resolution snapshot');
    return new StreamableFile(createReadStream(file), { type: 'image/jpeg', disposition: 'inline' });
  }

  private async file(principal: Principal, id: string, column: 'clip_path' | 'snapshot_path', what: string): Promise<string> {
    await this.visible(principal, id);
    const record = await this.evidence.get(id);
    const relative = record?.[column];
    const file = relative ? await this.files.existing(relative) : null;
    if (!file) throw new NotFoundException(`alert '${id}' has no ${what}`);
    return file;
  }

  private async visible(principal: Principal, id: string): Promise<void> {
    const alert = await this.alerts.get(id);
    if (!alert) throw new NotFoundException(`alert '${id}' not found`);
    await this.scope.assertAlert(principal, alert);
  }
}
