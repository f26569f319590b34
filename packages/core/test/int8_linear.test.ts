import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture, values } from './helpers/fixtures.js';

// Oracle: scripts/oracles/int8_linear.py (numpy, same quantization rule, exact integer sums).
const cases = loadFixture('int8_linear');
const linearCases = cases.filter((c) => c.op === 'int8Linear');

function run(c: (typeof cases)[number], transform = (x: mx.array) => x): mx.array {
  const [x, w, s, b] = c.inputs.map(decode);
  return mx.int8Linear(transform(x), w, s, b);
}
/** Float rounding of the epilogue only (the integer part is exact): relative 1e-5 of the output's scale. */
function expectMatches(got: mx.array, c: (typeof cases)[number]) {
  const e = decode(c.expected);
  const scale = Math.max(1, ...values(e).map(Math.abs));
  if (e.dtype === mx.float16) expectArrayClose(got, c.expected, 2e-3, 2e-3 * scale);
  else expectArrayClose(got, c.expected, 1e-5, 1e-6 * scale);
}

describe('int8Linear vs the numpy oracle', () => {
  for (const c of linearCases) it(c.name, () => expectMatches(run(c), c));

  it('non-contiguous x (a transposed view) gives the same result', () => {
    const c = linearCases.find((k) => k.name === 'M9 K100 N50')!;
    const viaView = (x: mx.array) => mx.swapaxes(mx.add(mx.swapaxes(x, 0, 1), 0), 0, 1);
    expectMatches(run(c, viaView), c);
  });

  it('int8QuantizeRows matches the oracle exactly (round half to even, zero rows)', () => {
    for (const c of cases.filter((k) => k.op === 'int8QuantizeRows')) {
      const [q, s] = mx.int8QuantizeRows(decode(c.inputs[0]));
      expect(q.dtype).toBe(mx.int8);
      expect(values(q)).toEqual(values(decode(c.expected[0])));
      expectArrayClose(s, c.expected[1], 0, 0);
    }
  });

  it('quantized weights reproduce the float product within the int8 error', () => {
    const x = mx.random.normal([6, 256], mx.random.key(1));
    const w = mx.random.normal([40, 256], mx.random.key(2));
    const [wq, ws] = mx.int8QuantizeRows(w);
    const got = values(mx.int8Linear(x, wq, ws)), ref = values(mx.matmul(x, mx.transpose(w)));
    let err = 0, norm = 0;
    for (let i = 0; i < ref.length; i++) { err += (got[i] - ref[i]) ** 2; norm += ref[i] ** 2; }
    expect(Math.sqrt(err / norm)).toBeLessThan(0.02);  // two 8-bit roundings: ~1 %
  });

  it('gradient with respect to x is the dequantized weight (straight-through)', () => {
    const c = linearCases.find((k) => k.name === 'M3 K70 N13')!;
    const [x, w, s, b] = c.inputs.map(decode);
    const g = mx.grad((xx: mx.array) => mx.sum(mx.int8Linear(xx, w, s, b)))(x);
    const wf = mx.multiply(w.astype(mx.float32), s.reshape([-1, 1]));
    expectArrayClose(g, mx.broadcastTo(mx.sum(wf, 0), x.shape), 1e-5, 1e-6);
  });
});

describe('int8Linear bad input', () => {
  const x = mx.ones([2, 8]);
  const w = mx.ones([4, 8], mx.int8);
  const s = mx.ones([4]);
  it('dtype errors', () => {
    expect(() => mx.int8Linear(x, mx.ones([4, 8]), s)).toThrow(mx.DtypeError);
    expect(() => mx.int8Linear(x, mx.ones([4, 8], mx.uint8), s)).toThrow(mx.DtypeError);
    expect(() => mx.int8Linear(mx.ones([2, 8], mx.int32), w, s)).toThrow(mx.DtypeError);
    expect(() => mx.int8Linear(x, w, mx.ones([4], mx.int32))).toThrow(mx.DtypeError);
    expect(() => mx.int8Linear(x, w, s, mx.ones([4], mx.int8))).toThrow(mx.DtypeError);
  });
  it('shape errors', () => {
    expect(() => mx.int8Linear(x, mx.ones([2, 4, 8], mx.int8), s)).toThrow(mx.ShapeError);
    expect(() => mx.int8Linear(mx.ones([2, 7]), w, s)).toThrow(mx.ShapeError);
    expect(() => mx.int8Linear(mx.ones([]), w, s)).toThrow(mx.ShapeError);
    expect(() => mx.int8Linear(x, w, mx.ones([5]))).toThrow(mx.ShapeError);
    expect(() => mx.int8Linear(x, w, mx.ones([4, 1]))).toThrow(mx.ShapeError);
    expect(() => mx.int8Linear(x, w, s, mx.ones([3]))).toThrow(mx.ShapeError);
    expect(() => mx.int8Linear(x, w, s, mx.ones([1, 4]))).toThrow(mx.ShapeError);
  });
  it('the process stays healthy after errors (errors carry stable codes)', () => {
    try { mx.int8Linear(x, mx.ones([4, 8]), s); } catch (e) { expect((e as mx.MlxError).code).toBe('MLX_DTYPE'); }
    expect(values(mx.int8Linear(x, w, s, mx.zeros([4])))).toEqual(Array(8).fill(8));
  });
});

// The AVX2 and portable kernels, selected by MLX_CPU_ISA in a fresh process (fixed once per process).
describe('instruction-set fallbacks', () => {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const fixture = fileURLToPath(new URL('./fixtures/int8_linear.json', import.meta.url));
  const script = `
    import * as mx from ${JSON.stringify(dist)};
    import { readFileSync } from 'node:fs';
    const dec = (e) => { const b = Buffer.from(e.data, 'base64'); const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      const ta = e.dtype === 'int8' ? new Int8Array(ab) : e.dtype === 'float16' ? new Uint16Array(ab) : new Float32Array(ab);
      return mx.reshape(mx.array(ta, mx[e.dtype]), e.shape); };
    const worst = [];
    for (const c of JSON.parse(readFileSync(${JSON.stringify(fixture)}, 'utf8')).cases) {
      if (c.op !== 'int8Linear') continue;
      const [x, w, s, b] = c.inputs.map(dec);
      const got = mx.astype(mx.int8Linear(x, w, s, b), mx.float32).toTypedArray(), want = mx.astype(dec(c.expected), mx.float32).toTypedArray();
      let scale = 1, err = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / scale);
      if (err > (c.expected.dtype === 'float16' ? 2e-3 : 2e-6)) worst.push([c.name, err]);
    }
    console.log(JSON.stringify(worst));`;
  for (const isa of ['generic', 'avx2']) {
    it(`MLX_CPU_ISA=${isa}`, () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, MLX_CPU_ISA: isa }, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('[]');
    });
  }
});
