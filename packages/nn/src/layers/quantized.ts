// QuantizedLinear, QuantizedEmbedding and nn.quantize (mlx.nn.layers.quantized). The packing and
// the matmul are mx.quantize / mx.dequantize / mx.quantizedMatmul from @mlx/core.
import * as mx from '@mlx/core';
import { Module } from '../module.js';
import { Embedding } from './embedding.js';
import { Linear, quantizedHooks } from './linear.js';

type A = mx.array;

const modeDefaults: Record<string, [number, number]> = { affine: [64, 4], mxfp4: [32, 4], nvfp4: [16, 4], mxfp8: [32, 8] };
function defaultsFor(mode: string, groupSize?: number | null, bits?: number | null): [number, number] {
  const d = modeDefaults[mode];
  if (!d) throw new mx.InvalidArgumentError(`Invalid quantization mode '${mode}'. Valid modes are: ${Object.keys(modeDefaults).join(', ')}.`);
  return [groupSize || d[0], bits || d[1]];
}

/** mx.quantize → [weight, scales, biases | null]. */
function quantizeWeight(w: A, groupSize: number, bits: number, mode: string): [A, A, A | null] {
  const out = mx.quantize(w, groupSize, bits, mode) as A[];
  return [out[0], out[1], out[2] ?? null];
}

export class QuantizedLinear extends Module {
  groupSize: number;
  bits: number;
  mode: string;
  weight: A;
  scales: A;
  biases: A | null;
  declare bias?: A;
  constructor(inputDims: number, outputDims: number, bias = true, groupSize?: number | null, bits?: number | null, mode = 'affine') {
    super();
    [this.groupSize, this.bits] = defaultsFor(mode, groupSize, bits);
    this.mode = mode;
    const scale = Math.sqrt(1 / inputDims);
    const w = mx.random.uniform(-scale, scale, [outputDims, inputDims]);
    [this.weight, this.scales, this.biases] = quantizeWeight(w, this.groupSize, this.bits, mode);
    if (bias) this.bias = mx.zeros([outputDims]);
    this.freeze();
  }
  forward(x: A): A {
    const y = mx.quantizedMatmul(x, this.weight, this.scales, this.biases, true, this.groupSize, this.bits, this.mode);
    return this.bias ? mx.add(y, this.bias) : y;
  }
  static fromLinear(linear: Linear, groupSize?: number | null, bits?: number | null, mode = 'affine'): QuantizedLinear {
    const [out, inp] = linear.weight.shape;
    const ql = new QuantizedLinear(inp, out, false, groupSize, bits, mode);
    [ql.weight, ql.scales, ql.biases] = quantizeWeight(linear.weight, ql.groupSize, ql.bits, mode);
    if (linear.bias) ql.bias = linear.bias;
    return ql;
  }
}

export class QuantizedEmbedding extends Module {
  groupSize: number;
  bits: number;
  mode: string;
  weight: A;
  scales: A;
  biases: A | null;
  constructor(public numEmbeddings: number, public dims: number, groupSize?: number | null, bits?: number | null, mode = 'affine') {
    super();
    [this.groupSize, this.bits] = defaultsFor(mode, groupSize, bits);
    this.mode = mode;
    const w = mx.random.normal([numEmbeddings, dims], null, 0, Math.sqrt(1 / dims));
    [this.weight, this.scales, this.biases] = quantizeWeight(w, this.groupSize, this.bits, mode);
    this.freeze();
  }
  forward(x: A): A {
    const b = this.biases ? mx.take(this.biases, x, 0) : null;
    return mx.dequantize(mx.take(this.weight, x, 0), mx.take(this.scales, x, 0), b, this.groupSize, this.bits, this.mode);
  }
  asLinear(x: A): A {
    return mx.quantizedMatmul(x, this.weight, this.scales, this.biases, true, this.groupSize, this.bits, this.mode);
  }
  static fromEmbedding(e: Embedding, groupSize?: number | null, bits?: number | null, mode = 'affine'): QuantizedEmbedding {
    const [n, dims] = e.weight.shape;
    const q = new QuantizedEmbedding(n, dims, groupSize, bits, mode);
    [q.weight, q.scales, q.biases] = quantizeWeight(e.weight, q.groupSize, q.bits, mode);
    return q;
  }
}

quantizedHooks.fromLinear = (l, g, b, m) => QuantizedLinear.fromLinear(l, g, b, m);
quantizedHooks.fromEmbedding = (e, g, b, m) => QuantizedEmbedding.fromEmbedding(e, g, b, m);

type Predicate = (path: string, m: Module) => boolean | { groupSize?: number; bits?: number; mode?: string };

/**
 * Replaces every leaf module that has toQuantized (Linear, Embedding) and passes classPredicate by
 * its quantized counterpart, in place. A predicate may return per-layer {groupSize, bits, mode}.
 */
export function quantize(model: Module, groupSize?: number | null, bits?: number | null, classPredicate?: Predicate | null, mode = 'affine'): void {
  const canQ = (m: Module): m is Module & { toQuantized: (g?: number, b?: number, mode?: string) => Module } =>
    typeof (m as any).toQuantized === 'function';
  const pred: Predicate = classPredicate ?? ((_, m) => canQ(m));
  for (const [path, m] of model.leafModules()) {
    const r = pred(path, m);
    if (!r) continue;
    if (!canQ(m)) throw new mx.InvalidArgumentError(`Unable to quantize model of type ${m.constructor.name}`);
    const q = r === true ? m.toQuantized(groupSize ?? undefined, bits ?? undefined, mode)
      : m.toQuantized(r.groupSize ?? groupSize ?? undefined, r.bits ?? bits ?? undefined, r.mode ?? mode);
    model.setModule(path, q);
  }
}
