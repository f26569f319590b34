// Instruction-set selection for the per-ISA kernel variants (files *_avx2.cc, *_avx512.cc).
// MLX_CPU_ISA=generic|avx2|avx512 caps the choice (for testing the fallbacks).
#pragma once

namespace mlx::cpu {

enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };

// The best ISA this machine supports, capped by MLX_CPU_ISA. Computed once.
Isa best_isa();

}  // namespace mlx::cpu
