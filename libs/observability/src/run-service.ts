import type { Logger } from './logger';

/** A started worker app: what runService closes on SIGTERM/SIGINT. */
export interface Service {
  close(): Promise<void>;
}

/** runService's close() deadline unless told otherwise: under the 20 s grace of the analyzer's manifests. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 15_000;

export interface RunServiceOptions {
  /**
   * Longest close() may take before the process exits 1 anyway. Keep it below the orchestrator's
   * grace (terminationGracePeriodSeconds, stop_grace_period): a shutdown that hangs on an unreachable
   * Redis then ends with our log line instead of a SIGKILL.
   * @defaultValue DEFAULT_CLOSE_TIMEOUT_MS
   */
  closeTimeoutMs?: number;
}

/** Thrown by start-up waits (untilSucceeds) when a stop signal came first: not a failure. */
export class StartAborted extends Error {
  constructor() {
    super('stopped during start-up');
    this.name = 'StartAborted';
  }
}

/**
 * The process shell of a worker app: starts it, and on SIGTERM/SIGINT closes it once and exits 0
 * (1 when closing fails or outlasts `closeTimeoutMs`); a start failure is logged as fatal and exits 1.
 * The handlers are installed before start: Node as PID 1 ignores signals it has no handler for, so a
 * container stopped while the app waits for Redis would otherwise wait out the whole grace. A signal
 * during start aborts `signal` (start-up waits give up) and closes the app as soon as start returns.
 */
export function runService(name: string, log: Logger, start: (signal: AbortSignal) => Promise<Service>, options: RunServiceOptions = {}): void {
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const stopRequested = new AbortController();
  let app: Service | undefined;
  let closing = false;

  const close = (service: Service) => {
    if (closing) return;
    closing = true;
    service.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const stop = (signal: string) => {
    if (stopRequested.signal.aborted) return;
    log.info({ signal, started: Boolean(app) }, 'stopping');
    stopRequested.abort();
    setTimeout(() => {
      log.error({ closeTimeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, closeTimeoutMs).unref();
    if (app) close(app);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // A synchronous throw (settings parsed inside the callback) becomes a rejection: the same fatal line.
  new Promise<Service>((resolve) => resolve(start(stopRequested.signal))).then(
    (service) => {
      app = service;
      if (stopRequested.signal.aborted) close(service);
    },
    (err: Error) => {
      if (stopRequested.signal.aborted && err instanceof StartAborted) {
        log.info('stopped during start-up');
        process.exit(0);
      }
      log.fatal({ err: err.message }, `${name} failed to start`);
      process.exit(1);
    },
  );
}

export interface UntilSucceedsOptions {
  log: Pick<Logger, 'warn'>;
  /** Pause between attempts (default 1000 ms). */
  delayMs?: number;
  /** Aborted: stop trying, reject with StartAborted (an attempt still running is abandoned). */
  signal?: AbortSignal;
}

/**
 * Runs `attempt` until it resolves, logging each failure, for start-up steps that need a dependency
 * (Redis) which may come later: a process that exits instead lands in CrashLoopBackOff, whose back-off
 * keeps it down for minutes after the dependency is back.
 */
export async function untilSucceeds<T>(what: string, attempt: () => Promise<T>, options: UntilSucceedsOptions): Promise<T> {
  const { signal, delayMs = 1000 } = options;
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(new StartAborted());
    signal?.addEventListener('abort', () => reject(new StartAborted()), { once: true });
  });
  aborted.catch(() => undefined);
  for (let failures = 1; ; failures++) {
    try {
      return await Promise.race([attempt(), aborted]);
    } catch (err) {
      if (err instanceof StartAborted) throw err;
      options.log.warn({ err: (err as Error).message, failures }, `${what} failed; trying again`);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, delayMs))), aborted]).finally(() => clearTimeout(timer));
  }
}
