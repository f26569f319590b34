import * as mx from '@mlx/core';
const n = 1 << 24;
const a = mx.array(new Float32Array(n).map((_, i) => i * 0.5)), b = mx.array(new Float32Array(n).fill(1.5));
mx.eval(a, b);
function bench(name, f, bytes, iters = 30) {
  for (let i = 0; i < 3; i++) { const r = f(); mx.eval(r); r.dispose(); }
  const ts = [];
  for (let i = 0; i < iters; i++) { const t0 = process.hrtime.bigint(); const r = f(); mx.eval(r); const t1 = process.hrtime.bigint(); r.dispose(); ts.push(Number(t1 - t0) / 1e6); }
  ts.sort((x, y) => x - y); const med = ts[ts.length >> 1];
  console.log(`${name}: median ${med.toFixed(2)} ms, ${(bytes / med / 1e6).toFixed(1)} GB/s`);
}
bench('mx add', () => mx.add(a, b), 12 * n);
bench('mx multiply', () => mx.multiply(a, b), 12 * n);
bench('mx a+scalar', () => mx.add(a, 2.5), 8 * n);
const s = mx.array(new Float32Array(1024).fill(1)); mx.eval(s);
bench('mx small add 1024', () => mx.add(s, s), 12 * 1024, 2000);
