import * as mx from '@mlx/core';
const shape = [3000, 400];
const v = new Float32Array(3000 * 400).map((_, i) => Math.sin(i * 0.37) + 0.1 * ((i * 7919) % 13));
const x = mx.reshape(mx.array(v), shape); mx.eval(x);
function bench(name, f, iters = 50) {
  for (let i = 0; i < 5; i++) { const y = f(); mx.eval(y); y.dispose?.(); }
  const ts = [];
  for (let i = 0; i < iters; i++) { const t0 = process.hrtime.bigint(); const y = f(); mx.eval(y); ts.push(Number(process.hrtime.bigint() - t0) / 1e6); y.dispose?.(); }
  ts.sort((a, b) => a - b);
  console.log(`${name}: median ${ts[iters >> 1].toFixed(3)} ms, min ${ts[0].toFixed(3)} ms`);
}
const y0 = mx.fft.rfft(x); mx.eval(y0);
bench("ours rfft (3000,400)", () => mx.fft.rfft(x));
bench('ours irfft (3000,201)->400', () => mx.fft.irfft(y0, 400));
