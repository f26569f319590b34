// CPU kernels for Reduce, Variance and ArgReduce.
//
// Layout plan: the input's dims (size-1 dims dropped) are sorted by stride so the smallest
// stride is innermost, then dims that are contiguous in both input and output and of the same
// kind (reduced or kept) are merged. The innermost dim then decides the inner loop:
//  - reduced: a row reduction into one accumulator (vectorised, several accumulators);
//  - kept: whole rows accumulated into the output at once (vectorises across outputs).
// Large inputs split a kept dim across threads, or, when the output is small (full reductions),
// a reduced dim with per-thread partial results merged at the end.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/reduce.h"
#include "cpu_features.h"
#include "simd/reduce_isa.h"

namespace mlx::cpu {
namespace generic_ns {
#include "simd/reduce_simd.h"
}

const ReduceRowKernels& reduce_kernels() {
  static const ReduceRowKernels* k = [] {
#if defined(MLX_X86)
    if (best_isa() == Isa::avx512) return &reduce_kernels_avx512();
    if (best_isa() == Isa::avx2) return &reduce_kernels_avx2();
#endif
    using namespace generic_ns::rsimd;
    static const ReduceRowKernels g{sum_f32, minmax_f32<true>, minmax_f32<false>, softmax_f32, logsumexp_f32};
    return &g;
  }();
  return *k;
}

namespace {

struct Dim {
  int64_t n, is, os;
  bool red;
};

std::vector<Dim> make_plan(const Array& in, const std::vector<int>& axes, const Shape& out_shape) {
  Strides ostr = row_major_strides(out_shape);
  std::vector<Dim> d;
  for (int i = 0, k = 0; i < in.ndim(); i++) {
    bool red = k < (int)axes.size() && axes[k] == i;
    if (red) k++;
    if (in.shape(i) == 1) continue;
    d.push_back({in.shape(i), in.strides()[i], red ? 0 : ostr[i], red});
  }
  auto key = [](const Dim& x) { return x.is == 0 ? std::numeric_limits<int64_t>::max() : std::abs(x.is); };
  std::stable_sort(d.begin(), d.end(), [&](const Dim& a, const Dim& b) { return key(a) > key(b); });
  std::vector<Dim> c;
  for (auto& x : d) {
    if (!c.empty() && c.back().red == x.red && c.back().is == x.is * x.n && c.back().os == x.os * x.n) {
      c.back().n *= x.n;
      c.back().is = x.is;
      c.back().os = x.os;
    } else {
      c.push_back(x);
    }
  }
  if (c.empty()) c.push_back({1, 0, 0, false});
  return c;
}

// Calls f(in_offset, out_offset) for outer indices [b, e) over all dims but the last.
template <typename F> void for_outer(const std::vector<Dim>& d, int64_t b, int64_t e, F&& f) {
  int nd = (int)d.size() - 1;
  int64_t idx[32] = {0};
  int64_t io = 0, oo = 0, r = b;
  for (int k = nd - 1; k >= 0; k--) {
    idx[k] = r % d[k].n;
    r /= d[k].n;
    io += idx[k] * d[k].is;
    oo += idx[k] * d[k].os;
  }
  for (int64_t o = b; o < e; o++) {
    f(io, oo);
    for (int k = nd - 1; k >= 0; k--) {
      io += d[k].is;
      oo += d[k].os;
      if (++idx[k] < d[k].n) break;
      io -= d[k].is * d[k].n;
      oo -= d[k].os * d[k].n;
      idx[k] = 0;
    }
  }
}

int64_t outer_count(const std::vector<Dim>& d) {
  int64_t n = 1;
  for (size_t i = 0; i + 1 < d.size(); i++) n *= d[i].n;
  return n;
}

template <typename T> constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;
template <typename T> bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else if constexpr (is_complex_v<T>) return v.real() != v.real() || v.imag() != v.imag();
  else return false;
}
// a > b; complex compares lexicographically as in MLX.
template <typename T> bool greater(T a, T b) {
  if constexpr (is_complex_v<T>) return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
  else return a > b;
}

// Accumulation rules of one reduction kind.
template <typename In, typename Acc, Reduce::Op K> struct RedOp {
  static Acc init() {
    if constexpr (K == Reduce::sum || K == Reduce::mean) return Acc(0);
    else if constexpr (K == Reduce::prod) return Acc(1);
    else if constexpr (K == Reduce::all) return true;
    else if constexpr (K == Reduce::any) return false;
    else if constexpr (is_complex_v<Acc>) {
      float v = K == Reduce::max ? -INFINITY : INFINITY;
      return Acc(v, v);
    } else if constexpr (std::is_floating_point_v<Acc>) return K == Reduce::max ? -INFINITY : INFINITY;
    else return K == Reduce::max ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
  }
  static Acc conv(In x) { return cast_value<Acc>(x); }
  static Acc merge(Acc a, Acc b) {
    if constexpr (K == Reduce::sum || K == Reduce::mean) return a + b;
    else if constexpr (K == Reduce::prod) return a * b;
    else if constexpr (K == Reduce::all) return a && b;
    else if constexpr (K == Reduce::any) return a || b;
    else if constexpr (K == Reduce::max) return (greater(b, a) || is_nan(b)) && !is_nan(a) ? b : a;
    else return (greater(a, b) || is_nan(b)) && !is_nan(a) ? b : a;
  }
  template <int64_t S> Acc row_s(const In* p, int64_t n, int64_t st) const {
    const int64_t s = S ? S : st;
    Acc a0 = init(), a1 = init(), a2 = init(), a3 = init();
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      a0 = merge(a0, conv(p[i * s])); a1 = merge(a1, conv(p[(i + 1) * s]));
      a2 = merge(a2, conv(p[(i + 2) * s])); a3 = merge(a3, conv(p[(i + 3) * s]));
    }
    for (; i < n; i++) a0 = merge(a0, conv(p[i * s]));
    return merge(merge(a0, a1), merge(a2, a3));
  }
  Acc row(const In* p, int64_t n, int64_t st, int64_t) const {
    if constexpr (std::is_same_v<In, float> && std::is_same_v<Acc, float>) {
      if (st == 1) {
        if constexpr (K == Reduce::sum || K == Reduce::mean) return reduce_kernels().sum(p, n);
        if constexpr (K == Reduce::max) return reduce_kernels().max(p, n);
        if constexpr (K == Reduce::min) return reduce_kernels().min(p, n);
      }
    }
    return st == 1 ? row_s<1>(p, n, 1) : row_s<0>(p, n, st);
  }
  void acc_row(Acc* a, int64_t ast, const In* p, int64_t n, int64_t st, int64_t) const {
    if (ast == 1 && st == 1) {
      for (int64_t i = 0; i < n; i++) a[i] = merge(a[i], conv(p[i]));
    } else {
      for (int64_t i = 0; i < n; i++) a[i * ast] = merge(a[i * ast], conv(p[i * st]));
    }
  }
};

