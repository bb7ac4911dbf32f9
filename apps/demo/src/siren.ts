import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SirenCall {
  cameraId: string;
  zoneName: string | null;
  severity: string;
  message: string;
  /** The X-Xueliang-Signature matched the body under the subscription's secret. */
  signed: boolean;
}

/**
 * A school's siren at the water, as the demo plays it: an HTTP receiver that "sounds" on every POST
 * (a real one cannot read the payload; the subscription's waters and alarmsOnly decide what reaches
 * it) and, unlike a real one, checks the signature and says what it sounded for.
 */
export class DemoSiren {
  private server: Server | null = null;
  private secret = '';

  async start(onCall: (call: SirenCall) => void): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(204).end();
        let data: Record<string, unknown>;
        try {
          data = (JSON.parse(body.toString('utf8')) as { data?: Record<string, unknown> }).data ?? {};
        } catch {
          return; // not a delivery: nothing to sound for, and no reason to stop the demo
        }
        onCall({
          cameraId: String(data.cameraId ?? ''),
          zoneName: typeof data.zoneName === 'string' ? data.zoneName : null,
          severity: String(data.severity ?? ''),
          message: String(data.message ?? ''),
          signed: this.verify(body, req.headers['x-xueliang-signature']),
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/siren`;
  }

  /** The secret the API returned when the subscription was created. */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  stop(): void {
    this.server?.close();
  }

  private verify(body: Buffer, header: string | string[] | undefined): boolean {
    if (typeof header !== 'string' || !this.secret) return false;
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`);
    const actual = Buffer.from(header);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
