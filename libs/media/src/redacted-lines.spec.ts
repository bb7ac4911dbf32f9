import { RedactedLines } from './redacted-lines';

const LINE = "[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized\nrtsp://admin:Pond2024@10.0.0.7:554/sub: Server returned 401 Unauthorized\n";

describe('RedactedLines', () => {
  it('hides a password whatever two reads the stderr was cut into', () => {
    const whole = Buffer.from(LINE);
    for (let cut = 1; cut < whole.length; cut++) {
      const lines = new RedactedLines();
      const out = [...lines.push(whole.subarray(0, cut)), ...lines.push(whole.subarray(cut)), ...lines.end()];
      expect(out).toEqual(['[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized', 'rtsp://***:***@10.0.0.7:554/sub: Server returned 401 Unauthorized']);
    }
  });

  it('keeps a character cut between reads whole, and the last line without its end', () => {
    const text = Buffer.from('东湖村鱼塘 rtsp://u:p@h/x');
    const lines = new RedactedLines();
    expect([...lines.push(text.subarray(0, 4)), ...lines.push(text.subarray(4))]).toEqual([]);
    expect(lines.end()).toEqual(['东湖村鱼塘 rtsp://***:***@h/x']);
  });

  it('hides what a last line cut inside a URL holds (ffmpeg killed between two writes)', () => {
    const lines = new RedactedLines();
    expect(lines.push('[tcp @ 0x1] Connection to rtsp://admin:Pond')).toEqual([]);
    expect(lines.end()).toEqual(['[tcp @ 0x1] Connection to rtsp://***']);
  });

  it("splits on '\\r' (progress lines) and '\\r\\n', dropping empty lines", () => {
    const lines = new RedactedLines();
    expect(lines.push('frame=1\rframe=2\r')).toEqual(['frame=1', 'frame=2']);
    expect(lines.push('\nerror one\r\nerror two\n\n')).toEqual(['error one', 'error two']);
  });

  it('drops a line longer than its bound whole, never a cut piece of it, and goes on after its end', () => {
    const lines = new RedactedLines(64);
    const long = `${'x'.repeat(60)} rtsp://admin:Pond2024@10.0.0.7/sub`;
    expect(lines.push(long.slice(0, 70))).toEqual([]);
    expect(lines.push(long.slice(70))).toEqual([]); // its tail alone would hold the password without a scheme
    expect(lines.push('\nnext line\n')).toEqual(['next line']);
    expect(lines.push(long)).toEqual([]);
    expect(lines.end()).toEqual([]);
  });
});
