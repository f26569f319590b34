// Engine hot paths the model packages hit: few-row products against a large weight (Whisper's vocabulary
// projection for 5 beams), half-precision matrix-vector, quantized matmul from 1 to 512 rows.
// Imported by run.mjs; run directly it prints {name: seconds} as JSON (run.mjs uses that with
// MLX_GEMM_SMALL_M=0 MLX_QMM_PANEL=0 to time the previous kernels in the same run).
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import { medianTime } from '../lib/harness.mjs';

export const engineCfg = {
  vocab: { N: 51864, K: 384, rows: [1, 5, 32] },
  half: { rows: [1, 5] },
  qmm: { N: 1536, K: 576, bits: 4, gs: 64, rows: [1, 8, 9, 32, 512] },
  qmv: [{ name: 'q4 g64 14336x4096', N: 14336, K: 4096, bits: 4, gs: 64 },
    { name: 'q8 g32 49152x576', N: 49152, K: 576, bits: 8, gs: 32 }],
};

const time = (fn, reps) => medianTime(() => mx.tidy(() => { mx.eval(fn()); }), reps);

/** Median seconds per case name. */
export function measureEngine(cfg = engineCfg) {
  const out = {};
  const { N, K } = cfg.vocab;
  const w = mx.random.normal([N, K]);
  const wh = w.astype(mx.float16), wb = w.astype(mx.bfloat16);
  mx.eval(w, wh, wb);
  for (const M of cfg.vocab.rows) {
    const x = mx.random.normal([M, K]);
    mx.eval(x);
    out[`f32 x[${M}]·Wᵀ`] = time(() => mx.matmul(x, mx.transpose(w)), 11);
  }
  for (const M of cfg.half.rows) {
    const x = mx.random.normal([M, K]);
    const xh = x.astype(mx.float16), xb = x.astype(mx.bfloat16);
    mx.eval(xh, xb);
    out[`f16 x[${M}]·Wᵀ`] = time(() => mx.matmul(xh, mx.transpose(wh)), 7);
    out[`bf16 x[${M}]·Wᵀ`] = time(() => mx.matmul(xb, mx.transpose(wb)), 7);
  }
  mx.dispose(w, wh, wb);
  const q = cfg.qmm;
  const [wq, s, b] = mx.quantize(mx.random.normal([q.N, q.K]), q.gs, q.bits);
  mx.eval(wq, s, b);
  for (const M of q.rows) {
    const x = mx.random.normal([M, q.K]);
    mx.eval(x);
    out[`qmm q4 ${q.N}x${q.K} M=${M}`] = time(() => mx.quantizedMatmul(x, wq, s, b, true, q.gs, q.bits), M >= 256 ? 5 : 21);
  }
  for (const c of cfg.qmv) {
    const [cq, cs, cb] = mx.quantize(mx.random.normal([c.N, c.K]), c.gs, c.bits);
    const x = mx.random.normal([1, c.K]);
    mx.eval(cq, cs, cb, x);
    out[`qmv ${c.name}`] = time(() => mx.quantizedMatmul(x, cq, cs, cb, true, c.gs, c.bits), 11);
    mx.dispose(cq, cs, cb);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(measureEngine()));
