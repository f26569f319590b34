// CPU kernels for as_strided (view), view (dtype reinterpretation) and the Walsh-Hadamard transform.
#include <cstring>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/manip.h"
#include "copy.h"

namespace mlx::cpu {

namespace {

void as_strided(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& sp = static_cast<const AsStrided&>(p);
  Array x = contiguous(in[0]);  // strides are relative to the row-major flattened input
  Array& o = out[0];
  if (o.size() == 0) { o.allocate(); return; }
  sp.share_view(o, x);
}

void view(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  Array& o = out[0];
  int64_t ib = a.itemsize(), ob = o.itemsize();
  if (a.size() == 0) { o.allocate(); return; }
  bool last_unit = a.ndim() > 0 && a.strides().back() == 1;
  bool shareable = ib == ob || (ob < ib && last_unit) || a.flags().row_contiguous;
  if (shareable && (a.offset() * ib) % ob == 0) {
    Strides st = a.strides();
    if (ib != ob)
      for (int i = 0; i + 1 < a.ndim(); i++) st[i] = st[i] * ib / ob;
    int64_t ds = a.data_size() * ib / ob;
    ArrayFlags f = layout_flags(o.shape(), st, ds);
    o.set_data(a.buffer(), ds, st, f, a.offset() * ib / ob);
    return;
  }
  Array c = Array::empty(a.shape(), a.dtype());
  copy_into(a, c);
  o.set_data(c.buffer(), o.size(), row_major_strides(o.shape()), layout_flags(o.shape(), row_major_strides(o.shape()), o.size()));
}

// ---- Hadamard ----
const char* const kH12[12] = {
    "+-++++++++++", "--+-+-+-+-+-", "+++-++----++", "+---+--+-++-",
    "+++++-++----", "+-+---+--+-+", "++--+++-++--", "+--++---+--+",
    "++----+++-++", "+--+-++---+-", "++++----+++-", "+-+--+-++---",
};
const char* const kH20[20] = {
    "+-----++++--++--+--+", "-+---+-+++---+++-+--", "--+--++-+++---+-+-+-", "---+-+++-+++-----+-+",
    "----+++++--++--+--+-", "+----+----+-++---++-", "-+----+----+-++---++", "--+----+--+-+-++---+",
    "---+----+-++-+-++---", "----+----+-++-+-++--", "++--+-+--++----+----", "+++--+-+---+----+---",
    "-+++--+-+---+----+--", "--+++--+-+---+----+-", "+--+++--+-----+----+", "+-++-++--+-+++++----",
    "-+-+++++--+-+++-+---", "+-+-+-+++-++-++--+--", "++-+---++++++-+---+-", "-++-++--++++++-----+",
};
const char* const kH28[28] = {
    "+--------++++--+-++-+-++--++", "-+--------+++++-+-++-+-++--+", "--+----+---+++-+-+-++++-++--", "---+---++---+++-+-+-+-++-++-",
    "----+--+++---+++-+-+---++-++", "-----+-++++----++-+-++--++-+", "------+-++++--+-++-+-++--++-", "++----++------+--++---+-++-+",
    "+++-----+------+--++-+-+-++-", "-+++-----+------+--++-+-+-++", "--+++-----+---+--+--++-+-+-+", "---+++-----+--++--+--++-+-+-",
    "----+++-----+--++--+--++-+-+", "+----++------+--++--++-++-+-", "+-+--+--++--+++------++----+", "-+-+--++-++--+-+-----+++----",
    "+-+-+--++-++----+-----+++---", "-+-+-+--++-++----+-----+++--", "--+-+-+--++-++----+-----+++-", "+--+-+-+--++-+-----+-----+++",
    "-+--+-+++--++-------++----++", "+--++--+-+--+---++++-+------", "-+--++--+-+--+---++++-+-----", "--+--+++-+-+--+---+++--+----",
    "+--+--+-+-+-+-++---++---+---", "++--+----+-+-++++---+----+--", "-++--+-+--+-+-++++--------+-", "--++--+-+--+-+-++++--------+",
};

// In-place FWHT of length L (a power of two) on contiguous data.
template <typename T> void fwht(T* x, int64_t L) {
  int64_t h = 1;
  if (L >= 4) {  // stages h = 1, 2 fused as a radix-4 butterfly
    for (int64_t i = 0; i < L; i += 4) {
      T a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
      T s0 = a + b, d0 = a - b, s1 = c + d, d1 = c - d;
      x[i] = s0 + s1, x[i + 1] = d0 + d1, x[i + 2] = s0 - s1, x[i + 3] = d0 - d1;
    }
    h = 4;
  }
  for (; h < L; h *= 2)
    for (int64_t i = 0; i < L; i += 2 * h) {
      T* __restrict u = x + i;
      T* __restrict v = x + i + h;
      for (int64_t j = 0; j < h; j++) {
        T a = u[j], b = v[j];
        u[j] = a + b, v[j] = a - b;
      }
    }
}

template <typename T> struct HadamardRow {
  int64_t n, m, L;
  const char* const* M;
  bool transposed;
  T scale;
  std::vector<T> tmp;
  void operator()(T* x) {
    for (int64_t i = 0; i < m; i++) fwht(x + i * L, L);
    if (m > 1) {
      // y[r] = sum_i x[i] * M[i][r] (or M[r][i] transposed), vectorised over the block index j.
      std::fill(tmp.begin(), tmp.end(), T(0));
      for (int64_t r = 0; r < m; r++) {
        T* __restrict y = tmp.data() + r * L;
        for (int64_t i = 0; i < m; i++) {
          const T* __restrict xi = x + i * L;
          bool plus = (transposed ? M[r][i] : M[i][r]) == '+';
          if (plus) for (int64_t j = 0; j < L; j++) y[j] += xi[j];
          else for (int64_t j = 0; j < L; j++) y[j] -= xi[j];
        }
      }
      for (int64_t k = 0; k < n; k++) x[k] = tmp[k] * scale;
    } else {
      for (int64_t k = 0; k < n; k++) x[k] *= scale;
    }
  }
};

template <typename T, typename C>  // T: storage type, C: compute type
void hadamard_rows(Array& o, int64_t n, int64_t m, const char* const* M, bool transposed, float scale) {
  int64_t rows = n ? o.size() / n : 0;
  T* base = o.data<T>();
  int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(n, 1));
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    HadamardRow<C> row{n, m, n / m, M, transposed, (C)scale, std::vector<C>(m > 1 ? n : 0)};
    std::vector<C> buf;
    if constexpr (!std::is_same_v<T, C>) buf.resize(n);
    for (int64_t r = b; r < e; r++) {
      T* x = base + r * n;
      if constexpr (std::is_same_v<T, C>) {
        row(x);
      } else {
        for (int64_t k = 0; k < n; k++) buf[k] = (C)(float)x[k];
        row(buf.data());
        for (int64_t k = 0; k < n; k++) x[k] = T((float)buf[k]);
      }
    }
  });
}

