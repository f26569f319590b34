// CPU kernels for Arange (and linspace) and Eye/Tri.
#include <cstring>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/creation.h"

namespace mlx::cpu {

namespace {

void arange_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& ap = static_cast<const Arange&>(p);
  Array& out = outputs[0];
  out.allocate();
  int64_t n = out.size();
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.data<T>();
    if constexpr (std::is_integral_v<T>) {
      // Integer outputs truncate start and step first, as MLX does.
      T start = (T)(int64_t)ap.start(), step = (T)(int64_t)ap.step();
      parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) o[i] = (T)(start + (T)i * step);
      });
    } else {
      double start = ap.start(), step = ap.step();
      parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) o[i] = cast_value<T>(start + (double)i * step);
      });
    }
  });
}

void eye_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& ep = static_cast<const Eye&>(p);
  Array& out = outputs[0];
  out.allocate();
  int64_t n = out.shape(0), m = out.shape(1), k = ep.k();
  if (out.size() == 0) return;
  std::memset(out.raw_data(), 0, out.nbytes());
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.data<T>();
    T one = cast_value<T>(1);
    if (!ep.lower()) {
      for (int64_t i = 0; i < n; i++)
        if (i + k >= 0 && i + k < m) o[i * m + i + k] = one;
    } else {
      parallel_for(n, std::max<int64_t>(1, (1 << 15) / m), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) {
          int64_t end = std::min<int64_t>(m, std::max<int64_t>(0, i + k + 1));
          for (int64_t j = 0; j < end; j++) o[i * m + j] = one;
        }
      });
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Arange, arange_kernel);
MLX_REGISTER_KERNEL(cpu, Eye, eye_kernel);

}  // namespace mlx::cpu
