// Pieces shared by the vision towers: linear, activations, pre-norm ViT blocks with q/k/v/out projections.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { attention } from '../attention.js';
import { ModelFormatError } from '../errors.js';
import { take, type Weights } from '../language/decoder.js';

type A = mx.array;

// tanh-GELU as x·sigmoid(x·(c1 + c2·x²)), the same function as torch's 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
// (0.5·(1 + tanh z) = sigmoid(2z)) in 6 ops instead of 9, run as one compiled kernel (on the GPU an NVRTC kernel
// that computes in float32 and rounds once to the activation dtype).
const GELU_C1 = 2 * Math.sqrt(2 / Math.PI), GELU_C2 = GELU_C1 * 0.044715;
const geluTanhOps = (x: A): A => mx.multiply(x, mx.sigmoid(mx.multiply(x, mx.add(mx.multiply(mx.square(x), GELU_C2), GELU_C1))));
const geluTanh = mx.compile(geluTanhOps);

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

/**
 * Weights of one linear layer prepared once at load: W transposed to a contiguous [in, out] (the GEMM packs its rows
 * with plain copies, and no Transpose node enters each forward graph) and the bias. Several HF linears over the same
 * input (q/k/v) are concatenated along the output so that they run as one GEMM. The source tensors are removed from
 * the weight map and the prepared ones stored there instead (the map owns and disposes everything).
 */
export class PreparedLinear {
  readonly wT: A; readonly b?: A; readonly out: number;
  constructor(w: Weights, names: string[], file: string) {
    const ws = names.map((n) => take(w, `${n}.weight`, file));
    const bs = names.map((n) => w.get(`${n}.bias`));
    if (bs.some((b) => !b) && bs.some((b) => b)) throw new ModelFormatError(`${file}: ${names.join(', ')}: some have a bias, some not`, file);
    const cat = ws.length === 1 ? ws[0] : mx.concatenate(ws, 0);
    this.wT = mx.copy(mx.transpose(cat));
    this.b = bs[0] ? (bs.length === 1 ? mx.copy(bs[0]) : mx.concatenate(bs as A[], 0)) : undefined;
    mx.eval(this.b ? [this.wT, this.b] : [this.wT]);
    if (ws.length > 1) cat.dispose();
    for (const n of names) for (const k of [`${n}.weight`, `${n}.bias`]) { w.get(k)?.dispose(); w.delete(k); }
    w.set(`${names.join('+')}.weight^T`, this.wT);
    if (this.b) w.set(`${names.join('+')}.bias`, this.b);
    this.out = this.wT.shape[1];
  }
}

/**
 * Biases broadcast to [rows, out] once per input shape and evaluated (stride-0 views, no copies), so that the
 * forward graph holds no Broadcast node per bias add. Kept outside any `mx.tidy` scope; replaced when the shape changes.
 */
class BiasViews {
  private key = ''; private views: A[] = [];
  get(rows: number, lins: PreparedLinear[]): A[] {
    const key = String(rows);
    if (key !== this.key) {
      this.dispose();
      this.views = mx.keep(lins.map((l) => mx.broadcastTo(l.b!, [rows, l.out])));
      mx.eval(this.views);
      this.key = key;
    }
    return this.views;
  }
  dispose(): void { mx.dispose(this.views); this.views = []; this.key = ''; }
}

/** A CLIP/SigLIP encoder layer: x + attn(ln1(x)); x + mlp(ln2(x)); q/k/v as one GEMM, biases folded into AddMM. */
export class VitLayer {
  readonly qkv; readonly o; readonly fc1; readonly fc2; readonly ln1; readonly ln2;
  private readonly biases = new BiasViews();
  constructor(w: Weights, p: string, file: string, readonly heads: number, readonly eps: number, readonly act: (x: A) => A) {
    const a = `${p}self_attn.`;
    this.qkv = new PreparedLinear(w, [`${a}q_proj`, `${a}k_proj`, `${a}v_proj`], file);
    this.o = new PreparedLinear(w, [`${a}out_proj`], file);
    this.fc1 = new PreparedLinear(w, [`${p}mlp.fc1`], file); this.fc2 = new PreparedLinear(w, [`${p}mlp.fc2`], file);
    this.ln1 = lin(w, `${p}layer_norm1`, file); this.ln2 = lin(w, `${p}layer_norm2`, file);
  }
  forward(x: A, mask?: A): A {
    const [B, T, C] = x.shape;
    return mx.reshape(this.forwardRows(mx.reshape(x, [B * T, C]), B, T, mask), [B, T, C]);
  }

  /**
   * The layer on the residual stream as rows [B*T, C]: with 2-D operands the GEMMs need no broadcast of the
   * weights over a batch dim, so a layer is ~17 graph nodes (towers keep the stream 2-D across layers).
   */
  forwardRows(x: A, B: number, T: number, mask?: A): A {
    const C = x.shape[1], H = this.heads, D = C / H;
    const lins = [this.qkv, this.o, this.fc1, this.fc2];
    const withBias = lins.every((l) => l.b);
    const bv = withBias ? this.biases.get(B * T, lins) : [];
    const proj = (i: number, y: A, l: PreparedLinear) => (withBias ? mx.addmm(bv[i], y, l.wT) : linearT(y, l));
    // [B*T, 3C] → [B, 3H, T, D] (a view); q, k, v are slices of it that the attention kernels read strided
    const qkv = mx.transpose(mx.reshape(proj(0, mx.fast.layerNorm(x, this.ln1[0], this.ln1[1], this.eps), this.qkv), [B, T, 3 * H, D]), [0, 2, 1, 3]);
    const heads = (i: number) => qkv.index(mx.Slice(), mx.Slice(i * H, (i + 1) * H));
    const att = attention(heads(0), heads(1), heads(2), 1 / Math.sqrt(D), mask);
    x = mx.add(x, proj(1, mx.reshape(mx.transpose(att, [0, 2, 1, 3]), [B * T, C]), this.o));
    const z = mx.fast.layerNorm(x, this.ln2[0], this.ln2[1], this.eps);
    return mx.add(x, proj(3, this.act(proj(2, z, this.fc1)), this.fc2));
  }
  dispose(): void { this.biases.dispose(); }
}

const linearT = (x: A, l: PreparedLinear): A => (l.b ? mx.add(mx.matmul(x, l.wT), l.b) : mx.matmul(x, l.wT));

/** Pixels in the tower's weight dtype, as HF casts them (a float32 input would otherwise promote every bf16 op). */
export const toWeightDtype = (pix: A, w: A): A => (pix.dtype === w.dtype ? pix : mx.astype(pix, w.dtype));

/** [N, C, H, W] → [N, (H/P)*(W/P), C*P*P] in the row-major patch order of a stride-P conv. */
export function patchify(pix: A, P: number): A {
  const [N, C, H, W] = pix.shape;
  const gh = Math.floor(H / P), gw = Math.floor(W / P);
  const x = mx.reshape(pix.index(mx.Slice(), mx.Slice(), mx.Slice(0, gh * P), mx.Slice(0, gw * P)), [N, C, gh, P, gw, P]);
  return mx.reshape(mx.transpose(x, [0, 2, 4, 1, 3, 5]), [N, gh * gw, C * P * P]);
}
