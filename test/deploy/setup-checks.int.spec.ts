// scripts/lib.sh's checks that stop a machine the pipeline cannot run on before anything starts,
// and the PostgreSQL URL of every run, not only the first (a Debian cluster asks for the password).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@xl/testing';

function lib(script: string, env: Record<string, string> = {}) {
  const r = spawnSync('bash', ['-c', `source scripts/lib.sh; ${script}`], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** As lib(), without blocking this process (the fake Redis below answers from it). */
function libAsync(script: string, env: Record<string, string>): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `source scripts/lib.sh; ${script}`], { cwd: repoRoot, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** A TCP server answering every request with `INFO server` text of the given version. */
async function fakeRedis(version: string): Promise<{ url: string; close: () => void }> {
  const server = net.createServer((s) => s.on('data', () => s.write(`$40\r\n# Server\r\nredis_version:${version}\r\n\r\n`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}

describe('scripts/lib.sh machine checks', () => {
  it('refuses a Redis older than 6.2 (no GETDEL), naming its version, and accepts a newer one', async () => {
    const old = await fakeRedis('6.0.16');
    const current = await fakeRedis('7.0.15');
    try {
      const refused = await libAsync('check_redis_version', { REDIS_URL: old.url });
      expect(refused.status).not.toBe(0);
      expect(refused.out).toContain(`Redis 6.0.16 at ${old.url} is too old: the pipeline needs 6.2 or later (GETDEL)`);
      expect((await libAsync('check_redis_version', { REDIS_URL: current.url })).status).toBe(0);
    } finally {
      old.close();
      current.close();
    }
  });

  it('refuses an ffmpeg older than 5, whose -timeout on RTSP means listen mode', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'xl-ffmpeg-'));
    const fake = (version: string) => {
      writeFileSync(path.join(bin, 'ffmpeg'), `#!/bin/sh\necho "ffmpeg version ${version} Copyright (c) 2000-2021 the FFmpeg developers"\n`);
      chmodSync(path.join(bin, 'ffmpeg'), 0o755);
      return lib('check_ffmpeg_version', { PATH: `${bin}:${process.env.PATH}` });
    };
    const old = fake('4.4.2-0ubuntu0.22.04.1');
    expect(old.status).not.toBe(0);
    expect(old.out).toContain('ffmpeg 4.4.2 is too old: ingest needs ffmpeg 5 or later');
    expect(fake('5.1.6-0+deb12u1').status).toBe(0);
    expect(fake('n7.1').status).toBe(0);
  });

  it('gives the tests the PostgreSQL URL with the password on every run where one answers', () => {
    const env = { ...process.env } as Record<string, string>;
    delete env.XL_TEST_POSTGRES_URL;
    const r = spawnSync('bash', ['-c', 'source scripts/lib.sh; ensure_postgres && echo "url=$XL_TEST_POSTGRES_URL"'], { cwd: repoRoot, encoding: 'utf8', env });
    expect(r.stdout).toContain('url=postgres://postgres:postgres@127.0.0.1:5432/postgres');
  });
});
