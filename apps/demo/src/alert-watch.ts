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
): Promise<() => void> {
  const res = await fetch(`${apiUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  let lastSeq: number | null = null;
  let closed = false;
  let socket: WebSocket | null = null;
  const connect = () => {
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
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!closed) setTimeout(connect, 1000);
    });
  };
  connect();
  return () => {
    closed = true;
    socket?.close();
  };
}
