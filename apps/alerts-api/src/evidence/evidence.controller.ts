import type { IncomingHttpHeaders } from 'node:http';
import { Controller, Get, Headers, NotFoundException, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AlertsRepository } from '../alerts/alerts.repository';
import { ScopeService } from '../auth/scope.service';
import { CurrentPrincipal } from '../auth/decorators';
import type { Principal } from '../shared/principal';
import { EvidenceFiles } from './evidence-files';
import { EvidenceRepository } from './evidence.repository';
import { evidenceView } from './evidence-view';
import { answerFor, OpenedFile } from './served-file';

/** The part of express's response used here (express ships no types of its own). */
interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): HttpResponse;
  end(): void;
}

/** A header Node hands over as a list when it came more than once: its first value. */
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * An alert's evidence, under the same scope check as the alert: who may not see the alert gets 404
 * for its clip too. Clips answer range requests, so a browser's <video> seeks without downloading.
 * Both files carry ETag and Last-Modified (If-None-Match, If-Range: docs/api.md).
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
  clip(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers() headers: IncomingHttpHeaders,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<StreamableFile | undefined> {
    return this.send(principal, id, 'clip_path', 'clip', 'video/mp4', headers, res);
  }

  @Get(':id/hires-snapshot')
  @ApiProduces('image/jpeg')
  hiresSnapshot(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers() headers: IncomingHttpHeaders,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<StreamableFile | undefined> {
    return this.send(principal, id, 'snapshot_path', 'high-resolution snapshot', 'image/jpeg', headers, res);
  }

  /**
   * One file, opened once: a re-cut renames a new file over the path at any time, so its length and
   * its bytes must come from the same handle. The validators let a client seeking or resuming
   * (If-Range) get the whole new cut instead of a part of it joined to the old one, and revalidate
   * (If-None-Match) instead of keeping a cut that was replaced.
   */
  private async send(
    principal: Principal,
    id: string,
    column: 'clip_path' | 'snapshot_path',
    what: string,
    type: string,
    headers: IncomingHttpHeaders,
    res: HttpResponse,
  ): Promise<StreamableFile | undefined> {
    await this.visible(principal, id);
    const relative = (await this.evidence.get(id))?.[column];
    const file = relative ? await this.files.existing(relative) : null;
    // null also when retention deleted it since it was looked up
    const opened = file ? await OpenedFile.open(file) : null;
    if (!opened) throw new NotFoundException(`alert '${id}' has no ${what}`);
    let streaming = false;
    try {
      const { size, validators } = opened;
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('ETag', validators.etag);
      res.setHeader('Last-Modified', validators.lastModified);
      res.setHeader('Cache-Control', 'private, no-cache'); // Last-Modified alone would let a browser keep a replaced cut
      const answer = answerFor({ range: headers.range, ifRange: first(headers['if-range']), ifNoneMatch: headers['if-none-match'] }, size, validators);
      if (answer.status === 304 || answer.status === 416) {
        if (answer.status === 416) res.setHeader('Content-Range', `bytes */${size}`);
        // Nest sends the empty answer (Express strips a 304's body headers); ending it here made
        // Nest's own send() throw ERR_HTTP_HEADERS_SENT and log an error for every revalidation.
        res.status(answer.status);
        return undefined;
      }
      streaming = true; // the stream closes the file when it ends or the client goes
      if (answer.status === 200) return new StreamableFile(opened.stream(), { type, length: size, disposition: 'inline' });
      const { start, end } = answer.range;
      res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      return new StreamableFile(opened.stream(answer.range), { type, length: end - start + 1, disposition: 'inline' });
    } finally {
      if (!streaming) await opened.close();
    }
  }

  private async visible(principal: Principal, id: string): Promise<void> {
    const alert = await this.alerts.get(id);
    if (!alert) throw new NotFoundException(`alert '${id}' not found`);
    await this.scope.assertAlert(principal, alert);
  }
}
