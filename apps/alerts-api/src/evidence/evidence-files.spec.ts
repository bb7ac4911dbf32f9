import '../testing/nest-esm';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EvidenceFiles } from './evidence-files';
import type { EvidenceOptions } from './evidence.options';

describe('EvidenceFiles.remove (retention)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'xl-evidence-'));
  const dir = path.join(root, 'evidence');
  const files = new EvidenceFiles({ EVIDENCE_DIR: dir } as EvidenceOptions);

  it('deletes a clip inside the directory, and never a file reached through a symlinked directory', async () => {
    mkdirSync(path.join(dir, 'cam-1'), { recursive: true });
    mkdirSync(path.join(root, 'elsewhere'));
    writeFileSync(path.join(dir, 'cam-1', 'a.mp4'), 'clip');
    writeFileSync(path.join(root, 'elsewhere', 'b.mp4'), 'not evidence');
    writeFileSync(path.join(root, 'target.mp4'), 'linked');
    symlinkSync(path.join(root, 'elsewhere'), path.join(dir, 'cam-2'));
    symlinkSync(path.join(root, 'target.mp4'), path.join(dir, 'cam-1', 'link.mp4'));

    await files.remove('cam-1/a.mp4');
    await files.remove('cam-2/b.mp4');
    await files.remove('cam-1/link.mp4');
    await files.remove('cam-1/already-gone.mp4');
    await files.remove('../elsewhere/b.mp4');

    expect(existsSync(path.join(dir, 'cam-1', 'a.mp4'))).toBe(false);
    expect(existsSync(path.join(root, 'elsewhere', 'b.mp4'))).toBe(true);
    expect(() => lstatSync(path.join(dir, 'cam-1', 'link.mp4'))).toThrow(); // the link went
    expect(existsSync(path.join(root, 'target.mp4'))).toBe(true); // not what it pointed at
  });
});

describe('EvidenceFiles.removeStaleAsides (cuts killed mid-way)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'xl-evidence-asides-'));
  const dir = path.join(root, 'evidence');
  const files = new EvidenceFiles({ EVIDENCE_DIR: dir } as EvidenceOptions);
  const HOUR = 3600_000;
  const write = (rel: string, ageMs: number) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'x');
    const at = new Date(Date.now() - ageMs);
    utimesSync(file, at, at);
    return file;
  };

  it('deletes the .part, .ffconcat and .part.jpg files older than the cut-off, nothing else', async () => {
    const stale = [
      write('clips/cam-1/al_1.mp4.4711-0a1b2c3d.part', 2 * HOUR),
      write('clips/cam-1/al_1.mp4.4711-0a1b2c3d.ffconcat', 2 * HOUR),
      write('snapshots/cam-1/al_1.jpg.4711-deadbeef.part.jpg', 2 * HOUR),
    ];
    const kept = [
      write('clips/cam-1/al_2.mp4.4712-0a1b2c3d.part', 60_000), // a cut still running
      write('clips/cam-1/al_2.mp4.4712-0a1b2c3d.ffconcat', 60_000),
      write('clips/cam-1/al_1.mp4', 2 * HOUR), // evidence
      write('snapshots/cam-1/al_1.jpg', 2 * HOUR),
      write('clips/cam-1/notes.part', 2 * HOUR), // not a cut's name
    ];
    // A symlinked directory is not walked into.
    mkdirSync(path.join(root, 'elsewhere'));
    const outside = path.join(root, 'elsewhere', 'x.mp4.1-0a1b2c3d.part');
    writeFileSync(outside, 'x');
    utimesSync(outside, new Date(Date.now() - 2 * HOUR), new Date(Date.now() - 2 * HOUR));
    symlinkSync(path.join(root, 'elsewhere'), path.join(dir, 'clips', 'cam-2'));

    expect(await files.removeStaleAsides(Date.now() - HOUR)).toBe(3);
    for (const file of stale) expect({ file, exists: existsSync(file) }).toEqual({ file, exists: false });
    for (const file of [...kept, outside]) expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true });
  });

  it('finds nothing in an evidence directory that does not exist yet', async () => {
    const none = new EvidenceFiles({ EVIDENCE_DIR: path.join(root, 'missing') } as EvidenceOptions);
    expect(await none.removeStaleAsides(Date.now())).toBe(0);
  });
});
