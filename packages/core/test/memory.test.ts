import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

const step = (x: mx.array) => mx.sum(mx.exp(mx.add(mx.multiply(x, 2), 1)));

describe('memory', () => {
  it('keeps active memory flat over 10,000 tidy iterations', () => {
    const x = mx.array(new Float32Array(1024).map((_, i) => i / 1024));
    let base = 0, baseWrappers = 0;
    for (let i = 0; i < 10_000; i++) {
      mx.tidy(() => {
        const y = step(x);
        mx.eval(y);
        return undefined;
      });
      if (i === 999) { base = mx.getActiveMemory(); baseWrappers = mx.getWrappersCount(); }
    }
    const end = mx.getActiveMemory();
    expect(Math.abs(end - base)).toBeLessThanOrEqual(base * 0.05);
    expect(mx.getWrappersCount()).toBeLessThanOrEqual(baseWrappers + 5);
  });

  it('keeps active memory flat with explicit dispose', () => {
    const x = mx.array(new Float32Array(4096).fill(0.5));
    let base = 0;
    for (let i = 0; i < 10_000; i++) {
      const a = mx.multiply(x, 3);
      const b = mx.add(a, x);
      mx.eval(b);
      mx.dispose(a, b);
      if (i === 999) base = mx.getActiveMemory();
    }
    expect(Math.abs(mx.getActiveMemory() - base)).toBeLessThanOrEqual(base * 0.05);
  });

  it('tidy returns what the result reaches and frees the rest', () => {
    let inner: mx.array | undefined;
    const out = mx.tidy(() => {
      inner = mx.multiply(mx.array([1, 2, 3]), 2);
      return { y: mx.add(inner, 1) };
    });
    expect(out.y.tolist()).toEqual([3, 5, 7]);
    expect(inner!.disposed).toBe(true);
  });

  it('interleaved async tidies never free each other\'s arrays', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let aArr: mx.array | undefined, bArr: mx.array | undefined;
    const first = mx.tidy(async () => {
      aArr = mx.array([1, 2, 3]);
      await sleep(5);
      return 1;
    });
    const second = mx.tidy(async () => {
      bArr = mx.array([4, 5, 6]);
      await sleep(30);
      // `first` has finished by now and disposed its own arrays only.
      expect(aArr!.disposed).toBe(true);
      expect(bArr!.disposed).toBe(false);
      return mx.add(bArr!, 1);
    });
    await first;
    const r = await second;
    expect(r.tolist()).toEqual([5, 6, 7]);
    expect(bArr!.disposed).toBe(true);
  });

  it('a disposed array throws the API message', () => {
    const a = mx.array([1, 2]);
    a.dispose();
    expect(() => mx.add(a, 1)).toThrow('Error converting "this" to mx.array.');
    try { mx.add(a, 1); } catch (e) { expect((e as mx.MlxError).code).toBe('MLX_DISPOSED'); }
  });

  it('reports and limits memory', () => {
    mx.resetPeakMemory();
    const big = mx.zeros([1 << 20]);
    mx.eval(big);
    expect(mx.getActiveMemory()).toBeGreaterThanOrEqual(4 << 20);
    expect(mx.getPeakMemory()).toBeGreaterThanOrEqual(4 << 20);
    big.dispose();
    expect(mx.getCacheMemory()).toBeGreaterThan(0);
    mx.clearCache();
    expect(mx.getCacheMemory()).toBe(0);
    const prev = mx.setMemoryLimit(1 << 20);
    try {
      expect(() => mx.eval(mx.zeros([1 << 22]))).toThrow(mx.OutOfMemoryError);
    } finally {
      mx.setMemoryLimit(prev);
    }
    expect(mx.add(mx.array([1]), 1).item()).toBe(2);
  });

  it('keep() protects arrays from every enclosing tidy; the rest is still freed', () => {
    let kept: mx.array | undefined, keptNested: mx.array | undefined, dropped: mx.array | undefined;
    const out = mx.tidy(() => {
      mx.tidy(() => {
        kept = mx.keep(mx.multiply(mx.array([1, 2, 3]), 2));
        dropped = mx.add(kept, 1);
        const pair = { a: mx.array([7]), b: [mx.array([8])] };
        mx.keep(pair);
        keptNested = pair.b[0];
        return undefined;
      });
      expect(kept!.disposed).toBe(false);
      expect(dropped!.disposed).toBe(true);
      return mx.add(kept!, 1);
    });
    expect(kept!.disposed).toBe(false);
    expect(keptNested!.disposed).toBe(false);
    expect(kept!.tolist()).toEqual([2, 4, 6]);
    expect(out.tolist()).toEqual([3, 5, 7]);
    mx.dispose(kept, keptNested, out);
    expect(kept!.disposed).toBe(true);
  });

  it('keep() of an array created outside the tidy leaves it alive', () => {
    let a: mx.array | undefined, b: mx.array | undefined;
    mx.tidy(() => {
      a = mx.array([1, 2]);
      b = mx.array([3]);
      mx.tidy(() => { mx.keep(a); return undefined; });
      return undefined;
    });
    expect(a!.disposed).toBe(false);
    expect(b!.disposed).toBe(true);
    expect(a!.tolist()).toEqual([1, 2]);
    mx.dispose(a);
  });
});
