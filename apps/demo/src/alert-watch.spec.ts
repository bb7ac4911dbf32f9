import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { watchAlerts, type PushedAlert } from './alert-watch';

// A stand-in alerts-api: POST /auth/login gives token-1, token-2, …; /ws takes only the newest token,
// and closes token-1's connection with 4401 as the real one does when a sign-in ends.
async function fakeApi(): Promise<{ url: string; logins(): number; close(): Promise<void> }> {
  let logins = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/auth/login') {
      logins++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accessToken: `token-${logins}` }));
    } else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const token = (req.headers.authorization ?? '').replace('Bearer ', '');
    if (token !== `token-${logins}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (token === 'token-1') {
        logins++; // the sign-in ended: token-1 is no longer valid anywhere
        ws.close(4401, 'access token not valid');
        return;
      }
      const alert: PushedAlert = { id: 'a1', cameraId: 'pond', severity: 'critical', message: 'person in water' };
      ws.send(JSON.stringify({ type: 'alert.created', seq: 1, data: alert }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logins: () => logins,
    close: () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('watchAlerts', () => {
  it('signs in again when its sign-in ends (4401, then 401 for the old token), and goes on reporting alerts', async () => {
    const api = await fakeApi();
    const alerts: string[] = [];
    const stop = await watchAlerts(api.url, 'admin', 'pw', (type, alert) => alerts.push(`${type} ${alert.id}`));
    try {
      const deadline = Date.now() + 8000;
      while (alerts.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(alerts).toEqual(['alert.created a1']); // before: none — it reconnected with the dead token for ever
    } finally {
      stop();
      await api.close();
    }
  });
});
