import { redactSecretParams, redactText, redactUrl, secretParams } from './redact';

const XMEYE = 'rtsp://192.168.1.10:554/user=admin&password=Pond2024&channel=1&stream=0.sdp?real_stream';
const XMEYE_HASH = 'rtsp://192.168.1.10:554/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp?real_stream';

describe('redactUrl', () => {
  it('hides user and password', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.7:554/Streaming/Channels/102')).toBe(
      'rtsp://***:***@10.0.0.7:554/Streaming/Channels/102',
    );
    expect(redactUrl('rtsps://viewer@cam.example/live')).toBe('rtsps://***@cam.example/live');
  });

  it("hides the authority of a URL cut before its '@' (a user and the start of a password where a host would be), not a host's port", () => {
    expect(redactUrl('rtsp://admin:Pond')).toBe('rtsp://***');
    expect(redactUrl('rtsp://admin:p/ss')).toBe('rtsp://***');
    expect(redactText('open rtsp://admin:Po failed')).toBe('open rtsp://*** failed');
    expect(redactUrl('rtsp://10.0.0.7:554/Streaming/Channels/102')).toBe('rtsp://10.0.0.7:554/Streaming/Channels/102');
    expect(redactUrl('rtsp://[fe80::1]:554/x')).toBe('rtsp://[fe80::1]:554/x');
    expect(redactUrl('rtsp://cam.example:/x')).toBe('rtsp://cam.example:/x');
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

  it('hides the Foscam and Wansview names for them too (usr, pwd, loginuse, loginpas)', () => {
    expect(redactUrl('http://10.0.0.9:88/cgi-bin/CGIStream.cgi?cmd=GetMJStream&usr=admin&pwd=hunter2')).toBe('http://10.0.0.9:88/cgi-bin/CGIStream.cgi?cmd=GetMJStream&usr=***&pwd=***');
    expect(redactUrl('rtsp://10.0.0.9/videostream.asf?loginuse=admin&loginpas=hunter2&resolution=32')).toBe('rtsp://10.0.0.9/videostream.asf?loginuse=***&loginpas=***&resolution=32');
  });

  // 2026-12-02: the user info ran to the last '@' of the whole URL, so an '@' in the query printed the
  // password after it and hid the host instead.
  it("takes an '@' in a query value for the value's, not for the end of a user info", () => {
    expect(redactUrl('rtsp://10.0.0.8/cam/realmonitor?channel=1&user=ops@plant&password=hunter2')).toBe(
      'rtsp://10.0.0.8/cam/realmonitor?channel=1&user=***&password=***',
    );
    expect(redactUrl('rtsp://10.0.0.8/cam/realmonitor?channel=1&password=hunter2&user=ops@plant')).toBe(
      'rtsp://10.0.0.8/cam/realmonitor?channel=1&password=***&user=***',
    );
    expect(redactUrl('rtsp://10.0.0.8/live?token=abc@def')).toBe('rtsp://10.0.0.8/live?token=***');
    expect(redactUrl('rtsp://10.0.0.8:554/live?token=abc@def&channel=1')).toBe('rtsp://10.0.0.8:554/live?token=***&channel=1');
    expect(redactUrl('rtsp://admin:hunter2@10.0.0.8/live?token=abc@def')).toBe('rtsp://***:***@10.0.0.8/live?token=***');
    expect(redactText("Input #0, rtsp, from 'rtsp://10.0.0.8/live?token=abc@def': 401 Unauthorized")).toBe(
      "Input #0, rtsp, from 'rtsp://10.0.0.8/live?token=*** 401 Unauthorized",
    );
  });

  it('hides a secret query value holding hostile characters, up to the next parameter', () => {
    for (const value of ["p'ss", 'p@ss/w0rd', 'x@y?z', 'q://r@h/x', '123#abc@h']) {
      const out = redactUrl(`rtsp://10.0.0.8/cam?password=${value}&channel=1`);
      expect(out).toBe('rtsp://10.0.0.8/cam?password=***&channel=1');
    }
  });

  it('hides more, never less, where a password could be read as a query', () => {
    // 'p?pwd=x' as a password: the URL does not begin with a host, so the '@' in that "value" may end the user info.
    const out = redactUrl('rtsp://admin:p?pwd=x@10.0.0.7/live');
    expect(out).not.toMatch(/admin|p\?|x@/);
    expect(out.startsWith('rtsp://***:***@')).toBe(true);
    // No host to be seen after the '@' (text around the URL): the last '@' still ends the user info.
    expect(redactUrl('rtsp://admin:pw@cam!')).toBe('rtsp://***:***@cam!');
  });
  // 2026-12-03 (input-security review): the underscore form (XMEye's password hash) was printed in
  // clear, e.g. in the offline status detail "rtsp://…/user=admin_password=tlJwpbo6_…: Connection refused".
  it('hides a user and password written in the path (Xiongmai / XMEye URLs), and keeps channel and stream', () => {
    expect(redactUrl(XMEYE)).toBe('rtsp://192.168.1.10:554/user=***&password=***&channel=1&stream=0.sdp?real_stream');
    expect(redactUrl(XMEYE_HASH)).toBe('rtsp://192.168.1.10:554/user=***_password=***_channel=1_stream=0.sdp?real_stream');
    expect(redactUrl('rtsp://10.0.0.9/live;password=hunter2')).toBe('rtsp://10.0.0.9/live;password=***');
    expect(redactUrl('rtsp://10.0.0.9/password=hunter2/live.sdp')).toBe('rtsp://10.0.0.9/password=***'); // the rest of the path may be the password's
    expect(redactUrl('rtsps://cam.example/live?access_token=abc')).toBe('rtsps://cam.example/live?access_token=***');
  });

  it("runs a value written after '?' or '&' to the next '&', whatever it holds", () => {
    expect(redactUrl('rtsp://10.0.0.8/cam?password=a_b=c&channel=1')).toBe('rtsp://10.0.0.8/cam?password=***&channel=1');
    expect(redactUrl('rtsp://10.0.0.8/cam?password=x_pwd=y&pwd=2')).toBe('rtsp://10.0.0.8/cam?password=***&pwd=***');
  });
});

