import { redactText, redactUrl } from './redact';

describe('redactUrl', () => {
  it('hides user and password', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.7:554/Streaming/Channels/102')).toBe(
      'rtsp://***:***@10.0.0.7:554/Streaming/Channels/102',
    );
    expect(redactUrl('rtsps://viewer@cam.example/live')).toBe('rtsps://***@cam.example/live');
  });

  it('leaves URLs without credentials alone', () => {
    expect(redactUrl('rtsp://127.0.0.1:8554/cam')).toBe('rtsp://127.0.0.1:8554/cam');
    expect(redactUrl('/var/clips/x.mp4')).toBe('/var/clips/x.mp4');
  });

  it("hides the whole user info when the password holds an unescaped '@' or '/'", () => {
    const out = redactUrl('rtsp://admin:p@ss/w0rd@10.0.0.7/ch1');
    expect(out).not.toMatch(/p@ss|w0rd|admin/);
    expect(out.startsWith('rtsp://***')).toBe(true);
    expect(redactUrl('rtsp://admin:p@ss@host/x')).toBe('rtsp://***:***@host/x');
  });

  it("hides a password holding an unescaped '#' (no camera URL has a fragment)", () => {
    expect(redactUrl('rtsp://admin:123#abc@10.0.0.7/ch1')).toBe('rtsp://***:***@10.0.0.7/ch1');
    expect(redactText("Input #0 from 'rtsp://admin:123#abc@10.0.0.7/ch1': 401")).toBe("Input #0 from 'rtsp://***:***@10.0.0.7/ch1': 401");
  });

  it('hides secret query parameters (Dahua-style ?user=&password=)', () => {
    expect(redactUrl('rtsp://10.0.0.8/cam/realmonitor?channel=1&user=admin&password=hunter2&subtype=1')).toBe(
      'rtsp://10.0.0.8/cam/realmonitor?channel=1&user=***&password=***&subtype=1',
    );
  });
});

describe('redactText', () => {
  // The URL schema allows every printable character but space in a password; ffmpeg prints URLs raw.
  const hostile = ["p'ss", 'p"ss', 'p<ss>', "a'b\"c<d>e", 'p?ss', 'x@y?z', "p'ss@w0rd", 'q://r'];

  it.each(hostile)('hides a password holding %s in an ffmpeg line and in quotes', (password) => {
    const url = `rtsp://admin:${password}@10.0.0.7/live`;
    for (const line of [`${url}: Connection refused`, `Input #0, rtsp, from '${url}':`, `"${url}" <${url}>`]) {
      const out = redactText(line);
      expect(out).not.toContain(password);
      expect(out).not.toContain('admin');
      expect(out).toContain('***');
    }
    expect(redactText(`${url}: Connection refused`)).toBe('rtsp://***:***@10.0.0.7/live: Connection refused');
  });

  it('redacts every URL inside a line of text', () => {
    const line = "Input #0, rtsp, from 'rtsp://admin:hunter2@10.0.0.7/a': then rtsp://u:p@h2/b failed";
    const out = redactText(line);
    expect(out).toBe("Input #0, rtsp, from 'rtsp://***:***@10.0.0.7/a': then rtsp://***:***@h2/b failed");
    expect(out).not.toContain('hunter2');
  });
});
