import * as mx from '@mlx/core';
const small = mx.ones([4]); mx.eval(small);
function run(n) {
  const t0 = performance.now();
  let z = small;
  for (let i = 0; i < n; i++) z = i % 2 === 0 ? mx.add(z, 1) : mx.multiply(z, 0.5);
  const t1 = performance.now();
  mx.eval(z);
  const t2 = performance.now();
  return [(t1 - t0) * 1000 / n, (t2 - t1) * 1000 / n];
}
for (let r = 0; r < 5; r++) { const [b, e] = mx.tidy(() => run(1000)); console.log(`build ${b.toFixed(2)} us/op, eval ${e.toFixed(2)} us/op`); }
