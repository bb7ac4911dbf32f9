import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../core/tokens';
import { CamerasService } from './cameras.service';

/**
 * `xl_cameras_unanalysed`: the cameras GET /cameras/unanalysed lists (analysis-health.ts), over every scope,
 * counted at each scrape (Prometheus alert XlCamerasUnanalysed). Every API instance reports the same
 * number. A count that fails (database away) reads NaN, never 0: "all analysed" must not be a guess;
 * so does one that takes longer than UNANALYSED_COUNT_TIMEOUT_MS (a database that stopped answering
 * without closing the connection), which would otherwise hold the scrape past Prometheus' timeout and
 * make alerts-api look down, its own alert rules blind.
 */
/** How long a scrape waits for the count before reporting NaN (Prometheus' default scrape timeout is 10 s). */
export const UNANALYSED_COUNT_TIMEOUT_MS = 5000;

@Injectable()
export class UnanalysedCamerasMetric {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, cameras: CamerasService) {
    let counting: Promise<number> | undefined;
    new Gauge({
      name: 'xl_cameras_unanalysed',
      help: 'Cameras that ingest reports online but whose frames no analyzer has analysed for ANALYSIS_STALE_SECONDS, or that no ingest has reported on that long after they were configured: none of their rules can fire',
      registers: [registry],
      async collect() {
        // One count at a time: scrapes of a slow database wait on the running one rather than take
        // more of the pool's connections, which the intake and acknowledgements need.
        counting ??= cameras
          .unanalysedCount()
          .catch(() => Number.NaN)
          .finally(() => (counting = undefined));
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<number>(
          (resolve) => (timer = setTimeout(() => resolve(Number.NaN), UNANALYSED_COUNT_TIMEOUT_MS)),
        );
        this.set(await Promise.race([counting, late]).finally(() => clearTimeout(timer)));
      },
    });
  }
}
