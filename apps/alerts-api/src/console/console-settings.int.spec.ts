import '../testing/nest-esm';
import { startTestApp, type TestApp } from '../testing/test-app';

describe('GET /console/settings.json (sqlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { DISPLAY_TIME_ZONE: 'Asia/Urumqi' });
  });
  afterAll(() => t?.close());

  it("gives the console, before any sign-in, the deployment's display time zone", async () => {
    const res = await t.http.get('/console/settings.json').expect(200);
    expect(res.body).toEqual({ timeZone: 'Asia/Urumqi' });
  });
});
