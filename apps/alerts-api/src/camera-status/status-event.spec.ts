import { OFFLINE_REASONS } from '@xl/contracts';
import { parseStatusEntry } from './status-event';

describe('camera status stream entries', () => {
  it('reads a JSON event in one field', () => {
    const event = { cameraId: 'cam-1', status: 'offline', reason: 'refused', at: 1700000000000, ingestId: 'i1' };
    expect(parseStatusEntry(['event', JSON.stringify(event)])).toEqual(event);
  });

  it('reads flat fields, coercing the time', () => {
    expect(parseStatusEntry(['cameraId', 'cam-1', 'status', 'online', 'at', '1700000000000', 'ingestId', 'i2'])).toEqual({
      cameraId: 'cam-1',
      status: 'online',
      at: 1700000000000,
      ingestId: 'i2',
    });
  });

  it('accepts every reason ingest can send, and no other', () => {
    const at = 1700000000000;
    for (const reason of OFFLINE_REASONS) {
      expect(parseStatusEntry(['event', JSON.stringify({ cameraId: 'c', status: 'offline', reason, at })])).toMatchObject({ reason });
    }
    expect(parseStatusEntry(['event', JSON.stringify({ cameraId: 'c', status: 'offline', reason: 'asleep', at })])).toBeNull();
  });

  it('rejects entries that are not status events', () => {
    expect(parseStatusEntry(['event', '{"cameraId":"c"}'])).toBeNull();
    expect(parseStatusEntry(['event', '{not json'])).toBeNull();
    expect(parseStatusEntry(['cameraId', 'c', 'status', 'sleeping', 'at', '1'])).toBeNull();
  });
});
