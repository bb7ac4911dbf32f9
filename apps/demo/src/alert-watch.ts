import WebSocket from 'ws';

export interface PushedAlert {
  id: string;
  cameraId: string;
  severity: string;
  message: string;
  capturedAt?: number;
  snapshotUrl?: string | null;
}

/**
 * Watches the alerts-api WebSocket like an operator console would: logs in, connects with the token,
 * resumes from the last sequence number after a dropped connection, and reports every alert with
 * its capture → screen latency.
 */
export async function watchAlerts(
  apiUrl: string,
  username: string,
  password: string,
  onAlert: (type: string, alert: PushedAlert, latencyMs: number | null) => void,
  onTrouble: (message: string) => void = () => undefined,
): Promise<() => void> {
  const signIn = async (): Promise<string> => {
    const res = await fetch(`${apiUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  };
  let accessToken = await signIn();
  let lastSeq: number | null = null;
  let closed = false;
  let signedOut = false;
  let socket: WebSocket | null = null;
  const connect = async () => {
    if (closed) return;
    // The sign-in ends (JWT_TTL_SECONDS, 8 h): the server closes with 4401, or refuses the upgrade
    // with 401. Sign in again then; before, the watcher reconnected with the dead token for ever and
    // the demo silently stopped printing alerts.
    if (signedOut) {
      try {
        accessToken = await signIn();
        signedOut = false;
      } catch (err) {
        onTrouble(`alert watch: ${(err as Error).message}; trying again`);
        setTimeout(() => void connect(), 5000);
        return;
      }
    }
    const url = new URL(`${apiUrl.replace(/^http/, 'ws')}/ws`);
    if (lastSeq !== null) url.searchParams.set('lastSeq', String(lastSeq));
    socket = new WebSocket(url, { headers: { authorization: `Bearer ${accessToken}` } });
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { type: string; seq?: number; data?: PushedAlert };
      if (typeof msg.seq === 'number') lastSeq = msg.seq;
      if ((msg.type === 'alert.created' || msg.type === 'alert.updated') && msg.data) {
        const latency = msg.type === 'alert.created' && msg.data.capturedAt ? Date.now() - msg.data.capturedAt : null;
        onAlert(msg.type, msg.data, latency);
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) signedOut = true;
      socket?.terminate();
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      if (code === UNAUTHORIZED) signedOut = true;
      if (!closed) setTimeout(() => void connect(), 1000);
    });
  };
  await connect();
  return () => {
    closed = true;
    socket?.close();
  };
}

/** The close code alerts-api's /ws uses for a credential no longer valid (ws-push-server.ts). */
const UNAUTHORIZED = 4401;
