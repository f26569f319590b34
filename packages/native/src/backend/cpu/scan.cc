// CPU kernel for Scan (cumsum, cumprod, cummax, cummin, logcumsumexp).
// The array is viewed as (outer, n, inner) row-major. inner == 1: each row is a sequential scan;
// one long row is split over threads with a two-pass scan (chunk totals, then offsets).
// inner > 1: the scan runs down the axis one contiguous row of `inner` at a time, so the
// combine step vectorises across the row.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/scan.h"
#include "copy.h"

namespace mlx::cpu {

namespace {

using ScanOp = Scan::Op;

template <typename T> constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
// Half types compute in float and round every step, as MLX does.
template <typename T> using Acc = std::conditional_t<is_half_v<T>, float, T>;

inline bool cgreater(const complex64_t& a, const complex64_t& b) {
  return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
}

template <typename T> bool isnan_v(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else if constexpr (std::is_same_v<T, complex64_t>) return std::isnan(v.real()) || std::isnan(v.imag());
  else return false;
}

template <ScanOp Op, typename A> struct Combine;
template <typename A> struct Combine<ScanOp::sum, A> {
  static A init() { return A(0); }
  static A apply(A a, A b) { return a + b; }
};
template <typename A> struct Combine<ScanOp::prod, A> {
  static A init() { return A(1); }
  static A apply(A a, A b) {
    if constexpr (std::is_same_v<A, bool>) return a && b;
    else return a * b;
  }
};
template <typename A> struct Combine<ScanOp::max, A> {
  static A init() {
    if constexpr (std::is_same_v<A, complex64_t>) return A(-INFINITY, -INFINITY);
    else if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::lowest();
  }
  static A apply(A a, A b) {
    if constexpr (std::is_same_v<A, complex64_t>) return isnan_v(a) ? a : isnan_v(b) ? b : cgreater(b, a) ? b : a;
    else if constexpr (std::is_floating_point_v<A>) return (a != a) ? a : (b > a || b != b) ? b : a;
    else return b > a ? b : a;
  }
};
template <typename A> struct Combine<ScanOp::min, A> {
  static A init() {
    if constexpr (std::is_same_v<A, complex64_t>) return A(INFINITY, INFINITY);
    else if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::max();
  }
  static A apply(A a, A b) {
    if constexpr (std::is_same_v<A, complex64_t>) return isnan_v(a) ? a : isnan_v(b) ? b : cgreater(a, b) ? b : a;
    else if constexpr (std::is_floating_point_v<A>) return (a != a) ? a : (b < a || b != b) ? b : a;
    else return b < a ? b : a;
  }
};
template <typename A> struct Combine<ScanOp::logaddexp, A> {
  static A init() {
    if constexpr (std::is_same_v<A, complex64_t>) return A(-INFINITY, 0.0f);
    else return -std::numeric_limits<A>::infinity();
  }
  static A apply(A a, A b) {
    if constexpr (std::is_same_v<A, complex64_t>) {
      if (isnan_v(a) || isnan_v(b)) return A(NAN, NAN);
      A hi = cgreater(a, b) ? a : b, lo = cgreater(a, b) ? b : a;
      if (std::isinf(lo.real()) && lo.real() < 0) return hi;
      if (std::isinf(hi.real()) && hi.real() > 0) return hi;
      return hi + std::log(A(1) + std::exp(lo - hi));
    } else {
      if (a != a || b != b) return a != a ? a : b;
      A hi = a > b ? a : b, lo = a > b ? b : a;
      if (lo == -std::numeric_limits<A>::infinity() || hi == std::numeric_limits<A>::infinity()) return hi;
      return hi + std::log1p(std::exp(lo - hi));
    }
  }
};

// Sequential scan of n elements spaced `step` apart (step = -1 for reverse). Safe in place.
template <typename T, ScanOp Op>
void scan_row(const T* src, T* dst, int64_t n, int64_t step, bool inclusive, Acc<T> acc) {
  using C = Combine<Op, Acc<T>>;
  if (inclusive) {
    for (int64_t i = 0; i < n; i++, src += step, dst += step) {
      acc = C::apply(acc, Acc<T>(*src));
      if constexpr (is_half_v<T>) acc = Acc<T>(T(acc));
      *dst = T(acc);
    }
  } else {
    for (int64_t i = 0; i < n; i++, src += step, dst += step) {
      Acc<T> x = Acc<T>(*src);
      *dst = T(acc);
      acc = C::apply(acc, x);
      if constexpr (is_half_v<T>) acc = Acc<T>(T(acc));
    }
  }
}

// Total of n contiguous elements; sums use several accumulators so the loop vectorises.
template <typename T, ScanOp Op>
Acc<T> reduce_chunk(const T* src, int64_t n) {
  using A = Acc<T>;
  using C = Combine<Op, A>;
  if constexpr (Op == ScanOp::sum && std::is_floating_point_v<T>) {
    A part[16] = {};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
      for (int k = 0; k < 16; k++) part[k] += src[i + k];
    A s = 0;
    for (int k = 0; k < 16; k++) s += part[k];
    for (; i < n; i++) s += src[i];
    return s;
  } else {
    A acc = C::init();
    for (int64_t i = 0; i < n; i++) acc = C::apply(acc, A(src[i]));
    return acc;
  }
}

// One long contiguous row over all threads: chunk totals, then each chunk scans from its carry.
template <typename T, ScanOp Op>
void parallel_scan_row(const T* src, T* dst, int64_t n, bool reverse, bool inclusive) {
  using A = Acc<T>;
  using C = Combine<Op, A>;
  int nt = num_threads();
  std::vector<A> totals(nt);
  std::vector<int64_t> bounds(nt + 1);
  for (int t = 0; t <= nt; t++) bounds[t] = n * t / nt;
  // Chunk c covers [bounds[c], bounds[c+1]); in reverse the first chunk to scan is the last one.
  parallel_run(nt, [&](int t, int) {
    totals[t] = reduce_chunk<T, Op>(src + bounds[t], bounds[t + 1] - bounds[t]);
  });
  parallel_run(nt, [&](int t, int) {
    A carry = C::init();
    if (!reverse) for (int c = 0; c < t; c++) carry = C::apply(carry, totals[c]);
    else for (int c = nt - 1; c > t; c--) carry = C::apply(carry, totals[c]);
    if constexpr (is_half_v<T>) carry = A(T(carry));
    int64_t b = bounds[t], len = bounds[t + 1] - b;
    if (len == 0) return;
    if (!reverse) scan_row<T, Op>(src + b, dst + b, len, 1, inclusive, carry);
    else scan_row<T, Op>(src + b + len - 1, dst + b + len - 1, len, -1, inclusive, carry);
  });
}

// Scans a slab (n, inner) down the axis for columns [c0, c1); acc is scratch of c1 - c0.
template <typename T, ScanOp Op>
void scan_columns(const T* src, T* dst, int64_t n, int64_t inner, int64_t c0, int64_t c1, bool reverse,
                  bool inclusive, Acc<T>* acc) {
  using A = Acc<T>;
  using C = Combine<Op, A>;
  int64_t w = c1 - c0;
  for (int64_t j = 0; j < w; j++) acc[j] = C::init();
  for (int64_t kk = 0; kk < n; kk++) {
    int64_t k = reverse ? n - 1 - kk : kk;
    const T* s = src + k * inner + c0;
    T* d = dst + k * inner + c0;
    if (inclusive) {
      for (int64_t j = 0; j < w; j++) {
        A v = C::apply(acc[j], A(s[j]));
        if constexpr (is_half_v<T>) v = A(T(v));
        acc[j] = v;
        d[j] = T(v);
      }
    } else {
      for (int64_t j = 0; j < w; j++) {
        A x = A(s[j]);
        d[j] = T(acc[j]);
        A v = C::apply(acc[j], x);
        if constexpr (is_half_v<T>) v = A(T(v));
        acc[j] = v;
      }
    }
  }
}

template <typename T, ScanOp Op>
void scan_typed(const T* src, T* dst, int64_t outer, int64_t n, int64_t inner, bool reverse, bool inclusive) {
  using A = Acc<T>;
  using C = Combine<Op, A>;
  if (inner == 1) {
    if (outer < num_threads() && n >= (1 << 17)) {
      for (int64_t r = 0; r < outer; r++) parallel_scan_row<T, Op>(src + r * n, dst + r * n, n, reverse, inclusive);
      return;
    }
    parallel_for(outer, std::max<int64_t>(1, (1 << 14) / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) {
        const T* s = src + r * n + (reverse ? n - 1 : 0);
        T* d = dst + r * n + (reverse ? n - 1 : 0);
        scan_row<T, Op>(s, d, n, reverse ? -1 : 1, inclusive, C::init());
      }
    });
    return;
  }
  constexpr int64_t kBlock = 1024;
  int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(outer * blocks, std::max<int64_t>(1, (1 << 14) / (n * std::min(inner, kBlock))), [&](int64_t b, int64_t e) {
    std::unique_ptr<A[]> acc(new A[std::min(inner, kBlock)]);
    for (int64_t t = b; t < e; t++) {
      int64_t o = t / blocks, c0 = (t % blocks) * kBlock, c1 = std::min(inner, c0 + kBlock);
      scan_columns<T, Op>(src + o * n * inner, dst + o * n * inner, n, inner, c0, c1, reverse, inclusive, acc.get());
    }
  });
}

void scan_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& sp = static_cast<const Scan&>(p);
  const Array& a = in[0];
  Array& o = out[0];
  if (o.size() == 0) { o.allocate(); return; }
  const void* src;
  Array tmp;
  if (a.flags().row_contiguous && a.data_size() == a.size()) {
    src = a.raw_data();
    if (a.is_donatable()) o.move_shared_buffer(a);  // scan in place
    else o.allocate();
  } else {
    o.allocate();
    copy_into(a, o);
    src = o.raw_data();
  }
  int axis = sp.axis();
  int64_t n = o.shape(axis), outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= o.shape(i);
  for (int i = axis + 1; i < o.ndim(); i++) inner *= o.shape(i);
  auto run = [&](auto tag, auto op) {
    using T = typename decltype(tag)::type;
    scan_typed<T, decltype(op)::value>(static_cast<const T*>(src), o.data<T>(), outer, n, inner, sp.reverse(),
                                       sp.inclusive());
  };
  dispatch_all(o.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (sp.op()) {
      case ScanOp::sum:
        if constexpr (!std::is_same_v<T, bool>) return run(tag, std::integral_constant<ScanOp, ScanOp::sum>{});
        break;
      case ScanOp::prod: return run(tag, std::integral_constant<ScanOp, ScanOp::prod>{});
      case ScanOp::max: return run(tag, std::integral_constant<ScanOp, ScanOp::max>{});
      case ScanOp::min: return run(tag, std::integral_constant<ScanOp, ScanOp::min>{});
      case ScanOp::logaddexp:
        if constexpr (std::is_floating_point_v<T> || is_half_v<T> || std::is_same_v<T, complex64_t>)
          return run(tag, std::integral_constant<ScanOp, ScanOp::logaddexp>{});
        break;
    }
    throw_error(ErrorCode::internal, std::string("[") + p.name() + "] Unsupported dtype in kernel.");
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Scan, scan_kernel);

}  // namespace mlx::cpu
