import { mkdtempSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { answerFor, type FileValidators, OpenedFile } from './served-file';

const read = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('OpenedFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-served-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures and reads the file it opened, whatever is renamed over the path afterwards (a re-cut)', async () => {
    const file = path.join(dir, 'al_1.mp4');
    const old = Buffer.alloc(5000, 1);
    writeFileSync(file, old);
    const whole = await OpenedFile.open(file);
    const part = await OpenedFile.open(file);
    const recut = path.join(dir, 'al_1.mp4.4711-0a1b2c3d.part');
    writeFileSync(recut, Buffer.alloc(9000, 2));
    renameSync(recut, file);

    expect(whole!.size).toBe(5000);
    expect(Buffer.compare(await read(whole!.stream()), old)).toBe(0);
    expect(Buffer.compare(await read(part!.stream({ start: 4000, end: 4999 })), old.subarray(4000))).toBe(0);
    const now = await OpenedFile.open(file);
    expect(now!.size).toBe(9000);
    expect(now!.validators.etag).not.toBe(whole!.validators.etag);
    await now!.close();
  });

  it('gives a strong ETag and the modification time; the same file twice, the same validators', async () => {
    const file = path.join(dir, 'al_2.jpg');
    writeFileSync(file, 'jpeg');
    utimesSync(file, new Date('2026-03-01T10:00:00.250Z'), new Date('2026-03-01T10:00:00.250Z'));
    const a = (await OpenedFile.open(file))!;
    const b = (await OpenedFile.open(file))!;
    expect(a.validators.etag).toMatch(/^"[0-9a-f]+-4-[0-9a-f]+"$/);
    expect(a.validators.etag.slice(1).split('-')[0]).toBe(statSync(file).ino.toString(16));
    expect(a.validators).toEqual(b.validators);
    expect(a.validators.lastModified).toBe('Sun, 01 Mar 2026 10:00:00 GMT');
    await Promise.all([a.close(), b.close()]);
  });

  it('is null for a file that is gone (retention) or not a file', async () => {
    const file = path.join(dir, 'gone.mp4');
    writeFileSync(file, 'x');
    unlinkSync(file);
    expect(await OpenedFile.open(file)).toBeNull();
    await mkdir(path.join(dir, 'a-dir'));
    expect(await OpenedFile.open(path.join(dir, 'a-dir'))).toBeNull();
  });
});

describe('answerFor (conditional and range requests, RFC 9110 §13)', () => {
  const v: FileValidators = { etag: '"1f-3e8-abc"', lastModified: 'Sun, 01 Mar 2026 10:00:00 GMT' };
  const size = 1000;

  it('answers ranges as parsed, the whole file without one', () => {
    expect(answerFor({}, size, v)).toEqual({ status: 200 });
    expect(answerFor({ range: 'bytes=0-99' }, size, v)).toEqual({ status: 206, range: { start: 0, end: 99 } });
    expect(answerFor({ range: 'bytes=500-400' }, size, v)).toEqual({ status: 200 });
    expect(answerFor({ range: 'bytes=1000-' }, size, v)).toEqual({ status: 416 });
  });

  it('If-Range: the part only while the file is the one the client has; else the whole current file', () => {
    const range = 'bytes=100-199';
    expect(answerFor({ range, ifRange: v.etag }, size, v)).toEqual({ status: 206, range: { start: 100, end: 199 } });
    expect(answerFor({ range, ifRange: v.lastModified }, size, v)).toMatchObject({ status: 206 });
    expect(answerFor({ range, ifRange: '"1f-3e8-abd"' }, size, v)).toEqual({ status: 200 }); // re-cut since
    expect(answerFor({ range, ifRange: `W/${v.etag}` }, size, v)).toEqual({ status: 200 }); // weak never matches
    expect(answerFor({ range, ifRange: 'Sun, 01 Mar 2026 09:59:59 GMT' }, size, v)).toEqual({ status: 200 });
    expect(answerFor({ range, ifRange: 'not a date' }, size, v)).toEqual({ status: 200 });
    expect(answerFor({ range: 'bytes=5000-', ifRange: '"old"' }, size, v)).toEqual({ status: 200 }); // not 416: the new file, whole
    expect(answerFor({ ifRange: '"old"' }, size, v)).toEqual({ status: 200 }); // no Range: If-Range means nothing
  });

  it('If-None-Match: 304 when any listed tag matches (weakly) or *, before any range', () => {
    expect(answerFor({ ifNoneMatch: v.etag }, size, v)).toEqual({ status: 304 });
    expect(answerFor({ ifNoneMatch: `"x", W/${v.etag}` }, size, v)).toEqual({ status: 304 });
    expect(answerFor({ ifNoneMatch: '*' }, size, v)).toEqual({ status: 304 });
    expect(answerFor({ ifNoneMatch: v.etag, range: 'bytes=0-9' }, size, v)).toEqual({ status: 304 });
    expect(answerFor({ ifNoneMatch: '"1f-3e8-abd"', range: 'bytes=0-9' }, size, v)).toEqual({ status: 206, range: { start: 0, end: 9 } });
    expect(answerFor({ ifNoneMatch: '"1f-3e8-abd"' }, size, v)).toEqual({ status: 200 });
  });
});
