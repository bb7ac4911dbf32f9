import '../testing/nest-esm';
import { decodeCursor, encodeCursor } from './alerts.service';

describe('alert list cursors', () => {
  it('round-trip the position', () => {
    const cursor = encodeCursor({ startedAt: 1_795_000_000_000, id: 'cam-a:pond.enter:7:1795000000000' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ startedAt: 1_795_000_000_000, id: 'cam-a:pond.enter:7:1795000000000' });
  });

  it('refuse anything else', () => {
    for (const bad of ['', 'bogus', Buffer.from('[1]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});
