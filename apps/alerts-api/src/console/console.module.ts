import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import { LOGGER } from '../core/tokens';
import { ConsoleAssets } from './console-assets';
import { ConsoleController } from './console.controller';
import { resolveConsoleOptions } from './console.options';
import { CONSOLE_ASSETS } from './console.tokens';

/** The operator and school web console (apps/console, built by vite) on the API's origin. */
@Module({
  controllers: [ConsoleController],
  providers: [{ provide: CONSOLE_ASSETS, useFactory: () => new ConsoleAssets(resolveConsoleOptions().dir) }],
})
export class ConsoleModule implements OnApplicationBootstrap {
  constructor(
    @Inject(CONSOLE_ASSETS) private readonly assets: ConsoleAssets,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(await this.assets.index())) this.logger.warn('the console is not built (no index.html): /console answers 404 until `npm run build` builds it');
  }
}
