import { z } from 'zod';
import { resolveOptions } from '../realtime/realtime.options';

/** Options of the camera pictures the console shows: the latest frame and the live view. */
export const liveViewOptionsSchema = z.strictObject({
  path: z
    .string()
    .regex(/^\/[\w/-]*[^/]$/)
    .default('/live')
    .describe('WebSocket path prefix of the live view: <path>/<cameraId>'),
  maxStreams: z.number().int().min(0).max(256).default(8).describe('camera streams transcoded at once by this instance (one ffmpeg each); 0 turns the live view off'),
  maxStreamsPerCaller: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(4)
    .describe(
      'cameras one user or API key watches live at once on this instance (a second viewer of the same camera is not another camera), and twice this many live views in all; keeps one caller from taking every stream of maxStreams, or every viewer slot of one camera',
    ),
  maxViewersPerStream: z.number().int().min(1).max(1000).default(20).describe('viewers of one camera on this instance'),
  recheckMs: z
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(60_000)
    .describe("a viewer's credential and scope are checked again this often; one that lost either is closed (4401, 4404), one whose camera changed its address is moved to the new stream"),
  pingMs: z
    .number()
    .int()
    .min(100)
    .max(300_000)
    .default(15_000)
    .describe('viewers are pinged this often; one that has not answered the last 2 pings (console asleep or off the network) is terminated, freeing its slot and, if it was the last, its ffmpeg'),
  idleStopMs: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(3000)
    .describe('after the last viewer leaves, ffmpeg is stopped this much later (a viewer who comes back at once finds it running)'),
  noDataTimeoutMs: z
    .number()
    .int()
    .min(1000)
    .max(120_000)
    .default(15_000)
    .describe('ffmpeg that writes nothing for this long is stopped and its viewers are told (1011)'),
  width: z.number().int().min(160).max(1920).default(640).describe('largest width of the live picture (never upscaled)'),
  frameRate: z.union([z.literal(24), z.literal(25), z.literal(30)]).default(25).describe('output frame rate; MPEG-1 allows only standard rates'),
  bitrateKbps: z.number().int().min(100).max(8000).default(800).describe('MPEG-1 video bitrate per stream'),
  maxLagMs: z
    .number()
    .int()
    .min(500)
    .max(10_000)
    .default(1000)
    .describe(
      "a viewer whose socket holds more unsent video than the stream carries in this long (bitrateKbps × maxLagMs / 8 bytes: 100 kB at 800 kbit/s) has fallen behind: it gets the rest of the picture on its way, then nothing until it has caught up, and goes on at the next I-picture (every 12 pictures). A link slower than the stream so watches at most about this much × (bitrate ÷ link's rate) late, with pauses, never tens of seconds late as if live",
    ),
  maxBufferedBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(64 * 1024 * 1024)
    .default(2 * 1024 * 1024)
    .describe("hard bound on a viewer's unsent video, whatever maxLagMs allows: beyond it nothing is sent to it (memory)"),
  frameTtlMs: z.number().int().min(0).max(600_000).default(10_000).describe('a latest frame is reused for this long before the camera is asked again'),
  frameWidth: z.number().int().min(160).max(3840).default(960).describe('largest width of the latest frame JPEG (never upscaled)'),
  frameTimeoutMs: z.number().int().min(1000).max(60_000).default(8000).describe('time one frame grab may take'),
  maxFrameGrabs: z.number().int().min(1).max(64).default(2).describe('frame grabs (ffmpeg) running at once on this instance'),
});

export type LiveViewOptions = z.infer<typeof liveViewOptionsSchema>;
export type LiveViewOptionsInput = z.input<typeof liveViewOptionsSchema>;

/** Options from the environment (XL_LIVE_*, XL_FRAME_*), overridden by explicit ones. */
export function resolveLiveViewOptions(explicit: LiveViewOptionsInput = {}, env: NodeJS.ProcessEnv = process.env): LiveViewOptions {
  return resolveOptions(liveViewOptionsSchema, 'live view', explicit, env, {
    XL_LIVE_MAX_STREAMS: ['maxStreams', Number],
    XL_LIVE_MAX_STREAMS_PER_CALLER: ['maxStreamsPerCaller', Number],
    XL_LIVE_IDLE_STOP_MS: ['idleStopMs', Number],
    XL_LIVE_NO_DATA_TIMEOUT_MS: ['noDataTimeoutMs', Number],
    XL_LIVE_WIDTH: ['width', Number],
    XL_LIVE_BITRATE_KBPS: ['bitrateKbps', Number],
    XL_LIVE_RECHECK_MS: ['recheckMs', Number],
    XL_LIVE_PING_MS: ['pingMs', Number],
    XL_LIVE_MAX_LAG_MS: ['maxLagMs', Number],
    XL_FRAME_TTL_MS: ['frameTtlMs', Number],
    XL_FRAME_WIDTH: ['frameWidth', Number],
    XL_FRAME_TIMEOUT_MS: ['frameTimeoutMs', Number],
  });
}

/** Nest injection token of the resolved options. */
export const LIVE_VIEW_OPTIONS = Symbol('live view options');
