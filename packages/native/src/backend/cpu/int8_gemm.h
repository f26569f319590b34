// int8 x int8 GEMM behind Int8Linear (ops/int8_linear.h has the exact semantics):
//   y[m, n] = float(sum_k q[m, k] * w[n, k]) * (xs[m] * ws[n]) + bias[n]
// where q / xs are x's rows quantized symmetrically to int8 on the fly. One entry point per instruction set:
// AVX-512 VNNI (vpdpbusd), AVX2 and generic (portable loops compiled for that ISA).
#pragma once
#include <cstdint>

namespace mlx::cpu::int8gemm {

struct Args {
  const float* x;      // [M, K] row-major
  int64_t M, K, N;
  const int8_t* w;     // [N, K] row-major
  const float* ws;     // [N]
  const float* bias;   // [N] or null
  float* y;            // [M, N] row-major
};

// Rows with M <= kSmallM use the row-dot path that streams W once (decode steps, beams); larger M packs W.
inline constexpr int64_t kSmallM = 8;

void run_generic(const Args& a);
#if defined(MLX_X86)
void run_avx2(const Args& a);
bool has_avx512_vnni();  // cpuid: avx512vnni (plus the avx512 set the other kernels need)
void run_avx512_vnni(const Args& a);
#endif

}  // namespace mlx::cpu::int8gemm
