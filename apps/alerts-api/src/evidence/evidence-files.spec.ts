import '../testing/nest-esm';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
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
