// Every layer against MLX with MLX's own weights: outputs, input gradients and parameter gradients.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { decode, expectArrayClose, expectTreeClose, fixture, pairs } from './helpers/nnfix.js';

type A = mx.array;
type Builder = [() => nn.Module, ((m: any, ...xs: any[]) => A | A[])?];
const fwd = (m: any, ...xs: A[]) => m.forward(...xs);


const acts: Record<string, () => nn.Module> = {
  Sigmoid: () => new nn.Sigmoid(), Mish: () => new nn.Mish(), ReLU: () => new nn.ReLU(), ReLU2: () => new nn.ReLU2(),
  ReLU6: () => new nn.ReLU6(), LeakyReLU: () => new nn.LeakyReLU(), 'LeakyReLU_0.2': () => new nn.LeakyReLU(0.2),
  ELU: () => new nn.ELU(), 'ELU_0.5': () => new nn.ELU(0.5), Softmax: () => new nn.Softmax(), Softplus: () => new nn.Softplus(),
  Softsign: () => new nn.Softsign(), Softshrink: () => new nn.Softshrink(), Softshrink_1: () => new nn.Softshrink(1.0),
  CELU: () => new nn.CELU(), CELU_2: () => new nn.CELU(2.0), SiLU: () => new nn.SiLU(), LogSoftmax: () => new nn.LogSoftmax(),
  LogSigmoid: () => new nn.LogSigmoid(), PReLU: () => new nn.PReLU(), PReLU_4: () => new nn.PReLU(10, 0.1),
  GELU: () => new nn.GELU(), GELU_precise: () => new nn.GELU('precise'), GELU_tanh: () => new nn.GELU('tanh'),
  GELU_fast: () => new nn.GELU('fast'), Tanh: () => new nn.Tanh(), Hardswish: () => new nn.Hardswish(), Step: () => new nn.Step(),
  'Step_0.5': () => new nn.Step(0.5), SELU: () => new nn.SELU(), HardTanh: () => new nn.HardTanh(), HardShrink: () => new nn.HardShrink(),
  HardShrink_1: () => new nn.HardShrink(1.0), Softmin: () => new nn.Softmin(), GLU: () => new nn.GLU(),
};

function qmodel() {
  const m = new nn.Sequential(new nn.Linear(64, 8), new nn.ReLU(), new nn.Linear(8, 128, false));
  nn.quantize(m, 32, 4, (_p, l) => l instanceof nn.Linear && l.weight.shape[1] % 32 === 0);
  return m;
}

