/**
 * bgr24 HWC bytes → planar NCHW float32 (batch 1) in one pass, keeping BGR channel order and the 0–255
 * range (YOLOX takes its input unnormalized). Writes into `out` so that a worker reuses one buffer per
 * session instead of allocating 2 MB per frame; returns `out`.
 */
export function bgrToNchw(src: Uint8Array, width: number, height: number, out: Float32Array): Float32Array {
  const plane = width * height;
  if (!(plane > 0)) throw new Error(`bgrToNchw: size ${width}x${height} must be positive`);
  if (src.length !== plane * 3) throw new Error(`bgrToNchw: ${src.length} bytes is not ${width}x${height}x3 bgr24`);
  if (out.length < plane * 3) throw new Error(`bgrToNchw: output holds ${out.length} floats, needs ${plane * 3}`);
  const g0 = plane;
  const r0 = plane * 2;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = src[j];
    out[g0 + i] = src[j + 1];
    out[r0 + i] = src[j + 2];
  }
  return out;
}
