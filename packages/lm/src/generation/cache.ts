// KV caches. Each layer owns one; keys/values are [B, kvHeads, L, headDim].
//  - KVCache: a buffer grown in steps of 256 positions, written in place (slice updates donate the buffer).
//  - RotatingKVCache: a ring of `window` positions for sliding-window layers (Gemma 3 local layers).
//  - QuantizedKVCache: KVCache whose buffers hold affine-quantized keys/values (8 or 4 bits).
// Every cache knows the absolute position of each slot, so masks (causal, sliding window, left padding of a
// batch) are built from positions, not from assumptions about the layout.
import * as mx from '@mlx/core';
import { GenerationOptionsError } from '../errors.js';

type A = mx.array;
const STEP = 256;

export interface LayerCache {
  /** Tokens processed so far (the absolute position of the next token). */
  readonly offset: number;
  /** Sliding window of the layer (Infinity for global layers). */
  readonly window: number;
  /** Appends k/v for T new tokens; returns the keys/values to attend over and their absolute positions. */
  update(k: A, v: A): { keys: A; values: A; keyPositions: () => number[] };
  /** Drops the newest tokens so that `offset` becomes n; false when the cache cannot (ring already wrapped). */
  trimTo(n: number): boolean;
  /** Arrays the next step's graph depends on (for asyncEval). */
  state(): A[];
  dispose(): void;
  /**
   * Fixed-shape decode (one token, batch 1; see DecoderModel's compiled step): the buffers the token's k/v go
   * into at `slot`, and each slot's absolute position once it is written (-1: empty). Null when this cache
   * cannot (no buffers yet). `commitDecode` then takes the updated buffers.
   */
  decodeSlot?(): DecodeSlot | null;
  commitDecode?(keys: A, values: A): void;
}

export interface DecodeSlot { keys: A; values: A; slot: number; positions: () => Int32Array }

const sliceSeq = (a: A, start: number, stop: number): A =>
  a.index(mx.Slice(), mx.Slice(), mx.Slice(start, stop), mx.Slice());

function range(a: number, b: number): number[] {
  const out = new Array(Math.max(0, b - a));
  for (let i = 0; i < out.length; i++) out[i] = a + i;
  return out;
}

export class KVCache implements LayerCache {
  offset = 0;
  readonly window = Infinity;
  protected keys?: A;
  protected values?: A;

  update(k: A, v: A) {
    const T = k.shape[2];
    const prev = this.offset;
    if (!this.keys || prev + T > this.keys.shape[2]) this.grow(k, v, prev + T);
    // One start index on the sequence axis (the others are 0): fewer index ops per update.
    const nk = mx.sliceUpdate(this.keys!, k, [prev], [2]);
    const nv = mx.sliceUpdate(this.values!, v, [prev], [2]);
    mx.dispose(this.keys, this.values);  // lets the update take the old buffer over (no copy)
    this.keys = untracked(nk), this.values = untracked(nv);
    this.offset = prev + T;
    const L = this.offset;
    return { keys: sliceSeq(this.keys, 0, L), values: sliceSeq(this.values, 0, L), keyPositions: () => range(0, L) };
  }

  private grow(k: A, v: A, need: number) {
    const [B, H, , D] = k.shape;
    const cap = Math.ceil(need / STEP) * STEP;
    const fresh = (like: A, old?: A) => {
      const z = mx.zeros([B, H, cap, like.shape[3]], like.dtype);
      if (!old || this.offset === 0) return z;
      const kept = sliceSeq(old, 0, this.offset);
      const out = mx.sliceUpdate(z, kept, [0, 0, 0, 0], [0, 1, 2, 3]);
      mx.dispose(z, kept);
      return out;
    };
    const nk = fresh(k, this.keys), nv = fresh(v, this.values);
    mx.dispose(this.keys, this.values);
    this.keys = untracked(nk), this.values = untracked(nv);
    void D;
  }

  trimTo(n: number): boolean {
    if (n > this.offset) return false;
    this.offset = n;  // later writes overwrite the dropped slots
    return true;
  }
  state(): A[] { return [this.keys, this.values].filter((a): a is A => !!a); }
  dispose() { mx.dispose(this.keys, this.values); this.keys = this.values = undefined; this.offset = 0; }