const builders: Record<string, Builder> = {
  linear: [() => new nn.Linear(5, 3)],
  linear_nobias: [() => new nn.Linear(5, 3, false)],
  bilinear: [() => new nn.Bilinear(3, 4, 5)],
  embedding: [() => new nn.Embedding(10, 4)],
  sequential: [() => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2))],
  identity: [() => new nn.Identity()],
  layernorm: [() => new nn.LayerNorm(6)],
  layernorm_noaffine: [() => new nn.LayerNorm(6, 1e-3, false)],
  layernorm_nobias: [() => new nn.LayerNorm(6, 1e-5, true, false)],
  rmsnorm: [() => new nn.RMSNorm(6)],
  groupnorm: [() => new nn.GroupNorm(2, 6)],
  groupnorm_pt: [() => new nn.GroupNorm(3, 6, 1e-5, true, true)],
  instancenorm: [() => new nn.InstanceNorm(6, 1e-5, true)],
  instancenorm_plain: [() => new nn.InstanceNorm(4)],
  batchnorm_eval: [() => new nn.BatchNorm(6)],
  batchnorm_train: [() => new nn.BatchNorm(6, 1e-5, 0.3)],
  batchnorm_train_noaffine: [() => new nn.BatchNorm(5, 1e-5, 0.1, false)],
  dropout_eval: [() => new nn.Dropout(0.5)],
  maxpool1d: [() => new nn.MaxPool1d(3, 2, 1)],
  avgpool1d: [() => new nn.AvgPool1d(2)],
  maxpool2d: [() => new nn.MaxPool2d(2)],
  avgpool2d: [() => new nn.AvgPool2d([3, 2], [2, 1], 1)],
  maxpool3d: [() => new nn.MaxPool3d(2, 1)],
  avgpool3d: [() => new nn.AvgPool3d(2)],
  rope: [() => new nn.RoPE(8), (m, x) => m.forward(x, 3)],
  rope_trad: [() => new nn.RoPE(6, true, 100, 0.5)],
  sinusoidal: [() => new nn.SinusoidalPositionalEncoding(8)],
  sinusoidal_cos: [() => new nn.SinusoidalPositionalEncoding(6, 0.01, 2.0, 1.5, true, true)],
  alibi: [() => new nn.ALiBi()],
  alibi_mask_offset: [() => new nn.ALiBi(), (m, s, mask) => m.forward(s, 2, mask)],
  mha: [() => new nn.MultiHeadAttention(8, 2)],
  mha_causal: [() => new nn.MultiHeadAttention(8, 4, null, null, null, null, null, true), (m, x, mask) => m.forward(x, x, x, mask)],
  mha_dims: [() => new nn.MultiHeadAttention(8, 2, 6, 5, 7, 4, 3, true)],
  encoder_layer: [() => new nn.TransformerEncoderLayer(8, 2, 16)],
  encoder_layer_post: [() => new nn.TransformerEncoderLayer(8, 2, 16, 0.0, nn.gelu, false)],
  encoder: [() => new nn.TransformerEncoder(2, 8, 2)],
  decoder_layer: [() => new nn.TransformerDecoderLayer(8, 2, 16), (m, x, mem, mask) => m.forward(x, mem, mask, null)],
  decoder_layer_post: [() => new nn.TransformerDecoderLayer(8, 2, 16, 0.0, nn.relu, false), (m, x, mem, mask) => m.forward(x, mem, mask, null)],
  transformer: [() => new nn.Transformer(8, 2, 1, 1, 16), (m, src, tgt, mask) => m.forward(src, tgt, null, mask, null)],
  rnn: [() => new nn.RNN(3, 4)],
  rnn_hidden_nobias: [() => new nn.RNN(3, 4, false, nn.relu)],
  gru: [() => new nn.GRU(3, 4)],
  gru_hidden: [() => new nn.GRU(3, 4)],
  gru_nobias: [() => new nn.GRU(3, 4, false)],
  lstm: [() => new nn.LSTM(3, 4)],
  lstm_state: [() => new nn.LSTM(3, 4)],
  up_nearest2: [() => new nn.Upsample(2)],
  up_nearest_frac: [() => new nn.Upsample([1.5, 2.5])],
  up_nearest_down: [() => new nn.Upsample(0.5)],
  up_linear: [() => new nn.Upsample(2, 'linear')],
  up_linear_ac: [() => new nn.Upsample(2, 'linear', true)],
  up_linear_1d: [() => new nn.Upsample(2.5, 'linear')],
  up_cubic: [() => new nn.Upsample(2, 'cubic')],
  up_cubic_ac: [() => new nn.Upsample([2, 1.5], 'cubic', true)],
  up_linear_aa: [() => new nn.Upsample(0.5, 'linear', false, true)],
  up_cubic_aa: [() => new nn.Upsample(0.5, 'cubic', false, true)],
  conv1d: [() => new nn.Conv1d(3, 4, 3, 2, 1)],
  conv1d_groups: [() => new nn.Conv1d(4, 6, 2, 1, 0, 2, 2, false)],
  conv2d: [() => new nn.Conv2d(3, 4, [3, 2], 1, 1)],
  conv3d: [() => new nn.Conv3d(2, 3, 2, [1, 2, 1])],
  convT1d: [() => new nn.ConvTranspose1d(3, 4, 3, 2, 1)],
  convT2d: [() => new nn.ConvTranspose2d(2, 3, 2, 2)],
  convT3d: [() => new nn.ConvTranspose3d(2, 2, 2)],
  quantized_seq: [qmodel],
  quantized_linear_8bit: [() => new nn.QuantizedLinear(64, 16, true, 64, 8)],
  quantized_embedding: [() => new nn.QuantizedEmbedding(12, 64, 32, 4)],
  quantized_embedding_as_linear: [() => nn.QuantizedEmbedding.fromEmbedding(new nn.Embedding(12, 64), 64, 4), (m, x) => m.asLinear(x)],
};
for (const [k, f] of Object.entries(acts)) builders[`act_${k}`] = [f];

// Attention and recurrent stacks accumulate more float32 rounding than single ops.
const tol = (name: string): [number, number] => (/^(encoder|decoder|transformer|mha|quantized|gru|lstm|rnn|up_)/.test(name) ? [2e-4, 2e-5] : [1e-4, 1e-5]);

