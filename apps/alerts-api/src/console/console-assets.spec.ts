import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConsoleAssets } from './console-assets';

describe('ConsoleAssets', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-console-'));
  const built = path.join(dir, 'console');
  mkdirSync(path.join(built, 'assets'), { recursive: true });
  writeFileSync(path.join(built, 'index.html'), '<html></html>');
  writeFileSync(path.join(built, 'assets', 'index-abc.js'), '1');
  writeFileSync(path.join(built, '.env'), 'secret');
  writeFileSync(path.join(dir, 'outside.txt'), 'no');
  const assets = new ConsoleAssets(built);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves hashed assets as immutable and index.html as revalidated', async () => {
    expect(await assets.find('assets/index-abc.js')).toEqual({ file: path.join(built, 'assets/index-abc.js'), cacheControl: 'public, max-age=31536000, immutable' });
    expect(await assets.find('')).toEqual({ file: path.join(built, 'index.html'), cacheControl: 'no-cache' });
  });

  it('never leaves the console directory and never serves dotfiles or directories', async () => {
    expect(await assets.find('../outside.txt')).toBeNull();
    expect(await assets.find('assets/../../outside.txt')).toBeNull();
    expect(await assets.find('.env')).toBeNull();
    expect(await assets.find('assets')).toBeNull();
    expect(await assets.find('missing.js')).toBeNull();
  });

  it('reports an unbuilt console as no index', async () => {
    expect(await new ConsoleAssets(path.join(dir, 'nothing')).index()).toBeNull();
  });
});
