import '../testing/nest-esm';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Settings } from '../settings';
import { ModelLabelsRepository } from './model-labels.repository';

describe('ModelLabelsRepository', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'xl-models-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds a manifest added after a name was asked for, and keeps no entry for unknown names', async () => {
    const models = new ModelLabelsRepository({ modelsDir: dir } as Settings);
    expect(await models.labelsOf('boat-v2')).toBeNull();
    await writeFile(path.join(dir, 'boat-v2.json'), JSON.stringify({ labels: ['person', 'boat'] }));
    expect(await models.labelsOf('boat-v2')).toEqual({ name: 'boat-v2', labels: ['person', 'boat'] }); // before: null until a restart
    for (let i = 0; i < 50; i++) expect(await models.labelsOf(`made-up-${i}`)).toBeNull();
    expect((models as unknown as { cache: Map<string, unknown> }).cache.size).toBe(1);
  });
});
