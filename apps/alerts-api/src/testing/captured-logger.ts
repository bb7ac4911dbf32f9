import { Writable } from 'node:stream';
import pino, { type Level } from 'pino';

/** A pino logger whose lines (JSON text) are pushed onto `lines`: for specs that assert what was logged. */
export function capturedLogger(lines: string[], level: Level = 'info'): pino.Logger {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return pino({ level }, sink);
}
