// The FFT engine on 8 lines per AVX2 vector.
#if defined(MLX_X86)
#include "fft_impl.h"

namespace mlx::cpu::fft {
typedef float vec8f __attribute__((vector_size(32)));
void lines_avx2(const LinePass& p, int64_t b0, int64_t b1) { run_lines<vec8f, 8>(p, b0, b1); }
}  // namespace mlx::cpu::fft
#endif
