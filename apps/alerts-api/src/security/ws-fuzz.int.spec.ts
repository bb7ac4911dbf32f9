import '../testing/nest-esm';
import { connect } from 'node:net';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { checkProperty, fuzzParameters, seedFor } from './fuzz/fuzz-parameters';
import { anyJson, anyString } from './fuzz/hostile-values';
import { startListeningApi, type ListeningApi } from './testing/listening-api';

// Property-based fuzzing of the WebSocket protocol (docs/realtime.md). Client frames — any JSON,
// protocol-shaped messages with hostile fields, broken JSON, binary, invalid UTF-8, frames over the
// 16 KiB limit — must each get a protocol answer (`error`, `pong`, a replay) or a clean close code,
// and the connection must still answer a ping afterwards unless it was closed: never a crash, an
// abnormal close (1006/1011) or a silent socket. The handshake, fed hostile query strings and
// credentials, answers 400/401 or upgrades — never 5xx, never hangs.

const { seed, numRuns } = fuzzParameters(100);
const ANSWER_MS = 5000;
/** Close codes a hostile client may get: 1003 unsupported data, 1007 invalid UTF-8, 1008 policy, 1009 too big, 4008 slow consumer. */
const CLEAN_CLOSES = [1003, 1007, 1008, 1009, 4008];
const SERVER_TYPES = new Set(['hello', 'error', 'pong', 'resync_required', 'alert.created', 'alert.updated', 'camera.status']);

type Frame = { text: string } | { binary: Uint8Array } | { invalidUtf8: Uint8Array };

