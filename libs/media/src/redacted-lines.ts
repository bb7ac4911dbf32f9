import { StringDecoder } from 'node:string_decoder';
import { redactText } from './redact';

/** A stderr line longer than this without its end is dropped whole (see RedactedLines). */
export const MAX_STDERR_LINE = 4096;

/**
 * A child's stderr, which arrives in chunks cut anywhere, as whole redacted lines. Redacting each
 * chunk on its own let a URL cut between two reads through: `rtsp://admin:pa` + `ss@10.0.0.7/live`
 * is two texts, and the second holds the password with no scheme to mark it as a URL. A line longer
 * than `maxLineLength` without its end is dropped whole, never cut for the same reason. Bytes are
 * decoded across chunks (a Chinese camera name cut in the middle of a character stays whole).
 */
export class RedactedLines {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** The line under way passed maxLineLength: skipped up to its end. */
  private skipping = false;

  constructor(private readonly maxLineLength = MAX_STDERR_LINE) {}

  /** The non-empty lines this chunk completes, redacted, without their line ends ('\n', '\r\n' or ffmpeg's progress '\r'). */
  push(chunk: Buffer | string): string[] {
    const parts = (this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))).split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    const lines: string[] = [];
    for (const line of parts) {
      if (!this.skipping && line && line.length <= this.maxLineLength) lines.push(redactText(line));
      this.skipping = false; // the long line ended here
    }
    if (this.partial.length > this.maxLineLength) {
      this.partial = '';
      this.skipping = true;
    }
    return lines;
  }

  /** The stream ended: its last line if it had no line end (and was not too long), redacted. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    const last = this.skipping || !rest || rest.length > this.maxLineLength ? [] : [redactText(rest)];
    this.partial = '';
    this.skipping = false;
    return last;
  }
}
