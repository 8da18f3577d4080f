// Per-channel mean and standard deviation of a set of images [count, channels, plane], in
// scaled units (pixel * scale), for input normalisation. Bytes go through a 256-bin histogram
// per channel (exact integer counts, one pass); floats use two passes in double precision.
// A constant channel gets std 1 so normalising never divides by zero.

export interface ChannelStats {
  mean: number[];
  std: number[];
}

export function channelStats(
  images: Uint8Array | Float32Array,
  count: number,
  channels: number,
  plane: number,
  scale: number,
): ChannelStats {
  if (images.length !== count * channels * plane) {
    throw new Error(`channelStats: ${images.length} values for ${count} images of ${channels}x${plane}`);
  }
  if (count * plane === 0) throw new Error('channelStats: no pixels to measure');
  const mean: number[] = [];
  const std: number[] = [];
  const n = count * plane;
  for (let c = 0; c < channels; c++) {
    let m: number;
    let variance: number;
    if (images instanceof Uint8Array) {
      const hist = new Float64Array(256);
      for (let i = 0; i < count; i++) {
        const base = (i * channels + c) * plane;
        for (let p = 0; p < plane; p++) hist[images[base + p]]++;
      }
      let sum = 0;
      for (let v = 0; v < 256; v++) sum += hist[v] * v;
      const mv = sum / n;
      let sq = 0;
      for (let v = 0; v < 256; v++) sq += hist[v] * (v - mv) * (v - mv);
      m = mv * scale;
      variance = (sq / n) * scale * scale;
    } else {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const base = (i * channels + c) * plane;
        for (let p = 0; p < plane; p++) sum += images[base + p];
      }
      const mv = sum / n;
      let sq = 0;
      for (let i = 0; i < count; i++) {
        const base = (i * channels + c) * plane;
        for (let p = 0; p < plane; p++) sq += (images[base + p] - mv) ** 2;
      }
      m = mv * scale;
      variance = (sq / n) * scale * scale;
    }
    const s = Math.sqrt(variance);
    mean.push(m);
    std.push(s > 0 && Number.isFinite(s) ? s : 1);
  }
  return { mean, std };
}