describe('layers match MLX (same weights)', () => {
  for (const c of fixture.layers) {
    const spec = builders[c.name];
    it(c.name, () => {
      expect(spec, `no builder for ${c.name}`).toBeDefined();
      const [build, call0] = spec;
      const call = call0 ?? fwd;
      const model = build();
      model.loadWeights(pairs(c.params));  // strict: same names and shapes as MLX
      model.train(c.train);
      const inputs = c.inputs.map(decode);
      const [rt, at] = tol(c.name);
      const outs0 = call(model, ...inputs);
      const outs = Array.isArray(outs0) ? outs0 : [outs0];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o: A, i: number) => expectArrayClose(o, c.outputs[i], rt, at));
      if (c.params_after) {
        expectTreeClose(model.parameters(), c.params_after, rt, at);
        model.loadWeights(pairs(c.params));
      }
      if (!c.cots) return;
      const cots = c.cots.map(decode);
      const lossOf = (o0: A | A[]) => {
        const os = Array.isArray(o0) ? o0 : [o0];
        return os.map((o, i) => mx.sum(mx.multiply(o, cots[i]))).reduce((a, b) => mx.add(a, b));
      };
      if (c.grad_inputs.length) {
        const f = (...xs: A[]) => {
          const full = [...inputs];
          c.grad_inputs.forEach((idx: number, j: number) => { full[idx] = xs[j]; });
          return lossOf(call(model, ...full));
        };
        const g = mx.grad(f, c.grad_inputs.map((_: number, j: number) => j))(...c.grad_inputs.map((i: number) => inputs[i]));
        (g as A[]).forEach((gi, j) => expectArrayClose(gi, c.grads_in[j], rt * 5, at * 5));
      }
      const vg = nn.valueAndGrad(model, (...xs: A[]) => lossOf(call(model, ...xs)));
      const [loss, grads] = vg(...inputs);
      expect(Math.abs(loss.item() as number - c.loss)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(c.loss)));
      expectTreeClose(grads, c.grads_params, rt * 5, at * 5);
    });
  }
});

