// The FFT engine on 16 lines per AVX-512 vector.
#if defined(MLX_X86)
#include "fft_impl.h"

namespace mlx::cpu::fft {
typedef float vec16f __attribute__((vector_size(64)));
void lines_avx512(const LinePass& p, int64_t b0, int64_t b1) { run_lines<vec16f, 16>(p, b0, b1); }
}  // namespace mlx::cpu::fft
#endif
