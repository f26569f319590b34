// Quantized matrix-vector kernels (affine mode, transposed weights: w is [N, K*bits/32] uint32, one scale and
// bias per group of `gs` elements along K). For a block of up to 4 rows of x they compute
//   y[m, n] = sum_g scale[n, g] * (sum_{k in g} q[n, k] * x[m, k]) + bias[n, g] * xsum[m, g]
// reading the packed weights directly (the "group sums" form: the bias term needs only the group sums of x).
// Packed weights are a little-endian bit stream: element k of a row sits at bits [k*bits, (k+1)*bits).
#pragma once
#include <cstdint>

#include "../../../engine/dtype.h"

namespace mlx::cpu::qmv {

struct Args {
  const float* x;     // M rows of K values, row stride ldx
  int64_t ldx;
  const float* xsum;  // M rows of K/gs group sums of x, row stride ldxs
  int64_t ldxs;
  int64_t K;
  int gs, bits;
  const uint8_t* w;   // N rows of K*bits/8 bytes, row stride ldw (bytes)
  int64_t ldw;
  const void* scales;  // N rows of K/gs values (dtype sdt), row stride lds; biases alike
  const void* biases;
  int64_t lds;
  Dtype sdt;           // float32, float16 or bfloat16
  float* y;            // y[m * ldy + n]
  int64_t ldy;
  // x re-laid out by the kernel's PrepFn (nullptr when it has none): M rows of xp_len(K) floats.
  const float* xp = nullptr;
  int64_t ldxp = 0;
};

// Computes rows n in [n0, n1) for x rows m0 .. m0 + mb - 1 (1 <= mb <= 4).
using RowsFn = void (*)(const Args&, int64_t n0, int64_t n1, int64_t m0, int mb);

// Re-lays out one row of x (K values) into xp_len(K) floats, once per call, for kernels that read x in
// the order their weight unpacking produces (see qmv_avx512.cc).
using PrepFn = void (*)(const float* x, int64_t K, float* xp);
inline int64_t xp_len(int64_t K) { return (K + 127) / 128 * 128; }

// Panel dequantization (qdeq.h): rows [r0, r1) of the packed matrix to f32, out[(r - r0) * K + k].
struct DeqArgs {
  const uint8_t* w;    // rows of K*bits/8 bytes, row stride ldw (bytes)
  int64_t ldw, K;
  int gs, bits;        // gs a multiple of 8, at most 256
  const void* scales;  // row stride lds (elements), dtype sdt; biases alike
  const void* biases;
  int64_t lds;
  Dtype sdt;
};
using DeqFn = void (*)(const DeqArgs&, int64_t r0, int64_t r1, float* out);

#if defined(MLX_X86)
DeqFn deq_avx2();
DeqFn deq_avx512();
RowsFn rows_avx2(int bits);    // nullptr when the ISA file has no kernel for these bits
RowsFn rows_avx512(int bits, int gs, PrepFn* prep);  // *prep set to the kernel's x re-layout, or nullptr
RowsFn rows_bits_avx512(int bits, int gs);  // 2/3/4/5/6/8 bits, gs a multiple of 16 (qmv_bits_avx512.cc)
void deq_panel_avx512(const DeqArgs& a, int64_t r0, int64_t r1, float* out);  // SIMD 2/3/5/6 bits, else deq_panel
#endif

}  // namespace mlx::cpu::qmv
