// CPU kernels for Sort, ArgSort, Partition, ArgPartition.
// Rows along the sort axis are made contiguous (the output is laid out with the axis last), then
// each row is sorted on order-preserving unsigned keys: LSD radix sort for long rows, insertion
// sort for short ones. One long row is split over the threads and the sorted runs are merged in
// parallel (merge path). Keys map -0 onto +0 and every NaN onto the largest key, so the stable
// key order is MLX's stable sort with NaNs last.
#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/sort.h"
#include "copy.h"

namespace mlx::cpu {

namespace {

// ---- keys ----
enum class KeyKind { identity, signed_int, f16, bf16, f32, f64 };

template <typename K, KeyKind Kind>
inline K make_key(K b) {
  constexpr K sign = K(1) << (sizeof(K) * 8 - 1);
  if constexpr (Kind == KeyKind::identity) {
    return b;
  } else if constexpr (Kind == KeyKind::signed_int) {
    return b ^ sign;
  } else {
    constexpr K inf = Kind == KeyKind::f16 ? K(0x7C00) : Kind == KeyKind::bf16 ? K(0x7F80)
                    : Kind == KeyKind::f32 ? K(0x7F800000u) : K(0x7FF0000000000000ull);
    K mag = b & K(~sign);
    if (mag > inf) return K(~K(0));  // NaN: last, in input order
    if (mag == 0) return sign;       // -0 == +0
    return (b & sign) ? K(~b) : K(b | sign);
  }
}

template <typename K> struct Pair { K key; uint32_t idx; };

// Items are either raw values (key computed on the fly) or (key, index) pairs.
template <typename K, KeyKind Kind> struct RawItem {
  using Item = K;
  static K key(const K& v) { return make_key<K, Kind>(v); }
};
template <typename K> struct PairItem {
  using Item = Pair<K>;
  static K key(const Pair<K>& p) { return p.key; }
};

// ---- sequential row sorts ----
template <typename Tr, typename Item = typename Tr::Item>
void insertion_sort(Item* a, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    Item v = a[i];
    auto k = Tr::key(v);
    int64_t j = i;
    while (j > 0 && k < Tr::key(a[j - 1])) { a[j] = a[j - 1]; j--; }
    a[j] = v;
  }
}

// Stable LSD radix sort on 8-bit digits; returns the buffer (a or tmp) that holds the result.
template <typename Tr, typename Item = typename Tr::Item>
Item* radix_sort(Item* a, Item* tmp, int64_t n) {
  using K = decltype(Tr::key(*a));
  constexpr int P = sizeof(K);
  std::array<std::array<int64_t, 256>, P> hist{};
  for (int64_t i = 0; i < n; i++) {
    K k = Tr::key(a[i]);
    for (int p = 0; p < P; p++) hist[p][(k >> (8 * p)) & 255]++;
  }
  Item *src = a, *dst = tmp;
  for (int p = 0; p < P; p++) {
    auto& h = hist[p];
    if (h[(Tr::key(src[0]) >> (8 * p)) & 255] == n) continue;  // every key shares this digit
    int64_t off[256], s = 0;
    for (int d = 0; d < 256; d++) { off[d] = s; s += h[d]; }
    for (int64_t i = 0; i < n; i++) {
      Item v = src[i];
      dst[off[(Tr::key(v) >> (8 * p)) & 255]++] = v;
    }
    std::swap(src, dst);
  }
  return src;
}

template <typename Tr, typename Item = typename Tr::Item>
Item* sort_run(Item* a, Item* tmp, int64_t n) {
  if (n <= 48) { insertion_sort<Tr>(a, n); return a; }
  return radix_sort<Tr>(a, tmp, n);
}

// ---- parallel sort of one long row ----
template <typename Tr, typename Item = typename Tr::Item>
int64_t corank(int64_t k, const Item* a, int64_t na, const Item* b, int64_t nb) {
  // Number of a-elements among the first k outputs of the stable merge of a and b.
  int64_t lo = std::max<int64_t>(0, k - nb), hi = std::min(k, na);
  while (lo < hi) {
    int64_t i = lo + (hi - lo) / 2, j = k - i;
    if (Tr::key(b[j - 1]) < Tr::key(a[i])) hi = i;
    else lo = i + 1;
  }
  return lo;
}

template <typename Tr, typename Item = typename Tr::Item>
void merge_seq(const Item* a, int64_t na, const Item* b, int64_t nb, Item* out) {
  int64_t i = 0, j = 0, o = 0;
  while (i < na && j < nb) {
    bool take_b = Tr::key(b[j]) < Tr::key(a[i]);
    out[o++] = take_b ? b[j++] : a[i++];
  }
  while (i < na) out[o++] = a[i++];
  while (j < nb) out[o++] = b[j++];
}

template <typename Tr, typename Item = typename Tr::Item>
void parallel_sort_row(Item* data, int64_t n) {
  int nt = num_threads();
  std::vector<Item> tmp_buf(n);
  Item* tmp = tmp_buf.data();
  // Runs: nt sorted chunks, each left in `tmp`.
  std::vector<int64_t> bounds(nt + 1);
  for (int t = 0; t <= nt; t++) bounds[t] = n * t / nt;
  parallel_run(nt, [&](int t, int) {
    int64_t b = bounds[t], len = bounds[t + 1] - b;
    if (len <= 0) return;
    Item* r = sort_run<Tr>(data + b, tmp + b, len);
    if (r != tmp + b) std::memcpy(tmp + b, r, len * sizeof(Item));
  });
  // Merge adjacent runs pairwise until one is left, ping-ponging between tmp and data.
  Item *src = tmp, *dst = data;
  while (bounds.size() > 2) {
    std::vector<int64_t> next{0};
    for (size_t r = 0; r + 1 < bounds.size(); r += 2) {
      int64_t b0 = bounds[r], b1 = bounds[r + 1], b2 = r + 2 < bounds.size() ? bounds[r + 2] : b1;
      const Item *A = src + b0, *B = src + b1;
      int64_t na = b1 - b0, nb = b2 - b1, total = na + nb;
      parallel_run(nt, [&](int t, int T) {
        int64_t k0 = total * t / T, k1 = total * (t + 1) / T;
        int64_t i0 = corank<Tr>(k0, A, na, B, nb), i1 = corank<Tr>(k1, A, na, B, nb);
        merge_seq<Tr>(A + i0, i1 - i0, B + (k0 - i0), (k1 - i1) - (k0 - i0), dst + b0 + k0);
      });
      next.push_back(b2);
    }
    bounds = std::move(next);
    std::swap(src, dst);
  }
  if (src != data) {
    parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) { std::memcpy(data + b, src + b, (e - b) * sizeof(Item)); });
  }
}

