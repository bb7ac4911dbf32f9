import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { ModelLabels } from '@xl/config';
import { SETTINGS, type Settings } from '../settings';

/**
 * The labels of detector models, from their manifests in MODELS_DIR (`<name>.json`, the files the
 * analyzer loads; the weights are not needed here). Read once per model: manifests change with a
 * release, not while the API runs. A name without a manifest is not remembered: each made-up name
 * an admin tries would stay in memory, and a manifest added later would stay unknown until a restart.
 */
@Injectable()
export class ModelLabelsRepository {
  private readonly cache = new Map<string, Promise<ModelLabels | null>>();

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  /** The model's labels; null when MODELS_DIR has no manifest of that name. */
  labelsOf(name: string): Promise<ModelLabels | null> {
    let labels = this.cache.get(name);
    if (!labels) {
      labels = this.read(name);
      this.cache.set(name, labels);
      // A read that failed, or found no manifest, is tried again next time.
      labels.then(
        (found) => found === null && this.cache.delete(name),
        () => this.cache.delete(name),
      );
    }
    return labels;
  }

  private async read(name: string): Promise<ModelLabels | null> {
    const file = path.join(this.settings.modelsDir, `${name}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const labels = (JSON.parse(text) as { labels?: unknown }).labels;
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) throw new Error(`model manifest ${file}: labels must be a list of strings`);
    return { name, labels };
  }
}
