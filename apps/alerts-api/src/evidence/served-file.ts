import type { ReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { type ByteRange, parseByteRange } from './byte-range';

/** Validators of one version of a file (RFC 9110 §8.8). */
export interface FileValidators {
  /** Strong: inode, size and modification time, so a re-cut renamed over the path never matches. */
  etag: string;
  /** IMF-fixdate of the modification time. */
  lastModified: string;
}

/** The request headers a file answer depends on. */
export interface FileRequest {
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
}

export type FileAnswer = { status: 200 } | { status: 206; range: ByteRange } | { status: 304 } | { status: 416 };

/**
 * An evidence file opened once: its size, its validators and the bytes sent all come from this
 * handle, so a re-cut renamed over the path meanwhile cannot pair one file's length with another's body.
 */
export class OpenedFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly validators: FileValidators,
  ) {}

  /** The file at `path`, or null when it is gone (retention deleted it since it was looked up) or not a file. */
  static async open(path: string): Promise<OpenedFile | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) {
        await handle.close();
        return null;
      }
      const mtimeMs = Number(st.mtimeMs);
      const etag = `"${st.ino.toString(16)}-${st.size.toString(16)}-${st.mtimeNs.toString(16)}"`;
      return new OpenedFile(handle, Number(st.size), { etag, lastModified: new Date(mtimeMs).toUTCString() });
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  /** The bytes (both ends inclusive; all without a range). Closes the file when it ends or is destroyed. */
  stream(range?: ByteRange): ReadStream {
    return this.handle.createReadStream({ start: range?.start ?? 0, end: range?.end, autoClose: true });
  }

  /** For answers without a body. */
  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * What to answer a GET of a file of `size` bytes whose current validators are `current`, in RFC 9110's
 * order (§13.2.2): If-None-Match (304), then Range, which If-Range voids when the file has changed
 * since the client's first part (200 with the whole file, not a part of another file).
 */
export function answerFor(request: FileRequest, size: number, current: FileValidators): FileAnswer {
  if (request.ifNoneMatch !== undefined && noneMatchFails(request.ifNoneMatch, current.etag)) return { status: 304 };
  if (!request.range) return { status: 200 };
  if (request.ifRange !== undefined && !ifRangeHolds(request.ifRange, current)) return { status: 200 };
  const wanted = parseByteRange(request.range, size);
  if (wanted === 'all') return { status: 200 };
  if (wanted === 'unsatisfiable') return { status: 416 };
  return { status: 206, range: wanted };
}

/** If-None-Match: `*` or a list of entity tags, compared weakly (§13.1.2). True: the client's copy is current. */
function noneMatchFails(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === opaque(etag));
}

/** If-Range (§13.1.5): a strong entity tag match, or a date exactly the Last-Modified; a weak tag never holds. */
function ifRangeHolds(header: string, current: FileValidators): boolean {
  const value = header.trim();
  if (value.startsWith('"')) return value === current.etag;
  if (value.startsWith('W/')) return false;
  const date = Date.parse(value);
  return Number.isFinite(date) && date === Date.parse(current.lastModified);
}
