// Hooks for other packages, checked against the normal forward (itself checked against transformers in
// parity.test.ts): forwardEmbeddings (VLM input embeddings, explicit positions, precomputed cos/sin) and
// forwardFlat (a paged-KV server's batched step with the attention supplied by the caller).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM, ModelFormatError } from '../src/index.js';
import type { DecoderModel } from '../src/architectures/decoder.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf');
const ids = (xs: number[]) => mx.array(Int32Array.from(xs));

function relErr(a: mx.array, b: mx.array): number {
  const d = mx.max(mx.abs(mx.subtract(a, b))).item() as number;
  return d / (mx.max(mx.abs(b)).item() as number);
}

/** cos/sin [1, T, dims/2] of positions `pos` for a layer's RoPE (base or per-pair periods, position scale). */
function cosSin(model: DecoderModel, layer: number, pos: number[]): { cos: mx.array; sin: mx.array } {
  const { ropeDims } = model.spec;
  const l = model.spec.layers[layer];
  const half = ropeDims / 2;
  const cos = new Float32Array(pos.length * half), sin = new Float32Array(pos.length * half);
  for (let t = 0; t < pos.length; t++) for (let i = 0; i < half; i++) {
    const period = l.ropeFreqs ? l.ropeFreqs[i] : l.ropeBase! ** ((2 * i) / ropeDims);
    const angle = (pos[t] * l.ropeScale) / period;
    cos[t * half + i] = Math.cos(angle), sin[t * half + i] = Math.sin(angle);
  }
  return { cos: mx.reshape(mx.array(cos), [1, pos.length, half]), sin: mx.reshape(mx.array(sin), [1, pos.length, half]) };
}

/** Reference attention for forwardFlat: per segment, keys of earlier steps kept per (segment, layer). */
function pagedAttention(model: DecoderModel) {
  const store = new Map<string, { k: mx.array; v: mx.array }>();
  let segments: number[] = [];
  const attend = (layer: number, q: mx.array, k: mx.array, v: mx.array, o: { window: number; scale: number }) => {
    const outs: mx.array[] = [];
    let start = 0;
    segments.forEach((n, s) => {
      const rows = (a: mx.array) => a.index(mx.Slice(start, start + n));
      const key = `${s}:${layer}`;
      const prev = store.get(key);
      const kk = prev ? mx.concatenate([prev.k, rows(k)], 0) : rows(k), vv = prev ? mx.concatenate([prev.v, rows(v)], 0) : rows(v);
      store.set(key, { k: kk, v: vv });
      const L = kk.shape[0], before = L - n;
      const m = new Uint8Array(n * L);
      for (let i = 0; i < n; i++) for (let j = 0; j < L; j++) m[i * L + j] = j <= before + i && before + i - j < o.window ? 1 : 0;
      const toBHTD = (a: mx.array) => mx.expandDims(mx.transpose(a, [1, 0, 2]), 0);
      const out = mx.fast.scaledDotProductAttention(toBHTD(rows(q)), toBHTD(kk), toBHTD(vv), o.scale, mx.reshape(mx.array(m, mx.bool), [1, 1, n, L]));
      outs.push(mx.transpose(mx.squeeze(out, 0), [1, 0, 2]));
      start += n;
    });
    void model;
    return mx.concatenate(outs, 0);
  };
  return { attend, setSegments: (s: number[]) => { segments = s; } };
}

describe.each(['llama', 'gemma3'])('%s hooks', (name) => {
  const seqA = [5, 17, 33, 2, 90, 41, 7, 12, 64, 3, 18], seqB = [9, 100, 4, 27, 55, 8, 71];

  it('forwardEmbeddings with embedTokens, explicit positions or cos/sin equals forward', async () => {
    const lm = await loadLM(join(fixtures, name));
    const m = lm.model;
    const x = mx.reshape(ids(seqA), [1, seqA.length]);
    const want = m.forward(x, m.newCache());
    expect(relErr(m.forwardEmbeddings(m.embedTokens(x), m.newCache()), want)).toBeLessThan(1e-6);
    const pos = seqA.map((_, i) => i);
    const byPos = m.forwardEmbeddings(m.embedTokens(x), m.newCache(), { positions: mx.reshape(ids(pos), [1, pos.length]) });
    expect(relErr(byPos, want)).toBeLessThan(1e-5);
    const byCosSin = m.forwardEmbeddings(m.embedTokens(x), m.newCache(), { ropeCosSin: (layer) => cosSin(m, layer, pos) });
    expect(relErr(byCosSin, want)).toBeLessThan(1e-4);
    // positions matter: stretching them changes the logits (a uniform shift would not: RoPE is relative)
    const shifted = m.forwardEmbeddings(m.embedTokens(x), m.newCache(), { positions: mx.reshape(ids(pos.map((p) => 2 * p)), [1, pos.length]) });
    expect(relErr(shifted, want)).toBeGreaterThan(1e-3);
    // continuing through the cache with positions = cache offset equals the normal decode step
    const caches = m.newCache();
    m.forwardEmbeddings(m.embedTokens(x), caches);
    const step = m.forwardEmbeddings(m.embedTokens(mx.reshape(ids([42]), [1, 1])), caches, { positions: mx.reshape(ids([seqA.length]), [1, 1]) });
    const full = m.forward(mx.reshape(ids([...seqA, 42]), [1, seqA.length + 1]), m.newCache(), { lastOnly: true });
    expect(relErr(step, full)).toBeLessThan(1e-4);
    lm.dispose();
  });

  it('forwardFlat (prefill of two sequences, then one decode step each) equals forward per sequence', async () => {
    const lm = await loadLM(join(fixtures, name));
    const m = lm.model;
    const paged = pagedAttention(m);
    // prefill: both sequences but their last token, flat; logits of each segment's last row
    const a0 = seqA.slice(0, -1), b0 = seqB.slice(0, -1);
    paged.setSegments([a0.length, b0.length]);
    const pre = m.forwardFlat({
      tokens: ids([...a0, ...b0]), positions: ids([...a0.map((_, i) => i), ...b0.map((_, i) => i)]),
      segments: [a0.length, b0.length], attend: paged.attend, logitRows: [a0.length - 1, a0.length + b0.length - 1],
    });
    const last = (s: number[]) => mx.reshape(m.forward(mx.reshape(ids(s), [1, s.length]), m.newCache(), { lastOnly: true }), [-1]);
    expect(pre.shape).toEqual([2, m.spec.vocabSize]);
    expect(relErr(pre.index(0), last(a0))).toBeLessThan(1e-4);
    expect(relErr(pre.index(1), last(b0))).toBeLessThan(1e-4);
    // decode: one token per sequence at its own position (gemma3's window 8 < 11 tokens: windows are passed on)
    paged.setSegments([1, 1]);
    const step = m.forwardFlat({ tokens: ids([seqA.at(-1)!, seqB.at(-1)!]), positions: ids([a0.length, b0.length]),
      segments: [1, 1], attend: paged.attend, logitRows: [0, 1] });
    expect(relErr(step.index(0), last(seqA))).toBeLessThan(1e-4);
    expect(relErr(step.index(1), last(seqB))).toBeLessThan(1e-4);
    expect(() => m.forwardFlat({ tokens: ids([1, 2]), positions: ids([0]), segments: [2], attend: paged.attend, logitRows: [0] }))
      .toThrow(ModelFormatError);
    lm.dispose();
  });
});