// Sum of squared deviations from a per-output mean (|x - mu|^2 for complex).
template <typename In, typename M, typename Acc> struct DevOp {
  const M* mean;
  static Acc init() { return Acc(0); }
  static Acc merge(Acc a, Acc b) { return a + b; }
  static Acc sq(M d) {
    if constexpr (is_complex_v<M>) return std::norm(d);
    else return d * d;
  }
  Acc row(const In* p, int64_t n, int64_t st, int64_t oo) const {
    M mu = mean[oo];
    Acc a0 = 0, a1 = 0;
    int64_t i = 0;
    for (; i + 2 <= n; i += 2) { a0 += sq(cast_value<M>(p[i * st]) - mu); a1 += sq(cast_value<M>(p[(i + 1) * st]) - mu); }
    for (; i < n; i++) a0 += sq(cast_value<M>(p[i * st]) - mu);
    return a0 + a1;
  }
  void acc_row(Acc* a, int64_t ast, const In* p, int64_t n, int64_t st, int64_t oo) const {
    const M* mu = mean + oo;
    for (int64_t i = 0; i < n; i++) a[i * ast] += sq(cast_value<M>(p[i * st]) - mu[i * ast]);
  }
};

template <typename In, typename Acc, typename Op>
void run_block(const In* in, Acc* acc, const std::vector<Dim>& d, const Op& op, int64_t oo_base) {
  const Dim& I = d.back();
  for_outer(d, 0, outer_count(d), [&](int64_t io, int64_t oo) {
    if (I.red) acc[oo] = op.merge(acc[oo], op.row(in + io, I.n, I.is, oo_base + oo));
    else op.acc_row(acc + oo, I.os, in + io, I.n, I.is, oo_base + oo);
  });
}

