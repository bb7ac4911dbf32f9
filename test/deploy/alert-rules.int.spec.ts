// docker/prometheus/alerts.yml through promtool (unpacked by `npm test`, scripts/lib.sh
// ensure_promtool): the rules load, and the unit tests in alerts.test.yml fire what they should on
// synthetic series — e.g. XlIngestHostOverloaded for the host whose streams are late together, not
// for hosts with a few late uplinks.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@xl/testing';
import { dockerDir } from './deploy-files';

function promtool(): string {
  const unpacked = path.join(repoRoot, 'var/tools/prometheus/usr/bin/promtool');
  if (existsSync(unpacked)) return unpacked;
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`promtool not found at ${unpacked} nor on PATH: run \`npm test\` (scripts/lib.sh ensure_promtool) once`);
  }
}

describe('docker/prometheus/alerts.yml', () => {
  const run = (...args: string[]) => execFileSync(promtool(), args, { cwd: path.join(dockerDir, 'prometheus'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('loads in Prometheus (promtool check rules)', () => {
    expect(run('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fires on the synthetic series of alerts.test.yml exactly as expected (promtool test rules)', () => {
    expect(run('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });
});
