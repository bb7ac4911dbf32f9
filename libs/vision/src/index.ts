export { computeLetterbox, letterboxContentSize, inputBoxToFrame } from './letterbox';
export { rasterizeMask } from './mask';