describe('layer behaviour', () => {
  it('Linear/Embedding/Conv parameter names, shapes and init ranges follow MLX', () => {
    const l = new nn.Linear(16, 4);
    expect(l.weight.shape).toEqual([4, 16]);
    expect(l.bias!.shape).toEqual([4]);
    const w = Array.from(l.weight.toTypedArray() as Float32Array);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Object.keys(new nn.Linear(3, 2, false).parameters())).toEqual(['weight']);
    const e = new nn.Embedding(1000, 16);
    const ev = Array.from(e.weight.toTypedArray() as Float32Array);
    const sd = Math.sqrt(ev.reduce((a, b) => a + b * b, 0) / ev.length);
    expect(Math.abs(sd - 0.25)).toBeLessThan(0.02);
    const c = new nn.Conv2d(6, 8, 3, 1, 0, 1, 2);
    expect(c.weight.shape).toEqual([8, 3, 3, 3]);
    expect(new nn.ConvTranspose1d(3, 5, 4).weight.shape).toEqual([5, 4, 3]);
    expect(Object.keys(new nn.GRU(3, 4).parameters()).sort()).toEqual(['Wh', 'Wx', 'b', 'bhn']);
    expect(Object.keys(new nn.RNN(3, 4, false).parameters()).sort()).toEqual(['Whh', 'Wxh']);
  });

  it('BatchNorm running stats are frozen parameters, saved but not trained', () => {
    const bn = new nn.BatchNorm(4);
    expect(Object.keys(bn.parameters()).sort()).toEqual(['bias', 'runningMean', 'runningVar', 'weight']);
    expect(Object.keys(bn.trainableParameters()).sort()).toEqual(['bias', 'weight']);
    bn.unfreeze();
    expect(Object.keys(bn.trainableParameters()).sort()).toEqual(['bias', 'weight']);
    bn.eval();
    const x = mx.random.normal([3, 4]);
    expectArrayClose(bn.forward(x), mx.divide(x, Math.sqrt(1 + 1e-5)), 1e-5, 1e-6);
  });

  it('Dropout keeps expectation in training, is identity in eval; errors are typed', () => {
    const d = new nn.Dropout(0.25);
    const y = d.forward(mx.ones([20000]));
    const v = Array.from(y.toTypedArray() as Float32Array);
    const zeros = v.filter((t) => t === 0).length / v.length;
    expect(Math.abs(zeros - 0.25)).toBeLessThan(0.02);
    expect(v.every((t) => t === 0 || Math.abs(t - 1 / 0.75) < 1e-6)).toBe(true);
    const d2 = new nn.Dropout2d(0.5);
    const y2 = d2.forward(mx.ones([2, 3, 3, 64])).toTypedArray() as Float32Array;
    for (let ch = 0; ch < 64; ch++) {  // a channel is dropped across all positions or none
      const col = Array.from({ length: 9 }, (_, p) => y2[p * 64 + ch]);
      expect(new Set(col).size).toBe(1);
    }
    d.eval();
    const x = mx.random.normal([5]);
    expect(d.forward(x)).toBe(x);
    expect(() => new nn.Dropout(1)).toThrow(mx.InvalidArgumentError);
    expect(() => new nn.Dropout3d(0.5).forward(mx.ones([2, 2]))).toThrow(mx.ShapeError);
    expect(() => new nn.GroupNorm(4, 6)).toThrow(/divisible/);
    expect(() => new nn.LayerNorm(4, 0)).toThrow(/eps/);
    expect(() => new nn.MultiHeadAttention(6, 4)).toThrow(/divisible/);
    expect(() => new nn.GELU('bad' as any)).toThrow(/approximation/);
    expect(() => new nn.MaxPool2d([2, 2, 2])).toThrow(/kernel_size/);
    expect(() => new nn.Upsample(2, 'nearest', false, true)).toThrow(/Antialiasing/);
  });

  it('activation functions equal their classes; softmin/glu/step shapes', () => {
    const x = mx.random.normal([3, 6]);
    expectArrayClose(nn.silu(x), new nn.SiLU().forward(x), 0, 0);
    expectArrayClose(nn.leakyRelu(x, 0.3), new nn.LeakyReLU(0.3).forward(x), 0, 0);
    expect(nn.glu(x).shape).toEqual([3, 3]);
    expect(nn.step(x).dtype).toBe(mx.int32);
    expectArrayClose(nn.softmin(x), nn.softmax(mx.negative(x)), 1e-6, 1e-7);
    expectArrayClose(nn.softShrink(x, 0.3), nn.softshrink(x, 0.3), 0, 0);
  });

  it('Sequential accepts plain functions; nn.quantize replaces Linear leaves', () => {
    const s = new nn.Sequential(new nn.Linear(4, 4), nn.relu, new nn.Linear(4, 2));
    expect(s.forward(mx.ones([1, 4])).shape).toEqual([1, 2]);
    const m = new nn.Sequential(new nn.Linear(64, 64), new nn.Embedding(8, 64));
    nn.quantize(m, 64, 4);
    expect(m.layers[0]).toBeInstanceOf(nn.QuantizedLinear);
    expect(m.layers[1]).toBeInstanceOf(nn.QuantizedEmbedding);
    // As in MLX: the quantized weights are frozen; the carried-over Linear bias stays trainable.
    expect(mx.utils.treeFlatten(m.trainableParameters()).map(([k]) => k)).toEqual(['layers.0.bias']);
  });

  it('MultiHeadAttention causal mask helper matches finfo.min above the diagonal', () => {
    const m = nn.MultiHeadAttention.createAdditiveCausalMask(3).tolist() as number[][];
    expect(m[0][0] === 0).toBe(true);  // -0 as in MLX (0 * min)
    expect(m[0][1]).toBe(mx.finfo(mx.float32).min);
    expect(m[2][1] === 0).toBe(true);
  });

  it('saveWeights/loadWeights round-trip through snake_case safetensors (Wxh stays Wxh)', async () => {
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const m = new nn.Sequential(new nn.BatchNorm(3), new nn.RNN(3, 2), new nn.MultiHeadAttention(4, 2));
    const file = join(tmpdir(), `nn-${process.pid}.safetensors`);
    m.saveWeights(file);
    const keys = Object.keys(mx.load(file) as Record<string, A>).sort();
    expect(keys).toContain('layers.0.running_mean');
    expect(keys).toContain('layers.1.Wxh');
    expect(keys).toContain('layers.2.query_proj.weight');
    const m2 = new nn.Sequential(new nn.BatchNorm(3), new nn.RNN(3, 2), new nn.MultiHeadAttention(4, 2));
    m2.loadWeights(file);
    expectArrayClose((m2.layers[1] as nn.RNN).Wxh, (m.layers[1] as nn.RNN).Wxh, 0, 0);
  });
});