// acc (out_size elements) must hold op.init(); results are merged into it.
template <typename In, typename Acc, typename Op>
void run(const In* in, Acc* acc, int64_t out_size, const std::vector<Dim>& d, const Op& op) {
  int64_t total = 1;
  for (auto& x : d) total *= x.n;
  int nt = num_threads();
  if (nt <= 1 || total < (1 << 16)) return run_block(in, acc, d, op, 0);
  int last = (int)d.size() - 1, kd = -1, rd = -1;
  for (int i = 0; i <= last; i++) {
    if (!d[i].red && (kd < 0 || d[i].n > d[kd].n)) kd = i;
    if (d[i].red && (rd < 0 || d[i].n > d[rd].n)) rd = i;
  }
  if (kd >= 0 && d[kd].n >= 2 * nt && (kd != last || d[kd].n >= 64 * nt)) {
    parallel_for(d[kd].n, 1, [&](int64_t b, int64_t e) {
      auto d2 = d;
      d2[kd].n = e - b;
      run_block(in + b * d[kd].is, acc + b * d[kd].os, d2, op, b * d[kd].os);
    });
    return;
  }
  if (rd < 0 || d[rd].n < 2 * nt) return run_block(in, acc, d, op, 0);
  int64_t n = d[rd].n;
  std::vector<std::unique_ptr<Acc[]>> parts(nt);
  parallel_run(nt, [&](int t, int T) {
    int64_t b = n * t / T, e = n * (t + 1) / T;
    parts[t].reset(new Acc[out_size]);
    std::fill(parts[t].get(), parts[t].get() + out_size, op.init());
    auto d2 = d;
    d2[rd].n = e - b;
    if (e > b) run_block(in + b * d[rd].is, parts[t].get(), d2, op, 0);
  });
  for (int t = 0; t < nt; t++)
    if (parts[t])
      for (int64_t i = 0; i < out_size; i++) acc[i] = op.merge(acc[i], parts[t][i]);
}

int64_t reduced_count(const Array& in, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int a : axes) n *= in.shape(a);
  return n;
}

template <typename T> using AccF = std::conditional_t<std::is_same_v<T, double>, double,
                                   std::conditional_t<is_complex_v<T>, complex64_t, float>>;

template <typename In, typename Acc, typename Out, Reduce::Op K>
void reduce_typed(const Array& in, Array& out, const std::vector<int>& axes) {
  out.allocate();
  auto d = make_plan(in, axes, out.shape());
  RedOp<In, Acc, K> op;
  int64_t m = out.size();
  if constexpr (std::is_same_v<Acc, Out> && K != Reduce::mean) {
    Out* o = out.data<Out>();
    std::fill(o, o + m, op.init());
    run(in.data<In>(), o, m, d, op);
  } else {
    std::unique_ptr<Acc[]> acc(new Acc[m]);
    std::fill(acc.get(), acc.get() + m, op.init());
    run(in.data<In>(), acc.get(), m, d, op);
    Out* o = out.data<Out>();
    if constexpr (K == Reduce::mean) {
      Acc cnt = Acc((float)reduced_count(in, axes));
      for (int64_t i = 0; i < m; i++) o[i] = cast_value<Out>(acc[i] / cnt);
    } else {
      for (int64_t i = 0; i < m; i++) o[i] = cast_value<Out>(acc[i]);
    }
  }
}

void reduce_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& rp = static_cast<const Reduce&>(p);
  const Array& in = inputs[0];
  Array& out = outputs[0];
  auto& axes = rp.axes();
  dispatch_all(in.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    // sum/prod: small ints widen to 32 bits; halves accumulate in float.
    using SumT = std::conditional_t<std::is_same_v<In, bool> || std::is_same_v<In, int8_t> || std::is_same_v<In, int16_t>, int32_t,
                 std::conditional_t<std::is_same_v<In, uint8_t> || std::is_same_v<In, uint16_t>, uint32_t, In>>;
    constexpr bool half = std::is_same_v<In, float16_t> || std::is_same_v<In, bfloat16_t>;
    using SumAcc = std::conditional_t<half, float, SumT>;
    using CmpAcc = std::conditional_t<half, float, In>;
    using MeanOut = std::conditional_t<half || std::is_floating_point_v<In> || is_complex_v<In>, In, float>;
    switch (rp.op()) {
      case Reduce::sum: return reduce_typed<In, SumAcc, SumT, Reduce::sum>(in, out, axes);
      case Reduce::prod: return reduce_typed<In, SumAcc, SumT, Reduce::prod>(in, out, axes);
      case Reduce::max: return reduce_typed<In, CmpAcc, In, Reduce::max>(in, out, axes);
      case Reduce::min: return reduce_typed<In, CmpAcc, In, Reduce::min>(in, out, axes);
      case Reduce::all: return reduce_typed<In, bool, bool, Reduce::all>(in, out, axes);
      case Reduce::any: return reduce_typed<In, bool, bool, Reduce::any>(in, out, axes);
      case Reduce::mean: return reduce_typed<In, AccF<In>, MeanOut, Reduce::mean>(in, out, axes);
    }
  });
}

