export { computeLetterbox, letterboxContentSize, inputBoxToFrame, pictureRows } from './letterbox';
export { rasterizeMask, hasUnmaskedBlock, type MaskRegion } from './mask';
export { bgrToNchw } from './tensor';
export { createQualityGrid, createGreyBuffer, bgrToGreyGrid, measureFrameQuality, type QualityGrid, type FrameQuality } from './quality';
export { MotionDetector, MOTION_CELL_PIXELS, type MotionDetectorOptions } from './motion';
export { sceneLayout, layoutCorrelation, meanChroma, LAYOUT_BLOCK, MIN_LAYOUT_BLOCKS, MIN_LAYOUT_SPREAD } from './scene';
