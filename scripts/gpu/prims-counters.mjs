// Runs each primitive of the former CPU-fallback list once on the GPU and prints its fallback count
// (0 = a GPU kernel ran) plus the list of every primitive that still fell back. On the GPU machine:
//   node scripts/gpu/prims-counters.mjs
import * as mx from '../../packages/core/dist/index.js';

if (!mx.cuda.isAvailable()) {
  console.log('prims-counters: no CUDA GPU');
  process.exit(0);
}
const g = mx.gpu, c = mx.cpu;
const rand = (shape, seed) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), c);
const onGpu = (fn) => { const s = mx.stream(g); try { return fn(); } finally { s.dispose(); } };

const x = rand([8, 64], 1), cx = mx.fft.fft(x, null, 0, 'backward', c);
const cases = {
  FFT: () => [mx.fft.fft(cx, null, -1, 'backward', g), mx.fft.rfft(x, null, 0, 'backward', g), mx.fft.irfft(cx, null, -1, 'backward', g)],
  Arange: () => [mx.arange(0, 100, 0.5, mx.float32, g)],
  Eye: () => [mx.eye(5, 6, 1, mx.float32, g)],
  Tri: () => [mx.tri(5, 6, 0, mx.float32, g)],
  AsStrided: () => [mx.asStrided(x, [4, 4], [2, 1], 3, g)],
  View: () => [mx.view(x, mx.int32, g)],
  AllTrue: () => [mx.allclose(x, x, 1e-5, 1e-8, false, g)],
  IsClose: () => [mx.isclose(x, x, 1e-5, 1e-8, false, g)],
  DivMod: () => mx.divmod(x, 0.7, g),
  Variance: () => [mx.variance(x, [1], false, 0, g)],
  Hadamard: () => [mx.hadamardTransform(x, null, g)],
  Int8Linear: () => [mx.int8Linear(x, mx.astype(mx.multiply(rand([16, 64], 2), 40, c), mx.int8, c), mx.ones([16], mx.float32, c), null, g)],
  GatherMM: () => [mx.gatherMM(rand([2, 4, 64], 3), rand([3, 64, 8], 4), mx.array([0, 1], mx.uint32), mx.array([2, 0], mx.uint32), false, g)],
  GatherQMM: () => {
    const [wq, sc, bi] = mx.quantize(rand([3, 32, 64], 5), 64, 4, 'affine', c);
    return [mx.gatherQMM(rand([2, 1, 64], 6), wq, sc, bi, mx.array([0, 1], mx.uint32), mx.array([2, 1], mx.uint32), true, 64, 4, 'affine', false, g)];
  },
  'Negative/Reciprocal': () => onGpu(() => [x.at(mx.array([1, 3], mx.int32)).subtract(1), x.at(mx.array([2], mx.int32)).divide(3)]),
  MaskedScatter: () => onGpu(() => [mx.indexPut_(mx.reshape(x, [8, 64], c), mx.array([true, false, true, false, false, false, false, true]), mx.zeros([64]))]),
  'RandomArgsort/RandomTake': () => [mx.random.permutation(x, 0, mx.random.key(3), g)],
};
const rows = [];
for (const [name, f] of Object.entries(cases)) {
  mx.cuda.resetCounters();
  let err = '';
  try { mx.eval(...f()); } catch (e) { err = String(e.message ?? e); }
  const cnt = mx.cuda.counters();
  const fb = Object.entries(cnt).filter(([k]) => k.startsWith('fallback:')).map(([k, v]) => `${k.slice(9)}=${v}`);
  const own = name.split('/').reduce((s, n) => s + (cnt[`fallback:${n}`] ?? 0), 0);
  rows.push(`${name.padEnd(26)} fallback=${own}${fb.length ? '  (all fallbacks: ' + fb.join(', ') + ')' : ''}${err ? '  ERROR ' + err : ''}`);
}
console.log('prims-counters (0 = GPU kernel ran):\n' + rows.join('\n'));
