// CPU kernels for RMSNorm and LayerNorm: one pass over memory per row (the row is reduced and
// then normalised while it is in cache), rows in parallel. float32 rows run the per-ISA vector
// kernels; half / float64 rows are widened to a float32 row buffer (MLX computes in float32),
// rounded to the output type, then scaled by the weight in the output type as MLX does.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/fast.h"
#include "copy.h"
#include "cpu_features.h"
#include "fast_isa.h"

#define FAST_VBYTES 16
#define FAST_NV 2
namespace mlx::cpu::fast_generic_ns {
#include "fast_simd.h"
}

namespace mlx::cpu {

const FastKernels& fast_kernels() {
  static const FastKernels* k = [] {
#if defined(MLX_X86)
    if (best_isa() == Isa::avx512) return &fast_kernels_avx512();
    if (best_isa() == Isa::avx2) return &fast_kernels_avx2();
#endif
    return &fast_generic_ns::fsimd::table();
  }();
  return *k;
}

namespace {

template <typename T> using Wide = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Shared by both norms: `layer` subtracts the mean; w / b are optional (invalid arrays).
void norm_kernel(const std::vector<Array>& inputs, Array& out, bool layer, float eps, int wi, int bi) {
  Array x = contiguous(inputs[0]);
  Array w = wi >= 0 ? contiguous(inputs[wi]) : Array();
  Array b = bi >= 0 ? contiguous(inputs[bi]) : Array();
  out.allocate();
  int64_t n = x.shape(-1), rows = n ? x.size() / n : 0;
  if (rows == 0) return;
  const FastKernels& K = fast_kernels();
  dispatch_float(x.dtype(), layer ? "layer_norm" : "rms_norm", [&](auto xt) {
    using In = typename decltype(xt)::type;
    dispatch_float(out.dtype(), layer ? "layer_norm" : "rms_norm", [&](auto ot) {
      using Out = typename decltype(ot)::type;
      const In* src = x.data<In>();
      Out* dst = out.data<Out>();
      const Out* wp = w.valid() ? w.data<Out>() : nullptr;
      const Out* bp = b.valid() ? b.data<Out>() : nullptr;
      int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / n);
      parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
        std::vector<float> xb, yb;
        if constexpr (!std::is_same_v<In, float>) xb.resize(n);
        if constexpr (!std::is_same_v<Out, float>) yb.resize(n);
        for (int64_t r = r0; r < r1; r++) {
          const float* xr;
          if constexpr (std::is_same_v<In, float>) {
            xr = src + r * n;
          } else {
            const In* p = src + r * n;
            for (int64_t i = 0; i < n; i++) xb[i] = (float)p[i];
            xr = xb.data();
          }
          float mu = layer ? K.sum(xr, n) / (float)n : 0.0f;
          float var = K.sumsq(xr, mu, n) / (float)n;
          float rs = 1.0f / std::sqrt(var + eps);
          if constexpr (std::is_same_v<Out, float>) {
            K.norm_apply(xr, mu, rs, wp, bp, dst + r * n, n);
          } else {
            K.norm_apply(xr, mu, rs, nullptr, nullptr, yb.data(), n);
            Out* o = dst + r * n;
            using Wd = Wide<Out>;
            for (int64_t i = 0; i < n; i++) {
              Out t = Out(yb[i]);
              if (wp) t = Out((Wd)t * (Wd)wp[i]);
              if (bp) t = Out((Wd)t + (Wd)bp[i]);
              o[i] = t;
            }
          }
        }
      });
    });
  });
}

void rms_norm_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& P = static_cast<const RMSNorm&>(p);
  norm_kernel(inputs, outputs[0], false, P.eps(), P.has_weight() ? 1 : -1, -1);
}

void layer_norm_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& P = static_cast<const LayerNorm&>(p);
  int wi = P.has_weight() ? 1 : -1;
  int bi = P.has_bias() ? (P.has_weight() ? 2 : 1) : -1;
  norm_kernel(inputs, outputs[0], true, P.eps(), wi, bi);
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, RMSNorm, rms_norm_kernel);
MLX_REGISTER_KERNEL(cpu, LayerNorm, layer_norm_kernel);

}  // namespace mlx::cpu