describe('secretParams and redactSecretParams', () => {
  it('find the secret pairs wherever they stand, leaving the user info alone', () => {
    const url = 'rtsp://admin:***@10.0.0.1/user=ops_password=h4sh_channel=2?token=t0k&x=1';
    expect(secretParams(url).map((p) => [p.name, url.slice(p.start, p.end)])).toEqual([
      ['user', 'ops'],
      ['password', 'h4sh'],
      ['token', 't0k'],
    ]);
    expect(redactSecretParams(url)).toBe('rtsp://admin:***@10.0.0.1/user=***_password=***_channel=2?token=***&x=1');
    expect(secretParams('rtsp://10.0.0.1:554/Streaming/Channels/102?transportmode=unicast')).toEqual([]);
  });

  it('leave out a pair inside another one\'s value', () => {
    const url = 'rtsp://h/cam?password=x_pwd=y&pwd=2';
    expect(secretParams(url).map((p) => [p.name, url.slice(p.start, p.end)])).toEqual([
      ['password', 'x_pwd=y'],
      ['pwd', '2'],
    ]);
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

  it.each(hostile)("hides a password holding %s and a query value holding '@' in the same URL", (password) => {
    const url = `rtsp://admin:${password}@10.0.0.7/live?channel=1&user=ops@plant&token=abc@def`;
    expect(redactUrl(url)).toBe('rtsp://***:***@10.0.0.7/live?channel=1&user=***&token=***');
    expect(redactText(`${url} failed`)).toBe('rtsp://***:***@10.0.0.7/live?channel=1&user=***&token=*** failed');
  });

  it('hides a path password in the line ffmpeg prints when the camera refuses the connection (the offline status detail)', () => {
    expect(redactText(`${XMEYE_HASH}: Connection refused`)).toBe('rtsp://192.168.1.10:554/user=***_password=***_channel=1_stream=0.sdp?real_stream: Connection refused');
    expect(redactText(`${XMEYE}: Connection refused`)).not.toMatch(/admin|Pond2024/);
  });

  it('redacts every URL inside a line of text', () => {
    const line = "Input #0, rtsp, from 'rtsp://admin:hunter2@10.0.0.7/a': then rtsp://u:p@h2/b failed";
    const out = redactText(line);
    expect(out).toBe("Input #0, rtsp, from 'rtsp://***:***@10.0.0.7/a': then rtsp://***:***@h2/b failed");
    expect(out).not.toContain('hunter2');
  });
});
