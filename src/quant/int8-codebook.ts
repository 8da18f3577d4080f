// DDQ weight levels on the int8 grid they are deployed on. The integer model stores a layer's
// merged levels as a 2^b-entry int8 codebook with one scale (docs/deployment.md); if training
// used the levels as free floats, export would have to round them, and that rounding (up to
// half a grid step per level) flips predictions wherever the next layer's activation codes are
// coarse. Training on the rounded levels instead makes the exported weights exactly the ones the
// fake-quantized model used. Gradients pass the rounding straight through to the free levels.
//
// The grid: scale = max|level| / 127 (the largest level maps to ±127, using the int8 range
// symmetrically), entry = round(level / scale).

export interface Int8Codebook {
  scale: number;
  entries: Int8Array;
  /** scale·entry: the levels the forward pass uses. */
  levels: Float64Array;
}

export function int8Codebook(levels: Float64Array): Int8Codebook {
  let maxAbs = 0;
  for (let j = 0; j < levels.length; j++) maxAbs = Math.max(maxAbs, Math.abs(levels[j]));
  // All-zero levels: any scale represents them; 1 keeps the scale finite.
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const entries = new Int8Array(levels.length);
  const snapped = new Float64Array(levels.length);
  for (let j = 0; j < levels.length; j++) {
    entries[j] = Math.max(-127, Math.min(127, Math.round(levels[j] / scale)));
    snapped[j] = scale * entries[j];
  }
  return { scale, entries, levels: snapped };
}
