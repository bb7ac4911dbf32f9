// models/fetch.mjs, run as a child process the way `npm run models:fetch` runs it.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// Specs read shared test data through @xl/testing as docs/contributing.md asks; the boundary rule is
// meant for the library code, not its specs.
import { describeWithShared, sharedPath } from '@xl/testing';
import { loadModel } from './manifest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'models/fetch.mjs');
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'models/yolox_nano.json'), 'utf8'));

async function fetchModels(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [SCRIPT, ...args], {
      env: { ...process.env, XL_MODELS_DIR: undefined, ...env },
      timeout: 20000,
    });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describeWithShared(['models/yolox_nano.onnx'])('models/fetch.mjs', () => {
  const sharedModels = path.dirname(sharedPath('models/yolox_nano.onnx') ?? '.');
  let dir: string;
  /** A manifest directory holding yolox_nano.json with its source URL replaced. */
  const manifestDir = (source: string) => {
    writeFileSync(path.join(dir, 'yolox_nano.json'), JSON.stringify({ ...MANIFEST, source }));
    return dir;
  };
  const leftovers = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xl-fetch-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies from XL_MODELS_DIR, verifies, and keeps a verified file on the next run', async () => {
    const first = await fetchModels(['--out', dir], { XL_MODELS_DIR: sharedModels });
    expect(first).toMatchObject({ code: 0 });
    expect(first.stderr).toMatch(/yolox_nano\.onnx: copied from /);
    writeFileSync(path.join(dir, 'yolox_nano.json'), JSON.stringify(MANIFEST));
    expect(loadModel(dir, 'yolox_nano').modelPath).toBe(path.join(dir, 'yolox_nano.onnx')); // size + sha256 checked
    const second = await fetchModels(['--out', dir, 'yolox_nano'], { XL_MODELS_DIR: '/nonexistent' });
    expect(second.stderr).toMatch(/already present/);
    expect(leftovers()).toEqual([]);
  });

  it('fails clearly, naming the file, the directory tried and the URL, when neither works', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/yolox_nano.onnx`;
    const r = await fetchModels(['--manifests', manifestDir(url)], { XL_MODELS_DIR: '/nonexistent/models' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot fetch model yolox_nano\.onnx/);
    expect(r.stderr).toMatch(/XL_MODELS_DIR: not found in \/nonexistent\/models/);
    expect(r.stderr).toContain(`download ${url}: `);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(existsSync(path.join(dir, 'yolox_nano.onnx'))).toBe(false);
  });

  it('rejects a corrupt copy and replaces a corrupt target, never leaving a partial file', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'xl-fetch-bad-'));
    try {
      writeFileSync(path.join(bad, 'yolox_nano.onnx'), Buffer.alloc(MANIFEST.size, 1));
      const url = `http://127.0.0.1:${await closedPort()}/x.onnx`;
      const r = await fetchModels(['--manifests', manifestDir(url)], { XL_MODELS_DIR: bad });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/copy from .*yolox_nano\.onnx: sha256 [0-9a-f]{64}, expected 695e750a/);
      expect(existsSync(path.join(dir, 'yolox_nano.onnx'))).toBe(false);
      expect(leftovers()).toEqual([]);
      // a truncated file already in place is replaced by a good copy
      writeFileSync(path.join(dir, 'yolox_nano.onnx'), 'truncated');
      expect((await fetchModels(['--manifests', dir], { XL_MODELS_DIR: sharedModels })).code).toBe(0);
      expect(loadModel(dir, 'yolox_nano').manifest.name).toBe('yolox_nano');
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('downloads from the source URL following redirects, and reports HTTP errors', async () => {
    const served: string[] = [];
    const server = http.createServer((req, res) => {
      served.push(req.url ?? '');
      if (req.url === '/raw/yolox_nano.onnx') res.writeHead(302, { location: '/cdn/yolox_nano.onnx' }).end();
      else if (req.url === '/cdn/yolox_nano.onnx')
        createReadStream(sharedPath('models/yolox_nano.onnx')!).pipe(res.writeHead(200));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetchModels(['--manifests', manifestDir(`${base}/raw/yolox_nano.onnx`)], {});
      expect(ok.stderr).toMatch(/downloaded from/);
      expect(ok.code).toBe(0);
      expect(served).toEqual(['/raw/yolox_nano.onnx', '/cdn/yolox_nano.onnx']);
      expect(loadModel(dir, 'yolox_nano').manifest.name).toBe('yolox_nano');
      rmSync(path.join(dir, 'yolox_nano.onnx'));
      const missing = await fetchModels(['--manifests', manifestDir(`${base}/gone.onnx`)], {});
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/XL_MODELS_DIR: not set/);
      expect(missing.stderr).toMatch(/HTTP 404 from .*\/gone\.onnx/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('names a manifest it cannot find', async () => {
    const r = await fetchModels(['--manifests', dir, 'nope'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/manifest .*nope\.json: not found/);
  });
});