constexpr int64_t kParallelRow = 1 << 16;  // rows at least this long are split over threads

// Sorts `rows` contiguous rows of length n in place.
template <typename Tr, typename Item = typename Tr::Item>
void sort_rows(Item* data, int64_t rows, int64_t n) {
  if (n <= 1) return;
  if (rows < num_threads() && n >= kParallelRow) {
    for (int64_t r = 0; r < rows; r++) parallel_sort_row<Tr>(data + r * n, n);
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, (1 << 15) / n), [&](int64_t b, int64_t e) {
    std::vector<Item> tmp(n > 48 ? n : 0);
    for (int64_t r = b; r < e; r++) {
      Item* row = data + r * n;
      Item* res = sort_run<Tr>(row, tmp.data(), n);
      if (res != row) std::memcpy(row, res, n * sizeof(Item));
    }
  });
}

// ---- complex64: comparison sorts (MLX orders lexicographically, NaNs last for sort) ----
inline bool cless(const complex64_t& a, const complex64_t& b) {
  return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
}
inline bool cnan(const complex64_t& a) { return std::isnan(a.real()) || std::isnan(a.imag()); }
inline bool cless_nan(const complex64_t& a, const complex64_t& b) {
  if (cnan(a)) return false;
  if (cnan(b)) return true;
  return cless(a, b);
}

