import os from 'node:os';
import path from 'node:path';
import { killCameraProcess, spawnCameraProcess, type CameraProcess } from './camera-process';
import { loopedClip } from './clip-cache';

export interface SimulatedCameraSpec {
  id: string;
  /** Absolute path of an H.264 mp4. */
  clip: string;
  /** RTSP path; default '/' + id. */
  mount?: string;
  /** Require RTSP basic auth with these credentials. */
  credentials?: { user: string; password: string };
  /**
   * Serve at most this many RTSP sessions at once, as cameras do; a reader beyond it is answered
   * `503 Service Unavailable`. A session ends with its reader's TEARDOWN, or 60 s after a reader
   * vanished without one. Default: no limit.
   */
  maxSessions?: number;
  /**
   * Send RTP over UDP only, as some cameras and NVRs do: a reader asking for TCP (every reader of
   * this pipeline) is answered `461 Unsupported transport`. Default: UDP and TCP.
   */
  udpOnly?: boolean;
}

export interface SimulatedCamera {
  id: string;
  /** rtsp://127.0.0.1:PORT/mount, with user:pass@ when credentials are set. */
  url: string;
  port: number;
  pid: number;
}

export interface CameraSimulatorOptions {
  /** Pre-loop clips to at least this many seconds (each reader starts at t=0 and ends there). Default 600. */
  loopSeconds?: number;
  /** Where looped clips are cached. Default os.tmpdir()/xl-sim-cache. */
  cacheDir?: string;
  /** Receives one line per event; never sees passwords. */
  log?: (line: string) => void;
}

interface CameraState {
  spec: SimulatedCameraSpec & { mount: string };
  file: string;
  camera: SimulatedCamera;
  proc: CameraProcess | null;
}

/**
 * Fake RTSP cameras for tests, the demo and benchmarks: one gst-rtsp-server process per camera, so a
 * test can kill, restart or freeze (SIGSTOP) exactly one of them.
 */
export class CameraSimulator {
  private readonly loopSeconds: number;
  private readonly cacheDir: string;
  private readonly log: (line: string) => void;
  private readonly cameras = new Map<string, CameraState>();

  constructor(options: CameraSimulatorOptions = {}) {
    this.loopSeconds = options.loopSeconds ?? 600;
    this.cacheDir = options.cacheDir ?? path.join(os.tmpdir(), 'xl-sim-cache');
    this.log = options.log ?? (() => undefined);
    if (!(this.loopSeconds >= 0)) throw new Error(`loopSeconds must be >= 0, got ${options.loopSeconds}`);
  }

  /** Starts one server per spec (ports picked by the OS) and resolves when all of them listen. */
  async start(specs: SimulatedCameraSpec[]): Promise<SimulatedCamera[]> {
    const ids = new Set<string>();
    for (const spec of specs) {
      if (!/^[A-Za-z0-9._-]+$/.test(spec.id)) throw new Error(`camera id "${spec.id}" must match [A-Za-z0-9._-]+`);
      if (ids.has(spec.id) || this.cameras.has(spec.id)) throw new Error(`camera id "${spec.id}" is already used`);
      if (!path.isAbsolute(spec.clip)) throw new Error(`camera ${spec.id}: clip must be an absolute path, got "${spec.clip}"`);
      const mount = spec.mount ?? `/${spec.id}`;
      if (!mount.startsWith('/')) throw new Error(`camera ${spec.id}: mount must start with "/", got "${mount}"`);
      if (spec.maxSessions !== undefined && !(Number.isInteger(spec.maxSessions) && spec.maxSessions >= 1)) {
        throw new Error(`camera ${spec.id}: maxSessions must be an integer >= 1, got ${spec.maxSessions}`);
      }
      ids.add(spec.id);
    }
    const files = await Promise.all(specs.map((spec) => loopedClip(spec.clip, this.loopSeconds, this.cacheDir)));
    const started = await Promise.allSettled(
      specs.map((spec, i) => this.spawn({ ...spec, mount: spec.mount ?? `/${spec.id}` }, files[i], 0)),
    );
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(specs.filter((s) => this.cameras.has(s.id)).map((s) => this.forget(s.id)));
      throw failed.reason;
    }
    return specs.map((spec) => this.camera(spec.id));
  }

  camera(id: string): SimulatedCamera {
    return { ...this.state(id).camera };
  }

  /** Kills the camera's server (SIGTERM, then SIGKILL); readers see the connection close. */
  async stop(id: string): Promise<void> {
    const state = this.state(id);
    const proc = state.proc;
    state.proc = null;
    if (proc) {
      await killCameraProcess(proc);
      this.log(`${id}: stopped (pid ${proc.pid}, exit code ${proc.child.exitCode}, signal ${proc.child.signalCode})`);
    }
  }

  /** Starts the camera again on the same port, so readers reconnect to the same URL. */
  async restart(id: string): Promise<SimulatedCamera> {
    const state = this.state(id);
    await this.stop(id);
    await this.spawn(state.spec, state.file, state.camera.port);
    return this.camera(id);
  }

  /** Freezes the server (SIGSTOP): connections stay open but no packet flows. */
  stall(id: string): void {
    const state = this.running(id, 'stall');
    state.proc.child.kill('SIGSTOP');
    this.log(`${id}: stalled`);
  }

  resume(id: string): void {
    const state = this.running(id, 'resume');
    state.proc.child.kill('SIGCONT');
    this.log(`${id}: resumed`);
  }

  /** Stops and forgets every camera. Safe to call more than once. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.cameras.keys()].map((id) => this.forget(id)));
  }

  private async forget(id: string): Promise<void> {
    await this.stop(id);
    this.cameras.delete(id);
  }

  private async spawn(spec: CameraState['spec'], file: string, port: number): Promise<void> {
    const proc = await this.spawnWithRetry(spec, file, port);
    const auth = spec.credentials
      ? `${encodeURIComponent(spec.credentials.user)}:${encodeURIComponent(spec.credentials.password)}@`
      : '';
    const camera = { id: spec.id, url: `rtsp://${auth}127.0.0.1:${proc.port}${spec.mount}`, port: proc.port, pid: proc.pid };
    this.cameras.set(spec.id, { spec, file, camera, proc });
    void proc.exited.then(() => {
      const state = this.cameras.get(spec.id);
      if (state?.proc === proc) {
        state.proc = null;
        this.log(`${spec.id}: server exited unexpectedly (code ${proc.child.exitCode}, signal ${proc.child.signalCode})`);
      }
    });
  }

  // A fixed port can still be held for a moment by the previous process; a port-0 bind never clashes.
  private async spawnWithRetry(spec: CameraState['spec'], file: string, port: number): Promise<CameraProcess> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnCameraProcess({ file, mount: spec.mount, port, credentials: spec.credentials, maxSessions: spec.maxSessions, udpOnly: spec.udpOnly, label: spec.id, log: this.log });
      } catch (err) {
        if (port === 0 || attempt >= 5 || !/could not listen/.test((err as Error).message)) throw err;
        this.log(`${spec.id}: port ${port} busy, retrying (${attempt})`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private state(id: string): CameraState {
    const state = this.cameras.get(id);
    if (!state) throw new Error(`no simulated camera "${id}" (known: ${[...this.cameras.keys()].join(', ') || 'none'})`);
    return state;
  }

  private running(id: string, action: string): CameraState & { proc: CameraProcess } {
    const state = this.state(id);
    if (!state.proc) throw new Error(`cannot ${action} camera "${id}": its server is not running`);
    return state as CameraState & { proc: CameraProcess };
  }
}
