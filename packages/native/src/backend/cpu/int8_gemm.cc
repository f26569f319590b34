// CPU kernel of Int8Linear: picks the int8 GEMM for this machine (AVX-512 VNNI, AVX2 or generic; MLX_CPU_ISA
// caps the choice like for the other kernels).
#include "int8_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/threadpool.h"
#include "../../primitives/int8_linear.h"
#include "copy.h"
#include "cpu_features.h"

namespace mlx::cpu {

namespace int8gemm {
namespace generic_ns {
#include "int8_gemm_portable.h"
}
void run_generic(const Args& a) { generic_ns::run_portable(a); }
}  // namespace int8gemm

namespace {

using RunFn = void (*)(const int8gemm::Args&);

RunFn pick() {
#if defined(MLX_X86)
  Isa isa = best_isa();
  if (isa == Isa::avx512 && int8gemm::has_avx512_vnni()) return int8gemm::run_avx512_vnni;
  if (isa >= Isa::avx2) return int8gemm::run_avx2;
#endif
  return int8gemm::run_generic;
}

void int8_linear_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  static const RunFn run = pick();
  Array x = contiguous(in[0]), w = contiguous(in[1]), ws = contiguous(in[2]);
  std::optional<Array> bias;
  if (in.size() > 3) bias = contiguous(in[3]);
  Array& y = out[0];
  y.allocate();
  const int64_t N = w.shape(0), K = w.shape(1);
  const int64_t M = N ? y.size() / N : 0;
  if (M == 0 || N == 0) return;
  float* yp = y.data<float>();
  if (K == 0) {
    for (int64_t m = 0; m < M; m++)
      for (int64_t n = 0; n < N; n++) yp[m * N + n] = bias ? bias->data<float>()[n] : 0.0f;
    return;
  }
  run({x.data<float>(), M, K, N, w.data<int8_t>(), ws.data<float>(), bias ? bias->data<float>() : nullptr, yp});
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Int8Linear, int8_linear_kernel);

}  // namespace mlx::cpu