// ---- layout ----
// Strides that lay the array out row-major with `axis` moved last.
Strides axis_last_strides(const Shape& shape, int axis) {
  Strides st(shape.size());
  int64_t s = 1;
  st[axis] = 1;
  s = shape[axis];
  for (int i = (int)shape.size() - 1; i >= 0; i--) {
    if (i == axis) continue;
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

// Gives `o` a fresh buffer laid out with the axis last; optionally fills it with `src`'s values.
void alloc_axis_last(Array& o, const Strides& st) {
  o.set_data(Allocator::instance().allocate(o.nbytes()), o.size(), st, layout_flags(o.shape(), st, o.size()));
}

bool has_strides(const Array& a, const Strides& st) {
  for (int i = 0; i < a.ndim(); i++)
    if (a.shape(i) != 1 && a.strides()[i] != st[i]) return false;
  return true;
}

// Calls f(TypeTag<K>, integral_constant<KeyKind>) for the raw-bit type and key kind of dt.
template <typename F> void dispatch_key(Dtype dt, F&& f) {
  using KK = KeyKind;
  auto call = [&](auto k, auto kind) { f(k, kind); };
  switch (dt) {
    case Dtype::bool_: case Dtype::uint8: return call(TypeTag<uint8_t>{}, std::integral_constant<KK, KK::identity>{});
    case Dtype::int8: return call(TypeTag<uint8_t>{}, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::uint16: return call(TypeTag<uint16_t>{}, std::integral_constant<KK, KK::identity>{});
    case Dtype::int16: return call(TypeTag<uint16_t>{}, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::float16: return call(TypeTag<uint16_t>{}, std::integral_constant<KK, KK::f16>{});
    case Dtype::bfloat16: return call(TypeTag<uint16_t>{}, std::integral_constant<KK, KK::bf16>{});
    case Dtype::uint32: return call(TypeTag<uint32_t>{}, std::integral_constant<KK, KK::identity>{});
    case Dtype::int32: return call(TypeTag<uint32_t>{}, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::float32: return call(TypeTag<uint32_t>{}, std::integral_constant<KK, KK::f32>{});
    case Dtype::uint64: return call(TypeTag<uint64_t>{}, std::integral_constant<KK, KK::identity>{});
    case Dtype::int64: return call(TypeTag<uint64_t>{}, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::float64: return call(TypeTag<uint64_t>{}, std::integral_constant<KK, KK::f64>{});
    default: throw_error(ErrorCode::internal, "[sort] Unexpected dtype.");
  }
}

// Input values contiguous along the axis (axis last); `hold` keeps a temporary copy alive.
const void* axis_last_input(const Array& a, const Strides& st, std::vector<char>& hold) {
  if (has_strides(a, st)) return a.raw_data();
  hold.resize(a.nbytes());
  copy_to_raw(a, hold.data(), a.dtype(), st);
  return hold.data();
}

// ---- kernels ----
void sort_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  int axis = static_cast<const SortBase&>(p).axis();
  bool is_partition = std::string(p.name()) == "Partition";
  int kth = static_cast<const SortBase&>(p).kth();
  const Array& a = in[0];
  Array& o = out[0];
  if (o.size() == 0) { o.allocate(); return; }
  Strides st = axis_last_strides(o.shape(), axis);
  if (a.is_donatable() && has_strides(a, st) && a.data_size() == a.size()) {
    o.move_shared_buffer(a);  // sort in place
  } else {
    alloc_axis_last(o, st);
    copy_to_raw(a, o.raw_data(), o.dtype(), st);
  }
  int64_t n = o.shape(axis), rows = o.size() / n;
  if (o.dtype() == Dtype::complex64) {
    auto* d = o.data<complex64_t>();
    parallel_for(rows, std::max<int64_t>(1, 4096 / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) {
        if (is_partition) std::nth_element(d + r * n, d + r * n + kth, d + (r + 1) * n, cless_nan);
        else std::stable_sort(d + r * n, d + (r + 1) * n, cless_nan);
      }
    });
    return;
  }
  dispatch_key(o.dtype(), [&](auto ktag, auto kind) {
    using K = typename decltype(ktag)::type;
    using Tr = RawItem<K, decltype(kind)::value>;
    K* d = static_cast<K*>(o.raw_data());
    if (!is_partition) return sort_rows<Tr>(d, rows, n);
    auto less = [](K x, K y) { return Tr::key(x) < Tr::key(y); };
    parallel_for(rows, std::max<int64_t>(1, 8192 / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) std::nth_element(d + r * n, d + r * n + kth, d + (r + 1) * n, less);
    });
  });
}

void argsort_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  int axis = static_cast<const SortBase&>(p).axis();
  bool is_partition = std::string(p.name()) == "ArgPartition";
  int kth = static_cast<const SortBase&>(p).kth();
  const Array& a = in[0];
  Array& o = out[0];
  if (o.size() == 0) { o.allocate(); return; }
  Strides st = axis_last_strides(o.shape(), axis);
  alloc_axis_last(o, st);
  std::vector<char> hold;
  const void* src = axis_last_input(a, st, hold);
  int64_t n = o.shape(axis), rows = o.size() / n;
  uint32_t* idx = o.data<uint32_t>();
  if (a.dtype() == Dtype::complex64) {
    // MLX's argsort compares complex values without NaN handling; ties by index.
    auto* v = static_cast<const complex64_t*>(src);
    parallel_for(rows, std::max<int64_t>(1, 4096 / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) {
        const complex64_t* row = v + r * n;
        uint32_t* ir = idx + r * n;
        std::iota(ir, ir + n, 0u);
        auto less = [row](uint32_t x, uint32_t y) { return cless(row[x], row[y]) || (row[x] == row[y] && x < y); };
        if (is_partition) std::nth_element(ir, ir + kth, ir + n, less);
        else std::stable_sort(ir, ir + n, less);
      }
    });
    return;
  }
  dispatch_key(a.dtype(), [&](auto ktag, auto kind) {
    using K = typename decltype(ktag)::type;
    constexpr KeyKind Kind = decltype(kind)::value;
    using Tr = PairItem<K>;
    const K* v = static_cast<const K*>(src);
    if (is_partition) {
      auto less = [](const Pair<K>& x, const Pair<K>& y) { return x.key < y.key || (x.key == y.key && x.idx < y.idx); };
      parallel_for(rows, std::max<int64_t>(1, 8192 / n), [&](int64_t b, int64_t e) {
        std::vector<Pair<K>> pr(n);
        for (int64_t r = b; r < e; r++) {
          for (int64_t i = 0; i < n; i++) pr[i] = {make_key<K, Kind>(v[r * n + i]), (uint32_t)i};
          std::nth_element(pr.begin(), pr.begin() + kth, pr.end(), less);
          for (int64_t i = 0; i < n; i++) idx[r * n + i] = pr[i].idx;
        }
      });
      return;
    }
    if (rows < num_threads() && n >= kParallelRow) {
      std::vector<Pair<K>> pr(n);
      for (int64_t r = 0; r < rows; r++) {
        parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; i++) pr[i] = {make_key<K, Kind>(v[r * n + i]), (uint32_t)i};
        });
        parallel_sort_row<Tr>(pr.data(), n);
        parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; i++) idx[r * n + i] = pr[i].idx;
        });
      }
      return;
    }
    parallel_for(rows, std::max<int64_t>(1, (1 << 14) / n), [&](int64_t b, int64_t e) {
      std::vector<Pair<K>> pr(n), tmp(n > 48 ? n : 0);
      for (int64_t r = b; r < e; r++) {
        for (int64_t i = 0; i < n; i++) pr[i] = {make_key<K, Kind>(v[r * n + i]), (uint32_t)i};
        Pair<K>* res = sort_run<Tr>(pr.data(), tmp.data(), n);
        for (int64_t i = 0; i < n; i++) idx[r * n + i] = res[i].idx;
      }
    });
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Sort, sort_kernel);
MLX_REGISTER_KERNEL(cpu, Partition, sort_kernel);
MLX_REGISTER_KERNEL(cpu, ArgSort, argsort_kernel);
MLX_REGISTER_KERNEL(cpu, ArgPartition, argsort_kernel);

}  // namespace mlx::cpu