  decodeSlot(): DecodeSlot | null {
    if (!this.keys || this.offset === 0) return null;
    const slot = this.offset;
    if (slot + 1 > this.keys.shape[2]) {
      const [B, H, , D] = this.keys.shape;
      const k = mx.zeros([B, H, 1, D], this.keys.dtype), v = mx.zeros([B, H, 1, this.values!.shape[3]], this.values!.dtype);
      this.grow(k, v, slot + 1);
      mx.dispose(k, v);
    }
    const cap = this.keys!.shape[2];
    return { keys: this.keys!, values: this.values!, slot, positions: () => Int32Array.from({ length: cap }, (_, j) => (j <= slot ? j : -1)) };
  }
  commitDecode(keys: A, values: A) {
    mx.dispose(this.keys, this.values);
    this.keys = untracked(keys), this.values = untracked(values);
    this.offset += 1;
  }
}

/** Keeps only the newest `window` positions, in a ring; prefill chunks see the ring in temporal order. */
export class RotatingKVCache implements LayerCache {
  offset = 0;
  private keys?: A;
  private values?: A;
  private slotPos: number[] = [];  // absolute position held by each slot
  private next = 0;                // slot written next (decode)

  constructor(readonly window: number) {}

  update(k: A, v: A) {
    const T = k.shape[2], W = this.window;
    if (T === 1 && this.keys && this.keys.shape[2] === W) {
      const slot = this.next;
      const nk = mx.sliceUpdate(this.keys, k, [slot], [2]);
      const nv = mx.sliceUpdate(this.values!, v, [slot], [2]);
      mx.dispose(this.keys, this.values);
      this.keys = untracked(nk), this.values = untracked(nv);
      this.slotPos[slot] = this.offset;
      this.next = (slot + 1) % W;
      this.offset += 1;
      const pos = this.slotPos.slice();
      return { keys: this.keys, values: this.values, keyPositions: () => pos };
    }
    // General path: previous entries in temporal order, then the new ones; attend over all (the mask applies the
    // window), then keep the newest W in order.
    const order = this.temporalOrder();
    let allK: A, allV: A;
    if (this.keys && order.length) {
      const [pk, pv] = [this.ordered(this.keys, order.length), this.ordered(this.values!, order.length)];
      allK = mx.concatenate([pk, k], 2), allV = mx.concatenate([pv, v], 2);
      mx.dispose(pk, pv);
    } else {
      allK = k, allV = v;
    }
    const positions = [...order.map((s) => this.slotPos[s]), ...range(this.offset, this.offset + T)];
    const L = positions.length, keep = Math.min(W, L);
    let nk = sliceSeq(allK, L - keep, L), nv = sliceSeq(allV, L - keep, L);
    if (keep < W) {
      // Pad the ring to full size so that decode writes in place; empty slots have position -1 (masked).
      const [B, H, , D] = k.shape;
      const padK = mx.zeros([B, H, W - keep, D], k.dtype), padV = mx.zeros([B, H, W - keep, v.shape[3]], v.dtype);
      const ck = mx.concatenate([nk, padK], 2), cv = mx.concatenate([nv, padV], 2);
      mx.dispose(nk, nv, padK, padV);
      nk = ck, nv = cv;
    } else {
      const ck = mx.copy(nk), cv = mx.copy(nv);  // own buffers, so the ring can be updated in place later
      mx.dispose(nk, nv);
      nk = ck, nv = cv;
    }
    mx.dispose(this.keys, this.values);
    this.keys = untracked(nk), this.values = untracked(nv);
    this.slotPos = [...positions.slice(L - keep), ...new Array(W - keep).fill(-1)];
    this.next = keep % W;
    this.offset += T;
    return { keys: allK, values: allV, keyPositions: () => positions };
  }

  /** Slots in temporal order (oldest first), filled ones only. */
  private temporalOrder(): number[] {
    const W = this.slotPos.length, out: number[] = [];
    for (let i = 0; i < W; i++) {
      const s = (this.next + i) % W;
      if (this.slotPos[s] >= 0) out.push(s);
    }
    return out;
  }
  private ordered(a: A, n: number): A {
    const W = this.slotPos.length, first = this.next % W;
    if (this.slotPos[first] < 0 || first === 0) {
      // not wrapped: filled slots are 0..n-1
      return sliceSeq(a, 0, n);
    }
    const tail = sliceSeq(a, first, W), head = sliceSeq(a, 0, first);
    const out = mx.concatenate([tail, head], 2);
    mx.dispose(tail, head);
    return out;
  }

