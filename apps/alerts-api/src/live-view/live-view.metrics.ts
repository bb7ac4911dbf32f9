import { Counter, Gauge, type Registry } from 'prom-client';

export type StreamEndReason = 'idle' | 'no_data' | 'exited' | 'shutdown' | 'analysis_first' | 'source_changed';

/** Metrics of the live view on the app's /metrics registry. */
export class LiveViewMetrics {
  readonly streams: Gauge;
  readonly viewers: Gauge;
  readonly ended: Counter<'reason'>;
  readonly respawns: Counter;
  readonly frameGrabs: Counter<'result'>;
  readonly behind: Counter;

  constructor(registry: Registry) {
    this.streams = new Gauge({ name: 'xl_live_streams', help: 'camera streams being transcoded for viewers on this instance', registers: [registry] });
    this.viewers = new Gauge({ name: 'xl_live_viewers', help: 'live view sockets open on this instance', registers: [registry] });
    this.ended = new Counter({ name: 'xl_live_streams_ended_total', help: 'transcoders stopped, by reason', labelNames: ['reason'], registers: [registry] });
    this.respawns = new Counter({ name: 'xl_live_streams_respawned_total', help: 'transcoders that ended by themselves after running a while, started again for their viewers', registers: [registry] });
    this.behind = new Counter({
      name: 'xl_live_viewers_behind_total',
      help: 'times a viewer fell more than maxLagMs of video behind and skipped to the next I-picture (a link slower than the stream)',
      registers: [registry],
    });
    this.frameGrabs = new Counter({ name: 'xl_frame_grabs_total', help: 'latest-frame grabs from cameras, by result', labelNames: ['result'], registers: [registry] });
  }
}
