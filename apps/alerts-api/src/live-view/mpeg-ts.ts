// Just enough MPEG-TS to skip a slow viewer's video by whole pictures (LiveViewHub): where in ffmpeg's
// output a picture starts, and whether it is one a decoder can start from.

/** ffmpeg's mpegts muxer writes nothing but 188-byte packets, from the first byte of its output. */
export const TS_PACKET_BYTES = 188;

export interface PictureStart {
  /** Offset in the chunk of the TS packet that starts the picture. */
  offset: number;
  /** An I-picture after a sequence header: JSMpeg can start decoding there. */
  key: boolean;
}

/**
 * The pictures that start in `chunk`, a piece of ffmpeg's output `position` bytes from its start: the
 * TS packets that begin a video PES (payload_unit_start, stream id 0xE0–0xEF; the muxer writes one
 * picture per PES), `key` when the picture's elementary stream opens with an MPEG-1 sequence header
 * (00 00 01 B3: ffmpeg writes one before each I-picture). Empty when the bytes are not MPEG-TS in
 * step with `position`. A packet whose headers run past the chunk's end is not seen (its first
 * ~30 bytes in a chunk of kilobytes): the cut or the resume then waits for the next picture.
 */
export function pictureStarts(chunk: Buffer, position: number): PictureStart[] {
  const starts: PictureStart[] = [];
  for (let p = (TS_PACKET_BYTES - (position % TS_PACKET_BYTES)) % TS_PACKET_BYTES; p < chunk.length; p += TS_PACKET_BYTES) {
    if (chunk[p] !== 0x47) return []; // not in step: no boundary is known
    if (p + 4 >= chunk.length) break;
    const payloadUnitStart = (chunk[p + 1] & 0x40) !== 0;
    const control = (chunk[p + 3] >> 4) & 3; // 1: payload, 2: adaptation field, 3: both
    if (!payloadUnitStart || !(control & 1)) continue;
    const pes = p + 4 + (control & 2 ? 1 + chunk[p + 4] : 0);
    if (pes + 9 > Math.min(chunk.length, p + TS_PACKET_BYTES)) continue;
    if (chunk[pes] !== 0 || chunk[pes + 1] !== 0 || chunk[pes + 2] !== 1 || (chunk[pes + 3] & 0xf0) !== 0xe0) continue;
    const es = pes + 9 + chunk[pes + 8];
    const key = es + 4 <= Math.min(chunk.length, p + TS_PACKET_BYTES) && chunk.readUInt32BE(es) === 0x000001b3;
    starts.push({ offset: p, key });
  }
  return starts;
}
