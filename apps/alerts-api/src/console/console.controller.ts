import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { SETTINGS, type Settings } from '../settings';
import type { ConsoleAsset, ConsoleAssets } from './console-assets';
import { CONSOLE_SECURITY_HEADERS } from './console-headers';
import { CONSOLE_ASSETS } from './console.tokens';

/** The parts of express's request and response this controller uses (express ships no types here). */
interface Request {
  url: string;
}
interface Response {
  headersSent: boolean;
  redirect(status: number, url: string): void;
  sendFile(file: string, options: Record<string, unknown>, done: (err?: Error) => void): void;
}

/**
 * Serves the built console under /console on the API's own origin. A path below /console that is
 * not a file gets index.html (the console routes in the browser), unless it looks like a file
 * (has an extension): a missing script must be a 404, not HTML. Nothing outside /console is
 * touched, so /alerts, /ws, /healthz, /metrics… keep their meaning. GET / redirects here.
 */
const NOT_BUILT = 'the console is not built: run npm run build (or set CONSOLE_DIR)';

@ApiExcludeController()
@Public()
@Controller()
export class ConsoleController {
  constructor(
    @Inject(CONSOLE_ASSETS) private readonly assets: ConsoleAssets,
    @Inject(SETTINGS) private readonly settings: Pick<Settings, 'displayTimeZone'>,
  ) {}

  @Get()
  root(@Res() res: Response): void {
    res.redirect(302, '/console/');
  }

  /** /console/ is the console; /console (no slash) redirects there so relative asset URLs resolve. */
  @Get('console')
  async bare(@Req() req: Request, @Res() res: Response): Promise<void> {
    const query = req.url.indexOf('?');
    const pathname = query >= 0 ? req.url.slice(0, query) : req.url;
    if (!pathname.endsWith('/')) return res.redirect(301, `/console/${query >= 0 ? req.url.slice(query) : ''}`);
    const index = await this.assets.index();
    if (!index) throw new NotFoundException(NOT_BUILT);
    await send(res, index);
  }

  /** What the console needs before its first screen: the zone it shows times in (DISPLAY_TIME_ZONE). Nothing secret. */
  @Get('console/settings.json')
  displaySettings(): { timeZone: string } {
    return { timeZone: this.settings.displayTimeZone };
  }

  @Get('console/*path')
  async file(@Param('path') segments: string[] | string, @Res() res: Response): Promise<void> {
    const rel = Array.isArray(segments) ? segments.join('/') : segments;
    let asset = await this.assets.find(rel);
    if (!asset && !/\.[a-z0-9]+$/i.test(rel)) asset = await this.assets.index();
    if (!asset) {
      const built = await this.assets.index();
      throw new NotFoundException(built ? `no console file '${rel}'` : NOT_BUILT);
    }
    await send(res, asset);
  }
}

function send(res: Response, asset: ConsoleAsset): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(asset.file, { headers: { 'Cache-Control': asset.cacheControl, ...CONSOLE_SECURITY_HEADERS }, lastModified: true, etag: true, cacheControl: false }, (err) => (err && !res.headersSent ? reject(err) : resolve()));
  });
}
