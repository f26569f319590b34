// Non-causal float32 attention over long sequences (vision towers, audio encoders) in groups of 6 query rows:
// K is transposed (and scaled) once per head into 64-key panels and V copied to contiguous rows, then each group
// computes its full score rows S = Q Kᵀ on a 6 x 64 register tile, a one-pass row softmax (all keys are at hand,
// so no running max / rescaling), and O = P V on the same tile shape, reading Q and P rows in place. The score
// rows of a group (6 x Lk floats) stay in L1. Used by fast_attention.cc when sdpa_rows_available() holds.
#pragma once
#include <cstdint>

#include "attention_blocked.h"  // BlockedAttnArgs: the same arguments

namespace mlx::cpu {

// Whether this machine has the kernel (AVX-512), the shapes are long enough and the layout fits (unit stride along
// D for q / k / v, Dv a multiple of 16). MLX_SDPA_ROWS=0 turns it off (read per call, for before/after benchmarks).
bool sdpa_rows_available(int64_t Lq, int64_t Lk, int64_t D, int64_t Dv, int64_t q_ds, int64_t k_ds, int64_t v_ds);
void sdpa_rows_f32(const BlockedAttnArgs& a);

}  // namespace mlx::cpu
