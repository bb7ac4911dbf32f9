import { isPhoneNumber, parseCamera } from './index';
import { configErrorMessage as messageOf } from './testing';

const camera = { id: 'pond-3', url: 'rtsp://cam/main' };

describe('camera site', () => {
  it('is optional, and keeps address, directions, coordinates, contacts in order and equipment', () => {
    expect(parseCamera(camera).site).toBeUndefined();
    const site = {
      address: '  青山村东鱼塘（村委会东 300 米） ',
      directions: '村委会门口往东\n过桥后左手边小路',
      location: { lat: 30.2741, lon: 120.1551 },
      contacts: [
        { name: '王建国', role: '网格员', phone: '138 0013 8000' },
        { name: '村医', phone: '0571-8888 6666 ext 12' },
      ],
      rescueEquipment: '救生圈 2 个在南岸凉亭柱上',
    };
    const parsed = parseCamera({ ...camera, site }).site;
    expect(parsed).toEqual({ ...site, address: '青山村东鱼塘（村委会东 300 米）' });
    expect(parseCamera({ ...camera, site: {} }).site).toEqual({ contacts: [] });
  });

  it('names the camera, the field and the bound when a site is wrong', () => {
    expect(messageOf({ ...camera, site: { location: { lat: 91, lon: 120 } } })).toMatch(/camera 'pond-3', site\.location\.lat: .*(got 91)/);
    expect(messageOf({ ...camera, site: { location: { lat: 30 } } })).toMatch(/camera 'pond-3', site\.location\.lon/);
    expect(messageOf({ ...camera, site: { contacts: [{ name: '王', phone: 'call the office' }] } })).toMatch(/camera 'pond-3', site\.contacts\[0\]\.phone: must be a phone number/);
    expect(messageOf({ ...camera, site: { contacts: Array.from({ length: 11 }, () => ({ name: 'a', phone: '110' })) } })).toMatch(/site\.contacts: .*10/);
    expect(messageOf({ ...camera, site: { address: 'x'.repeat(201) } })).toMatch(/site\.address: .*200/);
    expect(messageOf({ ...camera, site: { address: '   ' } })).toMatch(/site\.address/);
    expect(messageOf({ ...camera, site: { address: 'a\u0007b' } })).toMatch(/site\.address: must not contain control characters/);
    expect(messageOf({ ...camera, site: { mapUrl: 'http://x' } })).toMatch(/camera 'pond-3', site: .*mapUrl/);
  });

  it('takes the numbers people write, and nothing else, as phone numbers', () => {
    for (const ok of ['110', '120', '13800138000', '+86 138 0013 8000', '(0571) 8888-6666', '0571-88886666,123', '0571 8888 6666 ext. 5']) {
      expect({ ok, match: isPhoneNumber(ok) }).toEqual({ ok, match: true });
    }
    for (const bad of ['', '1', '12', '(()', 'abc', '138 0013 8000; rm -rf', 'tel:110', '++86 1', '1'.repeat(30)]) {
      expect({ bad, match: isPhoneNumber(bad) }).toEqual({ bad, match: false });
    }
  });
});
