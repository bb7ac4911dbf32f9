import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { existingSnapshot, removablePathInside, resolveInside } from './snapshots';

describe('snapshot paths', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'xl-snap-'));
  const dir = path.join(root, 'snapshots');
  mkdirSync(path.join(dir, 'cam-1'), { recursive: true });
  writeFileSync(path.join(dir, 'cam-1', 'a.jpg'), 'jpeg');
  writeFileSync(path.join(root, 'secret.txt'), 'secret');
  symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'cam-1', 'link.jpg'));

  it('accepts paths inside the directory only', () => {
    expect(resolveInside(dir, 'cam-1/a.jpg')).toBe(path.join(dir, 'cam-1', 'a.jpg'));
    expect(resolveInside(dir, 'cam-1/../cam-1/a.jpg')).toBe(path.join(dir, 'cam-1', 'a.jpg'));
    for (const bad of ['../secret.txt', 'cam-1/../../secret.txt', '/etc/passwd', '', '.', 'a\0b', 'C:\\x']) {
      expect(resolveInside(dir, bad)).toBeNull();
    }
  });

  it('finds existing files and refuses symlinks that leave the directory', async () => {
    expect(await existingSnapshot(dir, 'cam-1/a.jpg')).toBe(path.join(dir, 'cam-1', 'a.jpg'));
    expect(await existingSnapshot(dir, 'cam-1/missing.jpg')).toBeNull();
    expect(await existingSnapshot(dir, 'cam-1/link.jpg')).toBeNull();
    expect(await existingSnapshot(dir, 'cam-1')).toBeNull();
  });

  it('deletes only inside the directory by real path: never through a symlinked directory', async () => {
    mkdirSync(path.join(root, 'elsewhere'), { recursive: true });
    writeFileSync(path.join(root, 'elsewhere', 'b.mp4'), 'clip');
    symlinkSync(path.join(root, 'elsewhere'), path.join(dir, 'cam-2'));
    const real = realpathSync(dir);
    expect(await removablePathInside(dir, 'cam-1/a.jpg')).toBe(path.join(real, 'cam-1', 'a.jpg'));
    expect(await removablePathInside(dir, 'cam-1/gone.jpg')).toBe(path.join(real, 'cam-1', 'gone.jpg')); // rm with force: fine
    expect(await removablePathInside(dir, 'cam-2/b.mp4')).toBeNull();
    // A symlinked file is removed as the link, which lies inside.
    expect(await removablePathInside(dir, 'cam-1/link.jpg')).toBe(path.join(real, 'cam-1', 'link.jpg'));
    expect(await removablePathInside(dir, 'no-such-dir/a.jpg')).toBeNull();
    expect(await removablePathInside(dir, '../secret.txt')).toBeNull();
  });
});
