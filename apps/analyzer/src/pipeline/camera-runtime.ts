import { createHash } from 'node:crypto';
import type { CameraConfig } from '@xl/config';
import type { Letterbox } from '@xl/contracts';
import { createQualityGrid, letterboxContentSize, rasterizeMask, type QualityGrid } from '@xl/vision';

/**
 * What the analyzer derives once per camera configuration: the picture-quality grid (masks and
 * letterbox padding excluded) per frame geometry, and a hash that tells when the configuration changed.
 */
export class CameraRuntime {
  readonly configHash: string;
  private grids = new Map<string, QualityGrid>();

  constructor(readonly camera: CameraConfig) {
    this.configHash = createHash('sha1').update(JSON.stringify(camera)).digest('hex').slice(0, 16);
  }

  qualityGrid(width: number, height: number, letterbox: Letterbox): QualityGrid {
    const content = letterboxContentSize(letterbox);
    const key = `${width}x${height}:${content.width}x${content.height}`;
    let grid = this.grids.get(key);
    if (!grid) {
      const mask = rasterizeMask(this.camera.masks, width, height, { contentWidth: content.width, contentHeight: content.height });
      grid = createQualityGrid(mask, width, height);
      this.grids.set(key, grid);
    }
    return grid;
  }
}
