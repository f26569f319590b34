// The engine demo: lazy arrays, transforms, compile, async evaluation and IO in one short tour.
// Run with `bash scripts/demo.sh` (it builds everything first).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';

const section = (title) => console.log(`\n— ${title}`);

section('Lazy arrays (nothing runs until a value is needed)');
const a = mx.array([[1, 2], [3, 4]]);
const b = mx.matmul(a, mx.transpose(a));
console.log(`a @ aᵀ =\n${b}`);
console.log(`softmax over rows =\n${mx.softmax(b, -1)}`);

section('Function transforms: grad, vmap');
const f = (x) => mx.sum(mx.multiply(mx.sin(x), mx.exp(x)));
const x = mx.array([0.1, 0.5, 1.0]);
const g = mx.grad(f)(x);
console.log(`d/dx Σ sin(x)·eˣ at ${x.tolist().map((v) => v.toFixed(1))} = ${g.tolist().map((v) => v.toFixed(4))}`);
console.log(`analytic (cos x + sin x)·eˣ        = ${x.tolist().map((v) => ((Math.cos(v) + Math.sin(v)) * Math.exp(v)).toFixed(4))}`);
const rowNorms = mx.vmap((row) => mx.sqrt(mx.sum(mx.square(row))))(mx.reshape(mx.arange(6, mx.float32), [3, 2]));
console.log(`vmap(row norm) of [[0,1],[2,3],[4,5]] = ${rowNorms.tolist().map((v) => v.toFixed(3))}`);

section('compile: an elementwise chain fused into one pass over 4M floats');
const chain = (z) => {
  for (let i = 0; i < 8; i++) z = i % 2 ? mx.tanh(z) : mx.add(mx.multiply(z, 1.01), 0.1);
  return z;
};
const fused = mx.compile(chain);
const big = mx.random.normal([1 << 22]);
mx.eval(big);
const time = (fn) => {
  mx.tidy(() => mx.eval(fn(big)));
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) mx.tidy(() => mx.eval(fn(big)));
  return (performance.now() - t0) / 5;
};
const te = time(chain), tc = time(fused);
console.log(`eager ${te.toFixed(1)} ms, compiled ${tc.toFixed(1)} ms (${(te / tc).toFixed(1)}× faster), equal: ${mx.allclose(chain(big), fused(big)).item()}`);

section('asyncEval: the event loop stays free while the engine works');
const m = mx.random.normal([1024, 1024]);
const products = Array.from({ length: 8 }, (_, i) => mx.matmul(mx.add(m, i), m));
let ticks = 0;
const timer = setInterval(() => ticks++, 1);
const t0 = performance.now();
await mx.asyncEval(...products);
clearInterval(timer);
console.log(`8 GEMMs of 1024² in ${(performance.now() - t0).toFixed(0)} ms; the 1 ms timer fired ${ticks} times meanwhile`);

section('Memory: tidy frees temporaries');
const before = mx.getActiveMemory();
for (let i = 0; i < 1000; i++) mx.tidy(() => mx.eval(mx.exp(mx.multiply(big, 0.5))));
console.log(`active memory before ${(before / 2 ** 20).toFixed(1)} MiB, after 1000 iterations ${(mx.getActiveMemory() / 2 ** 20).toFixed(1)} MiB`);

section('Spectra and files');
const n = 400, tone = mx.sin(mx.multiply(mx.arange(n, mx.float32), (2 * Math.PI * 50) / n));
const spectrum = mx.abs(mx.fft.rfft(tone));
console.log(`rfft of a 50-cycle tone over ${n} samples peaks at bin ${mx.argmax(spectrum).item()}`);
const dir = mkdtempSync(join(tmpdir(), 'mlx-demo-'));
mx.saveSafetensors(join(dir, 'w.safetensors'), { a, spectrum });
const back = mx.load(join(dir, 'w.safetensors'));
console.log(`safetensors round trip: ${Object.keys(back).join(', ')} equal: ${mx.arrayEqual(back.a, a).item()}`);

try {
  mx.reshape(a, [3, 3]);
} catch (e) {
  console.log(`\nBad input gives typed errors: ${e.constructor.name} (${e.code}): ${e.message}`);
}
