import { redactText } from '@xl/media';
import { hasCredentials, redactUrl, restoreRedacted } from './redact';

const XMEYE = 'rtsp://192.168.1.10:554/user=admin&password=Pond2024&channel=1&stream=0.sdp?real_stream';
const XMEYE_HASH = 'rtsp://192.168.1.10:554/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp?real_stream';

describe('camera URL redaction', () => {
  it('masks the password and secret query parameters but keeps the rest', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.1:554/ch1?password=p4ss&channel=2')).toBe(
      'rtsp://admin:***@10.0.0.1:554/ch1?password=***&channel=2',
    );
    expect(redactUrl('rtsp://10.0.0.1/ch1')).toBe('rtsp://10.0.0.1/ch1');
    expect(redactUrl('not a url //user:pw@host/x')).toBe('not a url //***@host/x');
  });

  it("masks a password holding an unescaped '#', which the URL parser would take for a port and a fragment", () => {
    expect(redactUrl('rtsp://admin:123#abc@10.0.0.1/ch1')).toBe('rtsp://***@10.0.0.1/ch1');
    expect(hasCredentials('rtsp://admin:123#abc@10.0.0.1/ch1')).toBe(true);
  });

  it('tells whether a URL carries credentials', () => {
    expect(hasCredentials('rtsp://admin:x@h/')).toBe(true);
    expect(hasCredentials('rtsp://h/?pwd=1')).toBe(true);
    expect(hasCredentials('rtsp://h/main')).toBe(false);
  });

  it('keeps the stored password when the client sends the redacted URL back', () => {
    const stored = 'rtsp://admin:s3cret@10.0.0.1/ch1?token=abc';
    expect(restoreRedacted(redactUrl(stored), stored)).toBe(stored);
    expect(restoreRedacted('rtsp://admin:new@10.0.0.2/ch1', stored)).toBe('rtsp://admin:new@10.0.0.2/ch1');
    expect(restoreRedacted('rtsp://admin:***@10.0.0.1/ch1', undefined)).toBe('rtsp://admin:***@10.0.0.1/ch1');
    expect(restoreRedacted('rtsp://admin:***@10.0.0.1/ch2?token=***', stored)).toBe('rtsp://admin:s3cret@10.0.0.1/ch2?token=abc'); // another path: same device
  });

  it('never sends the stored secret to another scheme, host, port or user', () => {
    const stored = 'rtsp://admin:s3cret@10.0.0.1/ch1?token=abc';
    expect(restoreRedacted('rtsp://admin:***@attacker.example/x', stored)).toBeNull();
    expect(restoreRedacted('rtsp://admin:***@10.0.0.1:8554/ch1', stored)).toBeNull();
    expect(restoreRedacted('rtsps://admin:***@10.0.0.1/ch1', stored)).toBeNull();
    expect(restoreRedacted('rtsp://root:***@10.0.0.1/ch1', stored)).toBeNull();
    expect(restoreRedacted('rtsp://10.9.9.9/ch1?token=***', stored)).toBeNull();
    expect(restoreRedacted('rtsp://admin:new@10.0.0.9/ch1', stored)).toBe('rtsp://admin:new@10.0.0.9/ch1'); // a new password goes anywhere
  });

  // 2026-12-03 (input-security review): only the user info and query parameters were looked at, so
  // GET /cameras showed these passwords to schools and viewers, with hasCredentials: false.
  it('hides a password written in the path (Xiongmai / XMEye URLs)', () => {
    for (const url of [XMEYE, XMEYE_HASH]) {
      expect(redactUrl(url)).not.toMatch(/Pond2024|tlJwpbo6/);
      expect(hasCredentials(url)).toBe(true);
      // what ingest's status detail is made of (ffmpeg prints the URL on "Connection refused")
      expect(redactText(`${url}: Connection refused`)).not.toMatch(/Pond2024|tlJwpbo6/);
    }
    expect(redactUrl(XMEYE)).toBe('rtsp://192.168.1.10:554/user=***&password=***&channel=1&stream=0.sdp?real_stream');
    expect(redactUrl(XMEYE_HASH)).toBe('rtsp://192.168.1.10:554/user=***_password=***_channel=1_stream=0.sdp?real_stream');
    expect(redactUrl('not a url //user:pw@host/x?password=p4ss')).toBe('not a url //***@host/x?password=***');
    expect(hasCredentials('rtsp://10.0.0.1:554/Streaming/Channels/102?transportmode=unicast')).toBe(false);
  });

  it('keeps the stored path secrets when the client sends the redacted URL back', () => {
    for (const url of [XMEYE, XMEYE_HASH]) expect(restoreRedacted(redactUrl(url), url)).toBe(url);
    // another channel of the same device: the password stays, the new channel is taken
    expect(restoreRedacted('rtsp://192.168.1.10:554/user=***_password=***_channel=2_stream=1.sdp?real_stream', XMEYE_HASH)).toBe(
      'rtsp://192.168.1.10:554/user=admin_password=tlJwpbo6_channel=2_stream=1.sdp?real_stream',
    );
    // a new password is taken as given; a pair the stored URL lacks keeps its ***
    expect(restoreRedacted('rtsp://192.168.1.10:554/user=***&password=n3w&channel=1', XMEYE)).toBe('rtsp://192.168.1.10:554/user=admin&password=n3w&channel=1');
    expect(restoreRedacted('rtsp://192.168.1.10:554/live?pwd=***', XMEYE)).toBe('rtsp://192.168.1.10:554/live?pwd=***');
    // matched by name and place: the second token is the stored second one
    expect(restoreRedacted('rtsp://h/a?token=***&x=1&token=***', 'rtsp://h/a?token=one&x=1&token=two')).toBe('rtsp://h/a?token=one&x=1&token=two');
  });

  it('never sends a stored path secret to another host', () => {
    expect(restoreRedacted('rtsp://attacker.example:554/user=***&password=***&channel=1', XMEYE)).toBeNull();
    expect(restoreRedacted('rtsp://192.168.1.10:8554/user=admin_password=***_channel=1', XMEYE_HASH)).toBeNull();
  });
});
