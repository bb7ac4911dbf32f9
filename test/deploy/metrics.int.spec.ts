// The dashboard, the Prometheus alert rules and the KEDA triggers may only use metrics the apps
// really export: start the three compiled apps the way the images do and read their /metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWithShared, freePort, scrape, startService, testRedisUrl, uniquePrefix, waitForHttp, type ServiceProcess } from '@xl/testing';
import { exposedSeriesNames, promqlMetricNames, shippedPromql, workerFilesIn } from './deploy-files';

jest.setTimeout(90_000);

/** Series Prometheus makes itself for every target. */
const PROMETHEUS_OWN = new Set(['up']);

describe('PromQL metric-name extraction', () => {
  it('keeps metric names and drops functions, labels, grouping and durations', () => {
    expect(promqlMetricNames('histogram_quantile(0.95, sum by (le) (rate(xl_frame_age_seconds_bucket{camera=~"$camera"}[5m])))')).toEqual(['xl_frame_age_seconds_bucket']);
    expect(promqlMetricNames('sum(rate(a_total{outcome="x"}[5m])) / clamp_min(sum(rate(b_total[5m])), 0.001) > 0.1')).toEqual(['a_total', 'b_total']);
    expect(promqlMetricNames('up{job=~"ingest|analyzer"} == 0')).toEqual(['up']);
    expect(promqlMetricNames('label_values(xl_camera_up, camera)')).toEqual(['xl_camera_up']);
    expect(promqlMetricNames('count(xl_camera_up == 0) and on (instance) xl_ingest_cameras_owned')).toEqual(['xl_camera_up', 'xl_ingest_cameras_owned']);
  });
});

describeWithShared(['models/yolox_nano.onnx'])('shipped PromQL against the metrics of the running apps', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-deploy-metrics-'));
  const services: ServiceProcess[] = [];
  const exported = new Set<string>();

  beforeAll(async () => {
    const { models, camerasFile } = workerFilesIn(dir);
    const prefix = uniquePrefix('deploy');
    const common = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, KEY_PREFIX: `${prefix}:`, LOG_LEVEL: 'warn' };
    const [apiPort, ingestPort, analyzerPort] = await Promise.all([freePort(), freePort(), freePort()]);
    services.push(
      startService('alerts-api', 'alerts-api', { ...common, PORT: String(apiPort), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, SNAPSHOT_DIR: path.join(dir, 'snapshots') }),
      startService('ingest', 'ingest', { ...common, METRICS_PORT: String(ingestPort), CAMERAS_FILE: camerasFile }),
      startService('analyzer', 'analyzer', { ...common, METRICS_PORT: String(analyzerPort), MODELS_DIR: models, DETECTOR_THREADS: '1', CAMERAS_FILE: camerasFile, SNAPSHOT_DIR: path.join(dir, 'snapshots') }),
    );
    for (const port of [apiPort, ingestPort, analyzerPort]) {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000);
      const text = await scrape(`http://127.0.0.1:${port}/metrics`);
      if (!text) throw new Error(`no /metrics on port ${port}`);
      for (const name of exposedSeriesNames(text)) exported.add(name);
    }
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('every metric the dashboard, the alert rules and the autoscaler read is exported by an app', () => {
    const used = shippedPromql();
    expect(used.length).toBeGreaterThan(30);
    const missing = used.flatMap(({ where, expr }) => promqlMetricNames(expr).filter((name) => !exported.has(name) && !PROMETHEUS_OWN.has(name)).map((name) => `${where}: ${name}`));
    expect(missing).toEqual([]);
  });

  it('the dashboard covers every stage: cameras, ingest frames, analyzer, detector, alerts and delivery', () => {
    const names = new Set(shippedPromql().filter((p) => p.where.startsWith('dashboard')).flatMap((p) => promqlMetricNames(p.expr)));
    for (const name of ['xl_camera_up', 'xl_ingest_frames_total', 'xl_analyzer_frames_total', 'xl_inference_seconds_bucket', 'xl_frame_age_seconds_bucket', 'xl_alerts_total', 'xl_alert_latency_seconds_bucket', 'xl_ws_clients']) {
      expect(names).toContain(name);
    }
  });
});