void hadamard(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& hp = static_cast<const Hadamard&>(p);
  const Array& a = in[0];
  Array& o = out[0];
  if (a.flags().row_contiguous && a.is_donatable() && a.data_size() == a.size()) o.move_shared_buffer(a);
  else { o.allocate(); copy_into(a, o); }
  int64_t n = o.ndim() ? o.shape(-1) : 1;
  int64_t q = n;
  while (q % 2 == 0) q /= 2;
  int64_t m = q == 1 ? 1 : 4 * q;
  const char* const* M = m == 12 ? kH12 : m == 20 ? kH20 : m == 28 ? kH28 : nullptr;
  switch (o.dtype()) {
    case Dtype::float32: hadamard_rows<float, float>(o, n, m, M, hp.transposed(), hp.scale()); break;
    case Dtype::float64: hadamard_rows<double, double>(o, n, m, M, hp.transposed(), hp.scale()); break;
    case Dtype::float16: hadamard_rows<float16_t, float>(o, n, m, M, hp.transposed(), hp.scale()); break;
    case Dtype::bfloat16: hadamard_rows<bfloat16_t, float>(o, n, m, M, hp.transposed(), hp.scale()); break;
    default: throw_error(ErrorCode::dtype, std::string("[hadamard_transform] Unsupported dtype ") + dtype_name(o.dtype()));
  }
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, AsStrided, as_strided);
MLX_REGISTER_KERNEL(cpu, View, view);
MLX_REGISTER_KERNEL(cpu, Hadamard, hadamard);

}  // namespace mlx::cpu
