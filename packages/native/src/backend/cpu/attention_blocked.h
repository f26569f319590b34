// Non-causal float32 attention over long sequences (vision towers, audio encoders) as per-block GEMMs: for a block
// of queries, Sᵀ = K · (scale Q)ᵀ over all keys on the packed GEMM, a column softmax (exp in SIMD), Oᵀ = Vᵀ · P on the
// packed GEMM, rows divided by their sums while transposing back. Used by fast_attention.cc when sdpa_blocked_eligible() holds.
#pragma once
#include <cstdint>

namespace mlx::cpu {

struct BlockedAttnArgs {
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv;
  const float *q, *k, *v;
  const int64_t *qs, *ks, *vs;  // element strides over [B, H, L, D]
  const bool* key_mask;         // null, or keep[b * mb + j * mj] (a key-only boolean mask)
  int64_t mb, mj;
  float scale;
  float* out;                   // [B, Hq, Lq, Dv] contiguous
};

// Whether this machine has the kernel (AVX-512) and the shapes are long enough for GEMM blocks to pay off.
bool sdpa_blocked_available(int64_t Lq, int64_t Lk, int64_t D, int64_t Dv);
void sdpa_blocked_f32(const BlockedAttnArgs& a);

}  // namespace mlx::cpu
