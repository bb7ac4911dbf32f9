import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type DisconnectReason = 'client' | 'slow_consumer' | 'heartbeat' | 'unauthorized' | 'shutdown' | 'error';

/** Why a handshake with a valid credential was refused (RealtimeOptions.maxConnections, maxConnectionsPerPrincipal). */
export type RefusalReason = 'instance_full' | 'principal_limit';

const sentCounts = new WeakMap<Registry, { pending: number }>();

/** Metrics of the WebSocket push, registered once per Registry (an app may build the module twice in tests). */
export class RealtimeMetrics {
  readonly clients: Gauge;
  readonly alertLatency: Histogram;
  readonly sceneAge: Histogram;
  readonly disconnects: Counter<'reason'>;
  readonly refusals: Counter<'reason'>;
  readonly eventsSent: Counter;
  private observedUpTo = 0;
  private readonly sent: { pending: number };

  constructor(
    registry: Registry,
    /** Epoch ms on the clock of capture times (the app's Clock). */
    private readonly now: () => number = Date.now,
  ) {
    this.clients = metric(
      registry,
      'xl_ws_clients',
      () =>
        new Gauge({
          name: 'xl_ws_clients',
          help: 'Connected WebSocket push clients on this instance',
          registers: [registry],
        }),
    );
    this.alertLatency = metric(
      registry,
      'xl_alert_latency_seconds',
      () =>
        new Histogram({
          name: 'xl_alert_latency_seconds',
          help: 'Frame capture to the first WebSocket send of its alert.created on this instance',
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
          registers: [registry],
        }),
    );
    this.sceneAge = metric(
      registry,
      'xl_alert_scene_age_seconds',
      () =>
        new Histogram({
          name: 'xl_alert_scene_age_seconds',
          help: "How old the scene was at the first WebSocket send of its alert.created: the camera stream's delay (streamDelaySeconds) plus capture to send",
          buckets: [0.1, 0.5, 1, 2, 5, 10, 15, 20, 30, 60],
          registers: [registry],
        }),
    );
    this.disconnects = metric(
      registry,
      'xl_ws_disconnects_total',
      () =>
        new Counter({
          name: 'xl_ws_disconnects_total',
          help: 'WebSocket push connections ended, by reason',
          labelNames: ['reason'],
          registers: [registry],
        }),
    );
    this.refusals = metric(
      registry,
      'xl_ws_refused_total',
      () =>
        new Counter({
          name: 'xl_ws_refused_total',
          help: 'WebSocket push handshakes with a valid credential refused at a connection limit, by reason (instance_full, principal_limit)',
          labelNames: ['reason'],
          registers: [registry],
        }),
    );
    // Counted in a plain number on the hot path (one per client and event), handed over on scrape.
    const sent = sentCounts.get(registry) ?? { pending: 0 };
    sentCounts.set(registry, sent);
    this.sent = sent;
    this.eventsSent = metric(
      registry,
      'xl_ws_events_sent_total',
      () =>
        new Counter({
          name: 'xl_ws_events_sent_total',
          help: 'Events written to WebSocket clients',
          registers: [registry],
          collect() {
            this.inc(sent.pending);
            sent.pending = 0;
          },
        }),
    );
  }

  /**
   * Observes capture → send, and the scene's age (the stream's delay added), once per event: events
   * reach sessions in seq order, so the first send has the highest seq yet.
   */
  eventSent(seq: number, type: string, capturedAt: number | undefined, streamDelaySeconds: unknown = null, now = this.now()): void {
    this.sent.pending++;
    if (type !== 'alert.created' || capturedAt === undefined || seq <= this.observedUpTo) return;
    this.observedUpTo = seq;
    const latency = Math.max(0, now - capturedAt) / 1000;
    this.alertLatency.observe(latency);
    this.sceneAge.observe(latency + (typeof streamDelaySeconds === 'number' && streamDelaySeconds > 0 ? streamDelaySeconds : 0));
  }
}

/** The registry's metric of that name, or a new one: one metric object per name and registry. */
export function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
