// CPU kernel for RoPE. cos/sin are computed once per (offset, position, frequency) exactly as
// MLX's reference does in float32 (positions (t + offset) * scale, inverse frequencies
// exp(-i * log(base) / (dims / 2)) or 1 / freqs) and shared by every head; rows run in parallel.
// Half inputs round each product and sum to the input type like MLX's composed graph.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/fast.h"
#include "copy.h"

namespace mlx::cpu {

namespace {

template <typename T> struct Rot {
  // Returns (a * c - b * s, a * s + b * c) in T's arithmetic (floats widen and round per op).
  static inline void apply(T a, T b, T c, T s, T& o1, T& o2) {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      o1 = a * c - b * s;
      o2 = a * s + b * c;
    } else {
      float ac = (float)T((float)a * (float)c), bs = (float)T((float)b * (float)s);
      float as = (float)T((float)a * (float)s), bc = (float)T((float)b * (float)c);
      o1 = T(ac - bs);
      o2 = T(as + bc);
    }
  }
};

void rope_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& P = static_cast<const RoPE&>(prim);
  Array x = contiguous(inputs[0]);
  Array off = contiguous(inputs[1]);
  Array& out = outputs[0];
  out.allocate();
  if (x.size() == 0) return;
  int64_t B = x.shape(0), T = x.shape(-2), D = x.shape(-1);
  int64_t N = x.size() / (B * T * D);
  int half = P.dims() / 2;
  bool fwd = P.forward();
  // Inverse frequencies.
  std::vector<float> inv(half);
  if (inputs.size() == 3) {
    Array fr = contiguous(inputs[2]);
    const float* f = fr.data<float>();
    for (int i = 0; i < half; i++) inv[i] = 1.0f / f[i];
  } else {
    float c = std::log(P.base()) / (float)half;
    for (int i = 0; i < half; i++) inv[i] = std::exp((float)(-i) * c);
  }
  int64_t nb = off.size() == 1 ? 1 : B;
  std::vector<int64_t> offs(nb);
  for (int64_t b = 0; b < nb; b++)
    offs[b] = off.dtype() == Dtype::uint32 ? (int64_t)off.data<uint32_t>()[b] : (int64_t)off.data<int32_t>()[b];
  dispatch_float(x.dtype(), "rope", [&](auto tag) {
    using Tp = typename decltype(tag)::type;
    // cos/sin tables [nb][T][half] in the input type (MLX casts them before the products).
    std::vector<Tp> ct(nb * T * half), st(nb * T * half);
    parallel_for(nb * T, std::max<int64_t>(1, 4096 / std::max(half, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        int64_t b = r / T, t = r % T;
        float pos = ((float)t + (float)offs[b]) * P.scale();
        for (int i = 0; i < half; i++) {
          float th = pos * inv[i];
          ct[r * half + i] = Tp(std::cos(th));
          st[r * half + i] = Tp(std::sin(th));
        }
      }
    });
    const Tp* src = x.data<Tp>();
    Tp* dst = out.data<Tp>();
    int64_t rows = B * N * T;
    bool trad = P.traditional();
    int dims = P.dims();
    parallel_for(rows, std::max<int64_t>(1, 16384 / D), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        int64_t b = r / (N * T), t = r % T;
        const Tp* c = ct.data() + ((nb == 1 ? 0 : b) * T + t) * half;
        const Tp* s = st.data() + ((nb == 1 ? 0 : b) * T + t) * half;
        const Tp* xi = src + r * D;
        Tp* o = dst + r * D;
        for (int i = 0; i < half; i++) {
          int i1 = trad ? 2 * i : i, i2 = trad ? 2 * i + 1 : i + half;
          Tp a = xi[i1], bb = xi[i2];
          if (fwd) {
            Rot<Tp>::apply(a, bb, c[i], s[i], o[i1], o[i2]);
          } else {
            // Inverse rotation: (a c + b s, b c - a s).
            Tp o1, o2;
            Rot<Tp>::apply(bb, a, c[i], s[i], o2, o1);  // o2 = b c - a s, o1 = b s + a c
            o[i1] = o1;
            o[i2] = o2;
          }
        }
        for (int64_t i = dims; i < D; i++) o[i] = xi[i];
      }
    });
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, RoPE, rope_kernel);

}  // namespace mlx::cpu
