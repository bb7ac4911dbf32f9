import { hasCredentials, redactUrl, restoreRedacted } from './redact';

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
});
