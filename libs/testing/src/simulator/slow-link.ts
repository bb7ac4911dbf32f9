// A congested uplink between a camera and ingest: a TCP relay on 127.0.0.1 whose camera → ingest
// direction can be held to a byte rate, as a village 4G link does when it carries less than the
// stream's bitrate. The RTSP session runs over the relay's one connection (ffmpeg sends every request
// on it, whatever host the server names), so the whole stream is slowed.
import { connect, createServer, type Socket } from 'node:net';

export interface SlowLink {
  /** The camera's URL through the relay. */
  url: string;
  /** Bytes per second from the camera from now on; null lifts the limit (the backlog flows at once). */
  setRate(bytesPerSecond: number | null): void;
  close(): Promise<void>;
}

/** Relays `cameraUrl`'s host and port through a local port. */
export function startSlowLink(cameraUrl: string): Promise<SlowLink> {
  const target = new URL(cameraUrl);
  let rate: number | null = null;
  const pumps = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const camera = connect(Number(target.port || 554), target.hostname);
    for (const s of [client, camera]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => camera.destroy());
    camera.on('close', () => client.destroy());
    client.pipe(camera);
    const queue: Buffer[] = [];
    let allowance = 0;
    let last = Date.now();
    let timer: NodeJS.Timeout | null = null;
    const pump = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const now = Date.now();
      allowance = rate === null ? Infinity : Math.min(allowance + (rate * (now - last)) / 1000, rate);
      last = now;
      while (queue.length && allowance > 0) {
        const head = queue[0];
        const n = Math.min(head.length, allowance);
        client.write(n === head.length ? head : head.subarray(0, n));
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
        allowance -= n;
      }
      if (queue.length && !timer) timer = setTimeout(pump, 20);
    };
    pumps.add(pump);
    client.on('close', () => {
      pumps.delete(pump);
      if (timer) clearTimeout(timer);
    });
    camera.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      if (!timer) pump();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('slow link has no TCP address'));
      const url = new URL(cameraUrl);
      url.hostname = '127.0.0.1';
      url.port = String(address.port);
      resolve({
        url: url.toString(),
        setRate: (bytesPerSecond) => {
          rate = bytesPerSecond;
          for (const pump of pumps) pump();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
