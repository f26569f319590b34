// CPU kernels for Softmax and LogSumExp over the last axis (the ops move other axes there).
// float32 rows use the per-ISA vector kernels; other types go through a float32 row buffer
// (float64 stays in double).
#include <cmath>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/reduce.h"
#include "copy.h"
#include "simd/reduce_isa.h"

namespace mlx::cpu {

namespace {

void softmax_row_f64(const double* p, double* o, int64_t n) {
  double m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = p[i] > m ? p[i] : m;
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += (o[i] = std::exp(p[i] - m));
  double inv = 1.0 / s;
  for (int64_t i = 0; i < n; i++) o[i] *= inv;
}

double lse_row_f64(const double* p, int64_t n) {
  double m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = p[i] > m ? p[i] : m;
  if (std::isinf(m)) m = 0;
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += std::exp(p[i] - m);
  return std::log(s) + m;
}

template <typename F> void for_rows(int64_t rows, int64_t n, F&& f) {
  parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) f(r);
  });
}

void softmax_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  Array in = contiguous(inputs[0]);
  Array& out = outputs[0];
  out.allocate();
  int64_t n = in.shape(-1), rows = n ? in.size() / n : 0;
  if (rows == 0) return;
  auto& K = reduce_kernels();
  dispatch_all(in.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    const In* src = in.data<In>();
    if constexpr (std::is_same_v<In, complex64_t>) {
      throw_error(ErrorCode::not_implemented, "[softmax] complex64 is not supported yet.");
    } else if constexpr (std::is_same_v<In, float>) {
      float* dst = out.data<float>();
      for_rows(rows, n, [&](int64_t r) { K.softmax(src + r * n, dst + r * n, n); });
    } else if constexpr (std::is_same_v<In, double>) {
      double* dst = out.data<double>();
      for_rows(rows, n, [&](int64_t r) { softmax_row_f64(src + r * n, dst + r * n, n); });
    } else {
      // Half and integer inputs: float32 math, output in the output dtype (half or float32).
      parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
        std::vector<float> buf(n), res(n);
        for (int64_t r = b; r < e; r++) {
          for (int64_t i = 0; i < n; i++) buf[i] = cast_value<float>(src[r * n + i]);
          K.softmax(buf.data(), res.data(), n);
          if (out.dtype() == Dtype::float32) {
            std::copy(res.begin(), res.end(), out.data<float>() + r * n);
          } else {
            In* dst = out.data<In>() + r * n;
            if constexpr (std::is_same_v<In, float16_t> || std::is_same_v<In, bfloat16_t>)
              for (int64_t i = 0; i < n; i++) dst[i] = In(res[i]);
          }
        }
      });
    }
  });
}

void logsumexp_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  Array in = contiguous(inputs[0]);
  Array& out = outputs[0];
  out.allocate();
  int64_t n = in.shape(-1), rows = out.size();
  auto& K = reduce_kernels();
  dispatch_all(in.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    const In* src = in.data<In>();
    if constexpr (std::is_same_v<In, complex64_t>) {
      throw_error(ErrorCode::not_implemented, "[logsumexp] complex64 is not supported yet.");
    } else if constexpr (std::is_same_v<In, float>) {
      float* dst = out.data<float>();
      for_rows(rows, n, [&](int64_t r) { dst[r] = K.logsumexp(src + r * n, n); });
    } else if constexpr (std::is_same_v<In, double>) {
      double* dst = out.data<double>();
      for_rows(rows, n, [&](int64_t r) { dst[r] = lse_row_f64(src + r * n, n); });
    } else {
      parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
        std::vector<float> buf(n);
        for (int64_t r = b; r < e; r++) {
          for (int64_t i = 0; i < n; i++) buf[i] = cast_value<float>(src[r * n + i]);
          float v = K.logsumexp(buf.data(), n);
          if (out.dtype() == Dtype::float32) out.data<float>()[r] = v;
          else if constexpr (std::is_same_v<In, float16_t> || std::is_same_v<In, bfloat16_t>) out.data<In>()[r] = In(v);
        }
      });
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Softmax, softmax_kernel);
MLX_REGISTER_KERNEL(cpu, LogSumExp, logsumexp_kernel);

}  // namespace mlx::cpu