const protocolShaped = fc
  .record({ type: fc.oneof(fc.constantFrom('resume', 'ping', 'pong', 'hello', 'subscribe', 'RESUME'), anyString), lastSeq: anyJson }, { requiredKeys: ['type'] })
  .map((m) => JSON.stringify(m));
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 3, arbitrary: protocolShaped.map((text) => ({ text })) },
  { weight: 2, arbitrary: anyJson.map((v) => ({ text: JSON.stringify(v) ?? 'null' })) },
  { weight: 2, arbitrary: anyString.map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"type":', '[', '{"type":"resume","lastSeq":1e999}', '{"type":"resume","lastSeq":-0}').map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array([0xff, 0xfe]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xed, 0xa0, 0x80])).map((invalidUtf8) => ({ invalidUtf8 })) },
  { weight: 1, arbitrary: fc.constantFrom(17 * 1024, 1024 * 1024).map((n) => ({ text: 'x'.repeat(n) })) },
);

interface Outcome {
  messages: unknown[];
  closeCode?: number;
  pong: boolean;
}

/** Opens a connection, sends the frames and a final ping, and waits for the pong or a close. */
function exchange(url: string, token: string, frames: Frame[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const outcome: Outcome = { messages: [], pong: false };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no pong and no close within ${ANSWER_MS} ms; got ${JSON.stringify(outcome.messages).slice(0, 300)}`));
    }, ANSWER_MS);
    const done = () => {
      clearTimeout(timer);
      ws.terminate();
      resolve(outcome);
    };
    ws.on('message', (data, isBinary) => {
      const message: unknown = isBinary ? { binary: true } : JSON.parse(String(data));
      outcome.messages.push(message);
      if ((message as { type?: string }).type === 'pong') {
        outcome.pong = true;
        done();
      }
    });
    ws.on('close', (code) => {
      outcome.closeCode = code;
      done();
    });
    ws.on('error', () => undefined); // the close event follows with the code
    ws.on('open', () => {
      for (const f of frames) {
        if ('text' in f) ws.send(f.text);
        else if ('binary' in f) ws.send(f.binary, { binary: true });
        else ws.send(f.invalidUtf8, { binary: false });
      }
      ws.send(JSON.stringify({ type: 'ping' }));
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`handshake refused: HTTP ${res.statusCode}`));
    });
  });
}

/** Status of a handshake: 101 when upgraded, else the HTTP status; rejects on no answer. */
function handshake(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`handshake not answered within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
    const finish = (status: number) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(status);
    };
    ws.on('open', () => finish(101));
    ws.on('unexpected-response', (_req, res) => finish(res.statusCode ?? 0));
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Sends one raw upgrade request (targets no client library would send) and returns the status line's code. */
function rawUpgrade(wsUrl: string, target: string): Promise<number> {
  const { hostname, port } = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`upgrade to ${target} not answered within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined); // the close follows
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
      if (status) resolve(Number(status[1]));
      else reject(new Error(`upgrade to ${target}: no HTTP answer (got ${JSON.stringify(answer.slice(0, 80))})`));
    });
    socket.end(
      `GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

describe('WebSocket protocol fuzzing', () => {
  let env: ListeningApi;
  let token: string;

  beforeAll(async () => {
    env = await startListeningApi();
    token = await env.api.world.token('op-a');
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`answers or cleanly closes on any client frames (${numRuns} runs, seed ${seed})`, async () => {
    const closes = new Map<number, number>();
    const failure = await checkProperty(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const outcome = await exchange(env.api.wsUrl, token, frames);
        const unknown = outcome.messages.filter((m) => !SERVER_TYPES.has((m as { type?: string }).type ?? ''));
        if (unknown.length) throw new Error(`unexpected server messages ${JSON.stringify(unknown).slice(0, 200)}`);
        if (!outcome.pong) {
          closes.set(outcome.closeCode ?? 0, (closes.get(outcome.closeCode ?? 0) ?? 0) + 1);
          if (!CLEAN_CLOSES.includes(outcome.closeCode ?? 0)) throw new Error(`closed with ${outcome.closeCode}, not a clean protocol close`);
        }
      }),
      { seed: seedFor(seed, 'ws frames'), numRuns },
    );
    if (failure) throw new Error(failure);
    process.stderr.write(`WebSocket fuzz: ${numRuns} connections, closes ${JSON.stringify(Object.fromEntries(closes))}, the rest answered the ping\n`);
    // The server is still there for a well-behaved client.
    const after = await exchange(env.api.wsUrl, token, [{ text: '{"type":"ping"}' }]);
    expect(after.pong).toBe(true);
  }, 120_000);

  it('answers upgrades to unparsable targets with 400 or 404 and stays up (one once ended the process)', async () => {
    const targets = ['/live/%E0', '/live/%', '/live/%E0%A4%A', 'http://[', '//[::1', '/ws/%E0', '/%FF', '/live/cam-a%00'];
    const answers: [string, number][] = [];
    for (const target of targets) answers.push([target, await rawUpgrade(env.api.wsUrl, target)]);
    expect(answers.filter(([, status]) => status !== 400 && status !== 404)).toEqual([]);
    const after = await exchange(env.api.wsUrl, token, [{ text: '{"type":"ping"}' }]);
    expect(after.pong).toBe(true);
  });

  it(`answers hostile handshakes with 101, 400 or 401 (${numRuns} runs, seed ${seed})`, async () => {
    const lastSeq = fc.option(fc.oneof(anyString, fc.constantFrom('0', '-1', '1e3', '99999999999999999', '1.5', '%00', '')), { nil: undefined });
    const credential = fc.oneof(fc.constant(token), fc.constant(`${token}x`), anyString, fc.constantFrom('xlk_', 'xlk_zz_zz', 'Bearer', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'));
    const where = fc.constantFrom('header', 'query', 'both', 'none');
    const failure = await checkProperty(
      fc.asyncProperty(lastSeq, credential, where, async (seq, cred, place) => {
        const url = new URL(env.api.wsUrl);
        if (seq !== undefined) url.searchParams.set('lastSeq', seq);
        if (place === 'query' || place === 'both') url.searchParams.set('token', cred);
        // Header values cannot carry control characters or non-Latin-1: the client library refuses those itself.
        const headerSafe = /^[\x20-\x7e]*$/.test(cred);
        const headers: Record<string, string> = (place === 'header' || place === 'both') && headerSafe ? { authorization: `Bearer ${cred}` } : {};
        const status = await handshake(url.toString(), headers);
        if (![101, 400, 401].includes(status)) throw new Error(`handshake answered ${status}`);
        const validSeq = seq === undefined || /^\d{1,16}$/.test(seq);
        if (status === 101 && !(validSeq && cred === token && place !== 'none')) throw new Error(`upgraded with lastSeq=${seq} and credential ${cred.slice(0, 20)}`);
      }),
      { seed: seedFor(seed, 'ws handshake'), numRuns },
    );
    if (failure) throw new Error(failure);
  }, 120_000);
});
