// GGUF Q5_0 / Q6_K tensors come from @mlx/core as 8-bit affine data (levels 0..31 / 0..63, exact): repacked
// here to 5 / 6 bits, so a decode step reads 5/8 and 6/8 of those bytes (the qmv kernels take every width).
// Opt-in (MLX_LM_NARROW=1, see loaders/gguf.ts): the 5/6-bit unpacking costs more per weight than 8 bits.
// Float32 scales and biases that float16 holds exactly (Q5_0's are float16 values times 1 and −16) become
// float16. The values s·q + b stay bit-identical.
import * as mx from '@mlx/core';

type A = mx.array;

/** Bit width each GGML type's levels need (the types @mlx/core widens to 8 bits). */
const NARROW_BITS: Record<string, number> = { Q5_0: 5, Q6_K: 6 };

/** Packs one level per byte (each < 2^bits) into MLX's little-endian bit stream. */
export function packLevels(levels: Uint8Array, bits: number): Uint32Array {
  const out = new Uint8Array((levels.length * bits) / 8);
  let o = 0, acc = 0, nb = 0;
  for (let i = 0; i < levels.length; i++) {
    acc |= levels[i] << nb;
    nb += bits;
    while (nb >= 8) { out[o++] = acc & 255; acc >>>= 8; nb -= 8; }
  }
  return new Uint32Array(out.buffer);
}

function exactInF16(a: A): boolean {
  return mx.tidy(() => mx.all(mx.equal(mx.astype(mx.astype(a, mx.float16), mx.float32), a)).item() as boolean);
}

/**
 * In place over GGUF-named arrays (`<base>.weight` uint32, `<base>.scales`, `<base>.biases`); `typeOf(base)` is
 * the tensor's GGML type. Only 8-bit tensors of the widened types are repacked.
 */
export function narrowGgufTensors(arrays: Record<string, A>, typeOf: (base: string) => string | undefined): void {
  for (const name of Object.keys(arrays)) {
    if (!name.endsWith('.weight')) continue;
    const base = name.slice(0, -'.weight'.length);
    const w = arrays[name], s = arrays[`${base}.scales`], b = arrays[`${base}.biases`];
    if (!s || !b || w.dtype !== mx.uint32 || w.ndim !== 2) continue;
    const bits = NARROW_BITS[typeOf(base) ?? ''];
    const K = w.shape[1] * 4;  // 8-bit: one byte per level
    if (bits && K % 32 === 0) {
      const levels = new Uint8Array((w.toTypedArray() as Uint32Array).buffer);
      arrays[name] = mx.reshape(mx.array(packLevels(levels, bits)), [w.shape[0], (K * bits) / 32]);
      w.dispose();
    }
    if (s.dtype === mx.float32 && b.dtype === mx.float32 && exactInF16(s) && exactInF16(b)) {
      arrays[`${base}.scales`] = mx.astype(s, mx.float16);
      arrays[`${base}.biases`] = mx.astype(b, mx.float16);
      mx.eval(arrays[`${base}.scales`], arrays[`${base}.biases`]);
      mx.dispose(s, b);
    }
  }
}
