import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';

export interface GarbageServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that answers every connection with 1 KiB of random bytes, then closes it. */
export function startGarbageServer(): Promise<GarbageServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Closing after the bytes makes ffmpeg fail in ~0.1 s; an open socket costs it the full -timeout.
    socket.end(randomBytes(1024));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('garbage server has no TCP address'));
      const port = address.port;
      resolve({
        url: `rtsp://127.0.0.1:${port}/garbage`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
