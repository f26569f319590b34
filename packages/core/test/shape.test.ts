import { describe, it, expect } from 'vitest';
import * as mx from '@mlx/core';
import { decode, dtypeByName, expectArrayClose, loadFixture } from './helpers/fixtures.js';

const cases = loadFixture('shape');

// Rebuilds the non-contiguous view that the oracle used, from the same base array.
function view(x: mx.array, name: string): mx.array {
  switch (name) {
    case 'contiguous': return x;
    case 'transposed': return mx.transpose(x, [2, 0, 1]);
    case 'stepped': return x.index(mx.Slice(null, null, 2), mx.Slice(null, null, -1), mx.Slice(1, null, 2));
    case 'broadcast': return mx.broadcastTo(x.index(mx.Slice(), mx.Slice(null, 1), mx.Slice()), [4, 5, 6]);
  }
  throw new Error(name);
}

describe('layout ops against MLX fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const inputs = c.inputs.map(decode);
      const v = c.view ? view(inputs[0], c.view) : inputs[0];
      switch (c.op) {
        case 'astype': return expectArrayClose(mx.astype(v, dtypeByName(c.args.dtype)), c.expected, 0, 0);
        case 'reshape': return expectArrayClose(mx.reshape(v, c.args.shape), c.expected, 0, 0);
        case 'flatten': return expectArrayClose(mx.flatten(v), c.expected, 0, 0);
        case 'swapaxes': return expectArrayClose(mx.swapaxes(v, c.args.a1, c.args.a2), c.expected, 0, 0);
        case 'moveaxis': return expectArrayClose(mx.moveaxis(v, c.args.s, c.args.d), c.expected, 0, 0);
        case 'concatenate': {
          const twice = mx.multiply(v, 2);
          return expectArrayClose(mx.concatenate([v, twice], c.args.axis), c.expected, 1e-6, 0);
        }
        case 'stack': return expectArrayClose(mx.stack([v, v], c.args.axis), c.expected, 0, 0);
        case 'split': {
          const parts = mx.split(v, c.args.indices, c.args.axis);
          expect(parts.length).toBe(c.expected.length);
          parts.forEach((p, i) => expectArrayClose(p, c.expected[i], 0, 0));
          return;
        }
        case 'index': return expectArrayClose(v.index(1, mx.Slice(null, null, -2), null, mx.Slice(2, 5)), c.expected, 0, 0);
        case 'concatenate2': return expectArrayClose(mx.concatenate(inputs, 0), c.expected, 0, 0);
      }
      throw new Error(`unknown op ${c.op}`);
    });
  }
});

describe('views share memory and evaluate lazily', () => {
  it('transpose/reshape of a transposed array copies only when needed', () => {
    const a = mx.reshape(mx.arange(24), [2, 3, 4]);
    const t = mx.transpose(a, [1, 0, 2]);
    expect(mx.reshape(t, [6, 4]).tolist()).toEqual(mx.reshape(mx.copy(t), [6, 4]).tolist());
    expect(mx.reshape(mx.transpose(a), [-1]).shape).toEqual([24]);
  });
  it('iterates over the first axis', () => {
    const rows = [...mx.array([[1, 2], [3, 4]])].map((r) => r.tolist());
    expect(rows).toEqual([[1, 2], [3, 4]]);
  });
  it('streams scope the default device', () => {
    const before = mx.defaultDevice();
    {
      using _s = mx.stream(mx.cpu);
      expect(mx.defaultDevice().equals(mx.cpu)).toBe(true);
      const x = mx.add(mx.array([1]), 1, mx.cpu);
      expect(x.item()).toBe(2);
    }
    // The scope restores whatever was the default (the GPU when MLX_DEFAULT_DEVICE=gpu).
    expect(mx.defaultDevice().equals(before)).toBe(true);
  });
});
