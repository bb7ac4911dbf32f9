import '../testing/nest-esm';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StreamableFile } from '@nestjs/common';
import type { AlertsRepository } from '../alerts/alerts.repository';
import type { ScopeService } from '../auth/scope.service';
import type { Principal } from '../shared/principal';
import { EvidenceController } from './evidence.controller';
import { EvidenceFiles } from './evidence-files';
import type { EvidenceOptions } from './evidence.options';
import type { EvidenceRecord, EvidenceRepository } from './evidence.repository';

/** What the controller sets on express's response. */
class FakeResponse {
  code = 200;
  headers: Record<string, string> = {};
  ended = false;
  status(code: number) {
    this.code = code;
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
  end() {
    this.ended = true;
  }
}

const bytesOf = async (file: StreamableFile | undefined): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of file!.getStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('EvidenceController: serving a clip that is re-cut meanwhile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-evidence-serve-'));
  const clipPath = 'clips/cam-1/al_1.mp4';
  const snapshotPath = 'snapshots/cam-1/al_1.jpg';
  const principal = { role: 'admin' } as Principal;
  const controller = new EvidenceController(
    { get: async (id: string) => ({ id, cameraId: 'cam-1' }) } as unknown as AlertsRepository,
    { assertAlert: async () => undefined } as unknown as ScopeService,
    { get: async () => ({ clip_path: clipPath, snapshot_path: snapshotPath }) as EvidenceRecord } as unknown as EvidenceRepository,
    new EvidenceFiles({ EVIDENCE_DIR: dir } as EvidenceOptions),
  );
  const get = async (route: 'clip' | 'hiresSnapshot', headers: IncomingHttpHeaders = {}) => {
    const res = new FakeResponse();
    const body = await controller[route](principal, 'al-1', headers, res);
    return { res, body };
  };
  /** What ingest does on a re-cut: a file written aside, renamed over the clip. */
  const cut = (rel: string, data: Buffer) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.4711-0a1b2c3d.part`, data);
    renameSync(`${file}.4711-0a1b2c3d.part`, file);
  };
  const first = Buffer.alloc(4000, 1);
  const second = Buffer.alloc(7000, 2);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends the length and the bytes of one file, even when a re-cut lands between the answer and the body', async () => {
    cut(clipPath, first);
    const whole = await get('clip');
    const part = await get('clip', { range: 'bytes=3000-' });
    cut(clipPath, second); // before a single byte of either body was read
    expect(whole.res.code).toBe(200);
    expect(whole.body!.getHeaders()).toMatchObject({ type: 'video/mp4', length: first.length });
    expect(Buffer.compare(await bytesOf(whole.body), first)).toBe(0);
    expect(part.res.code).toBe(206);
    expect(part.res.headers['content-range']).toBe(`bytes 3000-3999/${first.length}`);
    expect(Buffer.compare(await bytesOf(part.body), first.subarray(3000))).toBe(0);
  });

  it('names the version it sent (ETag, Last-Modified), and a seek after a re-cut gets the new clip whole', async () => {
    cut(clipPath, first);
    const before = await get('clip', { range: 'bytes=0-99' });
    await bytesOf(before.body);
    const etag = before.res.headers.etag;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(before.res.headers['last-modified']).toUTCString()).toBe(before.res.headers['last-modified']);
    expect(before.res.headers).toMatchObject({ 'accept-ranges': 'bytes', 'cache-control': 'private, no-cache' });

    const same = await get('clip', { range: 'bytes=100-199', 'if-range': etag });
    expect(same.res.code).toBe(206);
    expect(Buffer.compare(await bytesOf(same.body), first.subarray(100, 200))).toBe(0);

    cut(clipPath, second);
    const seek = await get('clip', { range: 'bytes=200-299', 'if-range': etag });
    expect(seek.res.code).toBe(200);
    expect(seek.res.headers['content-range']).toBeUndefined();
    expect(seek.res.headers.etag).not.toBe(etag);
    expect(Buffer.compare(await bytesOf(seek.body), second)).toBe(0);
  });

  it('answers 304 to a client whose copy is current, and sends it again once re-cut', async () => {
    cut(clipPath, first);
    const { res, body } = await get('clip');
    body!.getStream().destroy(); // what Nest does when the client goes: closes the file
    const again = await get('clip', { 'if-none-match': res.headers.etag });
    expect(again.res).toMatchObject({ code: 304, ended: false });
    expect(again.body).toBeUndefined();
    cut(clipPath, second);
    const changed = await get('clip', { 'if-none-match': res.headers.etag });
    expect(changed.res.code).toBe(200);
    expect(Buffer.compare(await bytesOf(changed.body), second)).toBe(0);
  });

  it('ignores an invalid range (the whole clip) and answers 416 to one past the end', async () => {
    cut(clipPath, first);
    const invalid = await get('clip', { range: 'bytes=500-400' });
    expect(invalid.res.code).toBe(200);
    expect(Buffer.compare(await bytesOf(invalid.body), first)).toBe(0);
    const beyond = await get('clip', { range: `bytes=${first.length}-` });
    expect(beyond.res).toMatchObject({ code: 416, ended: false });
    expect(beyond.res.headers['content-range']).toBe(`bytes */${first.length}`);
  });

  it('serves the high-resolution snapshot the same way', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    cut(snapshotPath, jpeg);
    const { res, body } = await get('hiresSnapshot');
    expect(body!.getHeaders()).toMatchObject({ type: 'image/jpeg', length: 4 });
    expect(Buffer.compare(await bytesOf(body), jpeg)).toBe(0);
    expect(res.headers.etag).toBeDefined();
    expect((await get('hiresSnapshot', { 'if-none-match': res.headers.etag })).res.code).toBe(304);
  });

  it('is 404 when the file is gone (retention)', async () => {
    rmSync(path.join(dir, clipPath));
    await expect(get('clip')).rejects.toThrow("alert 'al-1' has no clip");
  });
});
