// int8 weights with dynamic activation quantization (CTranslate2's "int8" compute type): Linear layers and the
// tied token embedding keep int8 rows with one float scale per row and multiply through mx.int8Linear (an int8 x
// int8 GEMM; each activation row is quantized on the fly). Convolutions, norms and attention stay float32.
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';

type A = mx.array;

export class Int8Linear extends nn.Module {
  weight: A;   // int8 [out, in]
  scales: A;   // float32 [out]: w ≈ weight * scales
  declare bias?: A;
  constructor(weight: A, scales: A, bias?: A) {
    super();
    this.weight = weight;
    this.scales = scales;
    if (bias) this.bias = bias;
    this.freeze();
  }
  static fromLinear(l: nn.Linear): Int8Linear {
    const [q, s] = mx.int8QuantizeRows(l.weight);
    return new Int8Linear(q, s, l.bias ? l.bias.astype(mx.float32) : undefined);
  }
  forward(x: A): A {
    return mx.int8Linear(x, this.weight, this.scales, this.bias);
  }
}

/** The token embedding in int8: rows are dequantized when looked up; as the output projection it is int8Linear. */
export class Int8Embedding extends nn.Module {
  weight: A;   // int8 [vocab, dims]
  scales: A;   // float32 [vocab]
  constructor(weight: A, scales: A) {
    super();
    this.weight = weight;
    this.scales = scales;
    this.freeze();
  }
  static fromEmbedding(e: nn.Embedding): Int8Embedding {
    const [q, s] = mx.int8QuantizeRows(e.weight);
    return new Int8Embedding(q, s);
  }
  forward(tokens: A): A {
    const rows = mx.take(this.weight, tokens, 0).astype(mx.float32);
    return mx.multiply(rows, mx.expandDims(mx.take(this.scales, tokens, 0), -1));
  }
  asLinear(x: A): A {
    return mx.int8Linear(x, this.weight, this.scales);
  }
}

/** Replaces every Linear and Embedding of `model` by its int8 counterpart, in place (float weights are freed). */
export function quantizeInt8(model: nn.Module): void {
  for (const [path, m] of model.leafModules()) {
    let q: nn.Module | undefined;
    if (m instanceof nn.Linear) q = Int8Linear.fromLinear(m);
    else if (m instanceof nn.Embedding) q = Int8Embedding.fromEmbedding(m);
    if (!q) continue;
    mx.eval(q.parameters());
    model.setModule(path, q);
    (m as nn.Linear | nn.Embedding).weight.dispose();
  }
}