  trimTo(n: number): boolean {
    // Possible only while no position older than the kept range has been overwritten.
    if (n > this.offset) return false;
    if (n === this.offset) return true;
    const minPos = Math.min(...this.slotPos.filter((p) => p >= 0));
    if (this.offset <= this.window && minPos === 0) {
      for (let s = 0; s < this.slotPos.length; s++) if (this.slotPos[s] >= n) this.slotPos[s] = -1;
      this.next = n % this.window;
      this.offset = n;
      return true;
    }
    return false;
  }
  state(): A[] { return [this.keys, this.values].filter((a): a is A => !!a); }
  dispose() { mx.dispose(this.keys, this.values); this.keys = this.values = undefined; this.offset = 0; this.slotPos = []; this.next = 0; }

  decodeSlot(): DecodeSlot | null {
    if (!this.keys || this.keys.shape[2] !== this.window) return null;
    const slot = this.next, pos = Int32Array.from(this.slotPos);
    pos[slot] = this.offset;
    return { keys: this.keys, values: this.values!, slot, positions: () => pos };
  }
  commitDecode(keys: A, values: A) {
    mx.dispose(this.keys, this.values);
    this.keys = untracked(keys), this.values = untracked(values);
    this.slotPos[this.next] = this.offset;
    this.next = (this.next + 1) % this.window;
    this.offset += 1;
  }
}

/** Standard cache whose buffers are affine-quantized along headDim (keys/values dequantized to attend). */
export class QuantizedKVCache implements LayerCache {
  offset = 0;
  readonly window = Infinity;
  private buf?: { k: A[]; v: A[] };  // [packed, scales, biases] each

  constructor(readonly bits: 4 | 8, readonly groupSize = 32) {}

  update(k: A, v: A) {
    const T = k.shape[2], prev = this.offset;
    const D = k.shape[3];
    if (D % this.groupSize !== 0) throw new GenerationOptionsError(`A quantized KV cache needs headDim divisible by its group size ${this.groupSize} (got ${D}).`);
    const qk = mx.quantize(k, this.groupSize, this.bits) as A[];
    const qv = mx.quantize(v, this.groupSize, this.bits) as A[];
    if (!this.buf || prev + T > this.buf.k[0].shape[2]) this.grow(qk, qv, prev + T);
    const put = (bufs: A[], q: A[]) => bufs.map((b, i) => {
      const nb = mx.sliceUpdate(b, q[i], [0, 0, prev, 0], [0, 1, 2, 3]);
      b.dispose();
      return untracked(nb);
    });
    this.buf = { k: put(this.buf!.k, qk), v: put(this.buf!.v, qv) };
    mx.dispose(qk, qv);
    this.offset = prev + T;
    const L = this.offset;
    const deq = (q: A[]) => {
      const parts = q.map((b) => sliceSeq(b, 0, L));
      return mx.dequantize(parts[0], parts[1], parts[2], this.groupSize, this.bits);
    };
    return { keys: mx.astype(deq(this.buf.k), k.dtype), values: mx.astype(deq(this.buf.v), v.dtype), keyPositions: () => range(0, L) };
  }
  private grow(qk: A[], qv: A[], need: number) {
    const cap = Math.ceil(need / STEP) * STEP;
    const fresh = (q: A[], old?: A[]) => q.map((part, i) => {
      const [B, H, , D] = part.shape;
      let z = mx.zeros([B, H, cap, D], part.dtype);
      if (old && this.offset > 0) {
        const kept = sliceSeq(old[i], 0, this.offset);
        const nz = mx.sliceUpdate(z, kept, [0, 0, 0, 0], [0, 1, 2, 3]);
        mx.dispose(z, kept);
        z = nz;
      }
      return untracked(z);
    });
    const nb = { k: fresh(qk, this.buf?.k), v: fresh(qv, this.buf?.v) };
    if (this.buf) mx.dispose(this.buf.k, this.buf.v);
    this.buf = nb;
  }
  trimTo(n: number): boolean {
    if (n > this.offset) return false;
    this.offset = n;
    return true;
  }
  state(): A[] { return this.buf ? [...this.buf.k, ...this.buf.v] : []; }
  dispose() { if (this.buf) mx.dispose(this.buf.k, this.buf.v); this.buf = undefined; this.offset = 0; }
}

// Marks cache buffers. They outlive the tidy scope of the step that created them because every step returns
// `state()` of all caches from its scope (see model step in generate.ts).
function untracked(a: A): A { return a; }
