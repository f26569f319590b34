// A WeightSource over a flat name → array map (HF names), inferring each tensor's quantization from shapes.
import type * as mx from '@mlx/core';
import { uint32 } from '@mlx/core';
import type { WeightSource } from '../architectures/decoder.js';
import { ModelFormatError } from '../errors.js';
import type { WeightTensor } from '../layers.js';

type A = mx.array;

export class MapWeights implements WeightSource {
  constructor(readonly arrays: Record<string, A>, readonly file: string,
    /** Unpacked input dimension of a quantized tensor (GGUF headers know it; MLX configs give the group size). */
    private readonly inputDims: (base: string, w: A, scales: A) => number,
    /** GGML type of each tensor base (GGUF only). */
    private readonly ggmlTypes?: (base: string) => string | undefined) {}

  array(name: string): A | undefined { return this.arrays[name]; }

  tensor(base: string): WeightTensor | undefined {
    const weight = this.arrays[`${base}.weight`];
    if (!weight) return undefined;
    const scales = this.arrays[`${base}.scales`];
    if (weight.dtype !== uint32 || !scales) return { weight };
    const biases = this.arrays[`${base}.biases`];
    const K = this.inputDims(base, weight, scales);
    const packed = weight.shape[weight.ndim - 1], groups = scales.shape[scales.ndim - 1];
    const bits = (packed * 32) / K, groupSize = K / groups;
    if (![2, 3, 4, 5, 6, 8].includes(bits) || !Number.isInteger(groupSize))
      throw new ModelFormatError(`${this.file}: tensor '${base}' has packed width ${packed} and ${groups} groups for ${K} inputs.`, this.file);
    return { weight, scales, biases, quant: { bits, groupSize }, ggmlType: this.ggmlTypes?.(base) };
  }

  release(arrays: A[]): void {
    const drop = new Set(arrays);
    for (const [k, a] of Object.entries(this.arrays)) if (drop.has(a)) { delete this.arrays[k]; a.dispose(); }
  }

  dispose(): void { for (const a of Object.values(this.arrays)) a.dispose(); }
}
