// docs/configuration.md is generated from the schemas (npm run docs:config): it must be what the
// generator renders from today's schemas, and it must not depend on the machine it was made on.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { cameraSchema } from '@xl/config';
import { repoRoot } from '@xl/testing';
import { analyzerSettingsSchema } from '../../apps/analyzer/src/settings';
import { configurationReferencePath, renderConfigurationReference } from '../../tools/config-docs';

describe('docs/configuration.md', () => {
  const rendered = renderConfigurationReference();

  it('is up to date with the schemas (run `npm run docs:config` after changing one)', () => {
    const committed = readFileSync(configurationReferencePath, 'utf8');
    expect(committed === rendered ? 'up to date' : 'stale: run npm run docs:config').toBe('up to date');
  });

  it('lists every camera field, nested fields and every rule type', () => {
    for (const key of Object.keys(cameraSchema.shape)) expect(rendered).toContain(`| \`${key}\` |`);
    expect(rendered).toContain('| `motion.heartbeatSeconds` | number | `5` | 0.5 – 300 |');
    expect(rendered).toContain('| `zones[].type` | `water`, `no_fishing`, `crowd_area`, `generic`, `ignore` | **required** |');
    for (const type of ['zone_enter', 'dwell', 'vanish_in_water', 'crowd', 'line_cross', 'camera_covered', 'camera_blurred', 'camera_frozen']) {
      expect(rendered).toContain(`#### \`type: ${type}\``);
    }
    for (const name of Object.keys(analyzerSettingsSchema.shape)) expect(rendered).toContain(`| \`${name}\` |`);
  });

  it('writes machine-dependent defaults as what they mean, not as this machine’s values', () => {
    expect(rendered).not.toContain(os.hostname());
    expect(rendered).not.toContain(repoRoot);
    expect(rendered).not.toContain(process.cwd());
    expect(rendered).toContain('`analyzer-<hostname>-<pid>`');
  });
});
