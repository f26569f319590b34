// Our canonical weight names (the field paths of model/whisper.ts) and the dimension inference shared by every
// loader. Layouts: linear [out, in]; conv1d [out, k, in] (MLX); fused self-attention qkv [3d, d] with a zero key
// bias; fused cross-attention kv [2d, d].
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import type { WhisperDims } from '../model/types.js';

export type WeightMap = Map<string, mx.array>;

export function countBlocks(w: WeightMap, prefix: 'encoder' | 'decoder'): number {
  let n = 0;
  while (w.has(`${prefix}.blocks.${n}.attnLn.weight`)) n++;
  return n;
}

/** Dimensions from tensor shapes; head counts come from the file or config (they are not visible in shapes). */
export function inferDims(w: WeightMap, file: string, heads: { audio?: number; text?: number }): WhisperDims {
  const shape = (k: string): number[] => {
    const a = w.get(k);
    if (!a) throw new ModelFormatError(file, 0, `missing tensor '${k}'`);
    return a.shape;
  };
  const conv1 = shape('encoder.conv1.weight');
  const emb = shape('decoder.tokenEmbedding.weight');
  const dims: WhisperDims = {
    nMels: conv1[2],
    nAudioCtx: shape('encoder.positionalEmbedding')[0],
    nAudioState: conv1[0],
    nAudioHead: heads.audio ?? Math.max(1, conv1[0] / 64),
    nAudioLayer: countBlocks(w, 'encoder'),
    nVocab: emb[0],
    nTextCtx: shape('decoder.positionalEmbedding')[0],
    nTextState: emb[1],
    nTextHead: heads.text ?? Math.max(1, emb[1] / 64),
    nTextLayer: countBlocks(w, 'decoder'),
  };
  if (dims.nAudioState % dims.nAudioHead || dims.nTextState % dims.nTextHead) {
    throw new ModelFormatError(file, 0, `state sizes ${dims.nAudioState}/${dims.nTextState} are not divisible by head counts ${dims.nAudioHead}/${dims.nTextHead}`);
  }
  if (dims.nAudioLayer === 0 || dims.nTextLayer === 0) throw new ModelFormatError(file, 0, 'no encoder or decoder blocks found');
  return dims;
}

/** Sinusoidal positions of openai/whisper's encoder: [sin(t·f_i) | cos(t·f_i)], f_i = 10000^(−i/(d/2−1)). */
export function sinusoids(length: number, channels: number): mx.array {
  const half = channels / 2;
  const inc = Math.log(10000) / (half - 1);
  const out = new Float32Array(length * channels);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const a = t * Math.exp(-inc * i);
      out[t * channels + i] = Math.sin(a);
      out[t * channels + half + i] = Math.cos(a);
    }
  }
  return mx.array(out).reshape([length, channels]);
}

/** Concatenates q, k, v projections into one; a missing key bias becomes zeros. */
export function fuse(w: WeightMap, dst: string, parts: Array<{ weight: mx.array; bias?: mx.array }>): void {
  w.set(`${dst}.weight`, mx.concatenate(parts.map((p) => p.weight), 0));
  w.set(`${dst}.bias`, mx.concatenate(parts.map((p) => p.bias ?? mx.zeros([p.weight.shape[0]], p.weight.dtype)), 0));
}