void variance_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& vp = static_cast<const Variance&>(p);
  const Array& in = inputs[0];
  Array& out = outputs[0];
  out.allocate();
  auto d = make_plan(in, vp.axes(), out.shape());
  int64_t m = out.size(), cnt = reduced_count(in, vp.axes());
  dispatch_all(in.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    using M = AccF<In>;  // mean type
    using Acc = std::conditional_t<std::is_same_v<In, double>, double, float>;
    std::unique_ptr<M[]> mu(new M[m]);
    std::fill(mu.get(), mu.get() + m, M(0));
    run(in.data<In>(), mu.get(), m, d, RedOp<In, M, Reduce::sum>{});
    for (int64_t i = 0; i < m; i++) mu[i] = mu[i] / M((float)cnt);
    std::unique_ptr<Acc[]> acc(new Acc[m]);
    std::fill(acc.get(), acc.get() + m, Acc(0));
    run(in.data<In>(), acc.get(), m, d, DevOp<In, M, Acc>{mu.get()});
    Acc den = (Acc)std::max<int64_t>(cnt - vp.ddof(), 0);
    dispatch_all(out.dtype(), [&](auto otag) {
      using Out = typename decltype(otag)::type;
      if constexpr (std::is_same_v<Out, float> || std::is_same_v<Out, double> || std::is_same_v<Out, float16_t> ||
                    std::is_same_v<Out, bfloat16_t>) {
        Out* o = out.data<Out>();
        for (int64_t i = 0; i < m; i++) {
          Acc v = acc[i] / den;
          o[i] = cast_value<Out>(vp.take_sqrt() ? std::sqrt(v) : v);
        }
      }
    });
  });
}

// ArgReduce: first index of the max (min); a NaN counts as the extreme, as in MLX.
template <typename T, bool IsMax> bool better(T v, T best) {
  if (is_nan(best)) return false;
  if (is_nan(v)) return true;
  return IsMax ? greater(v, best) : greater(best, v);
}

template <typename In, bool IsMax> void arg_typed(const Array& in, Array& out, int axis) {
  using T = std::conditional_t<std::is_same_v<In, float16_t> || std::is_same_v<In, bfloat16_t>, float, In>;
  const In* src = in.data<In>();
  uint32_t* o = out.data<uint32_t>();
  int64_t n = in.shape(axis), sa = in.strides()[axis];
  // Kept dims (output is row-major over them).
  auto d = make_plan(in, {axis}, out.shape());
  std::vector<Dim> kept;
  for (auto& x : d) if (!x.red) kept.push_back(x);
  if (kept.empty() || (kept.size() == 1 && kept[0].n == 1)) kept = {{1, 0, 0, false}};
  const Dim K = kept.back();
  bool scan_rows = K.n == 1 || std::abs(sa) <= std::abs(K.is);
  int64_t outer = outer_count(kept);
  if (scan_rows) {
    // One output at a time: scan its (strided) row.
    int64_t total = outer * K.n;
    parallel_for(total, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      std::vector<Dim> flat = kept;
      flat.push_back({1, 0, 0, false});  // so for_outer walks every kept dim
      for_outer(flat, b, e, [&](int64_t io, int64_t oo) {
        const In* p = src + io;
        T best = cast_value<T>(p[0]);
        uint32_t bi = 0;
        for (int64_t i = 1; i < n; i++) {
          T v = cast_value<T>(p[i * sa]);
          if (better<T, IsMax>(v, best)) best = v, bi = (uint32_t)i;
        }
        o[oo] = bi;
      });
    });
    return;
  }
  // Column-wise: compare whole rows of the innermost kept dim at a time.
  constexpr int64_t C = 1024;
  int64_t chunks = (K.n + C - 1) / C;
  parallel_for(outer * chunks, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(n * C, 1)), [&](int64_t b, int64_t e) {
    std::vector<T> best(C);
    std::vector<uint32_t> idx(C);
    for (int64_t w = b; w < e; w++) {
      int64_t ob = w / chunks, c0 = (w % chunks) * C, cn = std::min(C, K.n - c0);
      for_outer(kept, ob, ob + 1, [&](int64_t io, int64_t oo) {
        const In* p = src + io + c0 * K.is;
        for (int64_t j = 0; j < cn; j++) best[j] = cast_value<T>(p[j * K.is]), idx[j] = 0;
        for (int64_t i = 1; i < n; i++) {
          const In* r = p + i * sa;
          for (int64_t j = 0; j < cn; j++) {
            T v = cast_value<T>(r[j * K.is]);
            if (better<T, IsMax>(v, best[j])) best[j] = v, idx[j] = (uint32_t)i;
          }
        }
        for (int64_t j = 0; j < cn; j++) o[oo + (c0 + j) * K.os] = idx[j];
      });
    }
  });
}

void arg_reduce_kernel(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& ap = static_cast<const ArgReduce&>(p);
  outputs[0].allocate();
  dispatch_all(inputs[0].dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    if (ap.op() == ArgReduce::argmax) arg_typed<In, true>(inputs[0], outputs[0], ap.axis());
    else arg_typed<In, false>(inputs[0], outputs[0], ap.axis());
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Reduce, reduce_kernel);
MLX_REGISTER_KERNEL(cpu, Variance, variance_kernel);
MLX_REGISTER_KERNEL(cpu, ArgReduce, arg_reduce_kernel);

}  // namespace mlx::cpu
