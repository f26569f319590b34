// Pieces shared by the vision towers: linear, activations, pre-norm ViT blocks with q/k/v/out projections.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { attention } from '../attention.js';
import { take, type Weights } from '../language/decoder.js';

type A = mx.array;

// tanh-GELU with x·x·x as torch computes it (the generic pow kernel was 17% of a CPU encode). On the CPU it runs as
// one compiled kernel instead of ~8 passes over [tokens, 4·width]; the CUDA backend has no fused-kernel generator
// yet (compiled programs would run their CPU kernel there), so the GPU keeps the separate ops.
const geluTanhOps = (x: A): A =>
  mx.multiply(mx.multiply(x, 0.5), mx.add(1, mx.tanh(mx.multiply(Math.sqrt(2 / Math.PI), mx.add(x, mx.multiply(0.044715, mx.multiply(mx.multiply(x, x), x)))))));
const geluTanhFused = mx.compile(geluTanhOps);
const geluTanh = (x: A): A => (mx.defaultDevice().type === mx.DeviceType.gpu ? geluTanhOps(x) : geluTanhFused(x));

/** The HF vision_config keys every ViT tower reads; towers differ in the norm epsilon and activation defaults. */
export function vitConfigSchema(defaults: { layerNormEps: number; hiddenAct: string }) {
  return z.object({
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    image_size: z.number().int().positive(),
    patch_size: z.number().int().positive(),
    num_channels: z.number().int().positive().default(3),
    layer_norm_eps: z.number().default(defaults.layerNormEps),
    hidden_act: z.string().default(defaults.hiddenAct),
  }).loose();
}

export const linear = (x: A, w: A, b?: A): A => (b ? mx.add(mx.matmul(x, mx.transpose(w)), b) : mx.matmul(x, mx.transpose(w)));

export function activation(name: string): (x: A) => A {
  switch (name) {
    case 'quick_gelu': return (x) => mx.multiply(x, mx.sigmoid(mx.multiply(x, 1.702)));
    case 'gelu': return (x) => mx.multiply(mx.multiply(x, 0.5), mx.add(1, mx.erf(mx.multiply(x, Math.SQRT1_2))));
    case 'gelu_pytorch_tanh':
    case 'gelu_new':
      return geluTanh;
    default: throw new RangeError(`unsupported activation ${name}`);
  }
}

/** Linear weight + optional bias under `name`. */
export const lin = (w: Weights, name: string, file: string): [A, A | undefined] => [take(w, `${name}.weight`, file), w.get(`${name}.bias`)];

/** A CLIP/SigLIP encoder layer: x + attn(ln1(x)); x + mlp(ln2(x)). */
export class VitLayer {
  readonly q; readonly k; readonly v; readonly o; readonly fc1; readonly fc2; readonly ln1; readonly ln2;
  constructor(w: Weights, p: string, file: string, readonly heads: number, readonly eps: number, readonly act: (x: A) => A) {
    this.q = lin(w, `${p}self_attn.q_proj`, file); this.k = lin(w, `${p}self_attn.k_proj`, file);
    this.v = lin(w, `${p}self_attn.v_proj`, file); this.o = lin(w, `${p}self_attn.out_proj`, file);
    this.fc1 = lin(w, `${p}mlp.fc1`, file); this.fc2 = lin(w, `${p}mlp.fc2`, file);
    this.ln1 = lin(w, `${p}layer_norm1`, file); this.ln2 = lin(w, `${p}layer_norm2`, file);
  }
  forward(x: A, mask?: A): A {
    const [B, T, C] = x.shape, H = this.heads, D = C / H;
    const y = mx.fast.layerNorm(x, this.ln1[0], this.ln1[1], this.eps);
    const split = (t: A) => mx.transpose(mx.reshape(t, [B, T, H, D]), [0, 2, 1, 3]);
    const att = attention(split(linear(y, ...this.q)), split(linear(y, ...this.k)), split(linear(y, ...this.v)), 1 / Math.sqrt(D), mask);
    x = mx.add(x, linear(mx.reshape(mx.transpose(att, [0, 2, 1, 3]), [B, T, C]), ...this.o));
    const z = mx.fast.layerNorm(x, this.ln2[0], this.ln2[1], this.eps);
    return mx.add(x, linear(this.act(linear(z, ...this.fc1)), ...this.fc2));
  }
}

/** Pixels in the tower's weight dtype, as HF casts them (a float32 input would otherwise promote every bf16 op). */
export const toWeightDtype = (pix: A, w: A): A => (pix.dtype === w.dtype ? pix : mx.astype(pix, w.dtype));

/** [N, C, H, W] → [N, (H/P)*(W/P), C*P*P] in the row-major patch order of a stride-P conv. */
export function patchify(pix: A, P: number): A {
  const [N, C, H, W] = pix.shape;
  const gh = Math.floor(H / P), gw = Math.floor(W / P);
  const x = mx.reshape(pix.index(mx.Slice(), mx.Slice(), mx.Slice(0, gh * P), mx.Slice(0, gw * P)), [N, C, gh, P, gw, P]);
  return mx.reshape(mx.transpose(x, [0, 2, 4, 1, 3, 5]), [N, gh * gw, C * P * P]);
}
