// scaledDotProductAttention on a case of the sdpa_blocked fixture (scripts/oracles/sdpa_blocked.py): q/k/v given
// separately, or (`fused`) as one [B, T, 3H, D] projection whose head slices are read strided.
import * as mx from '@mlx/core';
import { decode, type FixtureCase } from './fixtures.js';

export function sdpaOnFixture(c: FixtureCase): mx.array {
  let q: mx.array, k: mx.array, v: mx.array;
  if (c.args.fused) {
    const H = c.args.fused as number, t = mx.transpose(decode(c.inputs[0]), [0, 2, 1, 3]);
    [q, k, v] = [0, 1, 2].map((i) => t.index(mx.Slice(), mx.Slice(i * H, (i + 1) * H)));
  } else {
    [q, k, v] = c.inputs.slice(0, 3).map(decode);
  }
  const mask = c.inputs[3] ? decode(c.inputs[3]) : undefined;
  return mx.fast.scaledDotProductAttention(q, k, v, c.args.scale as number, mask);
}
