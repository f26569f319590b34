// CPU kernels for Sort, ArgSort, Partition, ArgPartition.
// Rows along the sort axis are made contiguous (the output is laid out with the axis last), then
// each row is sorted on order-preserving unsigned keys with a stable radix sort (an MSD pass into
// cache-sized buckets, then LSD passes; insertion sort for tiny rows). A long row shares its MSD
// pass and then its buckets among the threads. Keys map -0 onto +0 and every NaN onto the largest key, so the stable
// key order is MLX's stable sort with NaNs last.
// Sort of one long row (fewer rows than threads) has faster paths where stability is moot because
// equal keys are bit-identical values (bijective keys, -0 before +0, NaNs moved last beforehand):
// float32 with AVX-512 splits the row by a sampled pivot per thread and quicksorts each part
// (sort_avx512.cc); other 32-bit rows of 1M+ use a parallel LSD radix with streaming stores.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>
#if defined(MLX_X86)
#include <immintrin.h>
#endif

#include "../../engine/allocator.h"
#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/sort.h"
#include "copy.h"
#include "cpu_features.h"

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
  static constexpr KeyKind kind = Kind;
  static K key(const K& v) { return make_key<K, Kind>(v); }
};
template <typename K> struct PairItem {
  using Item = Pair<K>;
  static constexpr KeyKind kind = KeyKind::identity;
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

// Stable LSD radix sort on the 8-bit digits 0..top; returns the buffer (a or tmp) holding the result.
template <typename Tr, typename Item = typename Tr::Item>
Item* lsd_sort(Item* a, Item* tmp, int64_t n, int top) {
  using K = decltype(Tr::key(*a));
  constexpr int P = sizeof(K);
  std::array<std::array<int64_t, 256>, P> hist{};
  for (int64_t i = 0; i < n; i++) {
    K k = Tr::key(a[i]);
    for (int p = 0; p <= top; p++) hist[p][(k >> (8 * p)) & 255]++;
  }
  Item *src = a, *dst = tmp;
  for (int p = 0; p <= top; p++) {
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

constexpr int64_t kLsdMax = 1 << 15;  // buckets up to this size (L2-resident) finish with LSD passes

// Stable hybrid radix sort of a[0..n) on digits byte..0; the result lands in `tmp` when to_tmp,
// else in `a`. One MSD pass scatters into cache-sized buckets, which finish with LSD passes (or
// recurse while still large); alternating the buffers per level avoids copying large buckets back.
template <typename Tr, typename Item = typename Tr::Item>
void radix_sort(Item* a, Item* tmp, int64_t n, int byte, bool to_tmp) {
  if (byte < 0 || n <= 1 || n <= 48 || n <= kLsdMax || byte == 0) {
    Item* r = a;
    if (n <= 48) insertion_sort<Tr>(a, n);
    else if (byte >= 0) r = lsd_sort<Tr>(a, tmp, n, byte);
    Item* want = to_tmp ? tmp : a;
    if (r != want) std::memcpy(want, r, n * sizeof(Item));
    return;
  }
  int64_t h[256] = {};
  for (int64_t i = 0; i < n; i++) h[(Tr::key(a[i]) >> (8 * byte)) & 255]++;
  if (h[(Tr::key(a[0]) >> (8 * byte)) & 255] == n) return radix_sort<Tr>(a, tmp, n, byte - 1, to_tmp);
  int64_t off[256], start[257], s = 0;
  for (int d = 0; d < 256; d++) { start[d] = off[d] = s; s += h[d]; }
  start[256] = n;
  for (int64_t i = 0; i < n; i++) {
    Item v = a[i];
    tmp[off[(Tr::key(v) >> (8 * byte)) & 255]++] = v;
  }
  for (int d = 0; d < 256; d++) {
    int64_t b = start[d], len = start[d + 1] - b;
    if (len > 0) radix_sort<Tr>(tmp + b, a + b, len, byte - 1, !to_tmp);
  }
}

template <typename Tr, typename Item = typename Tr::Item>
void sort_run(Item* a, Item* tmp, int64_t n) {
  using K = decltype(Tr::key(*a));
  radix_sort<Tr>(a, tmp, n, (int)sizeof(K) - 1, false);
}

// One long row over all threads: a parallel MSD pass (per-thread histograms keep it stable),
// then the buckets are shared out by size and each finishes sequentially.
template <typename Tr, typename Item = typename Tr::Item>
void parallel_sort_row(Item* data, int64_t n) {
  using K = decltype(Tr::key(*data));
  int nt = num_threads();
  std::unique_ptr<Item[]> tmp_buf(new Item[n]);
  Item* tmp = tmp_buf.get();
  std::vector<int64_t> bounds(nt + 1);
  for (int t = 0; t <= nt; t++) bounds[t] = n * t / nt;
  std::vector<std::array<int64_t, 256>> hist(nt);
  int byte = (int)sizeof(K) - 1;
  for (;; byte--) {
    if (byte < 0) return;  // every key is equal
    parallel_run(nt, [&](int t, int) {
      auto& h = hist[t];
      h.fill(0);
      for (int64_t i = bounds[t]; i < bounds[t + 1]; i++) h[(Tr::key(data[i]) >> (8 * byte)) & 255]++;
    });
    int nonempty = 0;
    for (int d = 0; d < 256; d++) {
      int64_t c = 0;
      for (int t = 0; t < nt; t++) c += hist[t][d];
      nonempty += c > 0;
    }
    if (nonempty > 1) break;
  }
  // Offsets: digit-major, thread-minor, so equal digits keep their input order.
  std::vector<std::array<int64_t, 256>> off(nt);
  std::array<int64_t, 257> start;
  int64_t s = 0;
  for (int d = 0; d < 256; d++) {
    start[d] = s;
    for (int t = 0; t < nt; t++) { off[t][d] = s; s += hist[t][d]; }
  }
  start[256] = n;
  parallel_run(nt, [&](int t, int) {
    auto& o = off[t];
    for (int64_t i = bounds[t]; i < bounds[t + 1]; i++) {
      Item v = data[i];
      tmp[o[(Tr::key(v) >> (8 * byte)) & 255]++] = v;
    }
  });
  // Thread t finishes the buckets whose start falls in its share of [0, n).
  parallel_run(nt, [&](int t, int T) {
    for (int d = 0; d < 256; d++) {
      int64_t b = start[d], len = start[d + 1] - b;
      if (len == 0 || b < n * t / T || b >= n * (t + 1) / T) continue;
      radix_sort<Tr>(tmp + b, data + b, len, byte - 1, true);
    }
  });
}


// ---- one long row of 32-bit values over all threads: parallel LSD radix on bijective keys ----
// Equal keys are then bit-identical values, so stability is moot and -0 sorts before +0. NaNs are
// moved last first (stably, payloads kept). Four 8-bit passes alternate data/buffer; the first
// pass turns values into keys and the last turns them back. Each pass scatters chunk by chunk
// (offsets digit-major, chunk-minor, as LSD needs) and counts the next pass's digits per
// destination chunk on the way, so no extra histogram reads are needed.
template <KeyKind Kind> inline uint32_t key32(uint32_t b) {
  constexpr uint32_t sign = 0x80000000u;
  if constexpr (Kind == KeyKind::identity) return b;
  else if constexpr (Kind == KeyKind::signed_int) return b ^ sign;
  else return (b & sign) ? ~b : (b | sign);
}
template <KeyKind Kind> inline uint32_t unkey32(uint32_t k) {
  constexpr uint32_t sign = 0x80000000u;
  if constexpr (Kind == KeyKind::identity) return k;
  else if constexpr (Kind == KeyKind::signed_int) return k ^ sign;
  else return (k & sign) ? (k ^ sign) : ~k;
}

constexpr int kLsdChunks = 8;  // scatter units per pass (a power-of-two split of the row)

struct LsdPlan {
  int64_t n;
  int shift;                    // chunk c covers positions [c << shift, (c + 1) << shift)
  int chunks;
  std::vector<int> passes;      // digit indices that actually move data
};

// Digits go through 64-byte write-combining buffers flushed as whole cache lines with streaming
// stores: this skips the read-for-ownership of each destination line and keeps 256 scattered
// streams (often a power of two apart, thrashing cache sets) out of the caches.
inline void store_line(uint32_t* dst, const uint32_t* src) {
#if defined(MLX_X86)
  auto* p = reinterpret_cast<__m128i*>(dst);
  auto* q = reinterpret_cast<const __m128i*>(src);
  _mm_stream_si128(p, q[0]); _mm_stream_si128(p + 1, q[1]); _mm_stream_si128(p + 2, q[2]); _mm_stream_si128(p + 3, q[3]);
#else
  std::memcpy(dst, src, 64);
#endif
}

template <KeyKind Kind, bool KeyIn, bool KeyOut>
void lsd_scatter_chunk(const uint32_t* src, uint32_t* dst, int64_t b, int64_t e, int dig, int ndig,
                       int64_t* off, int64_t* next, int shift) {
  const int sh = 8 * dig, nsh = 8 * ndig;
  const int64_t a0 = int64_t(reinterpret_cast<uintptr_t>(dst) >> 2) & 15;  // slot of position p: (p + a0) & 15
  alignas(64) uint32_t wc[256][16];
  int64_t lo[256];
  uint8_t cnt[256];
  for (int d = 0; d < 256; d++) { lo[d] = off[d]; cnt[d] = uint8_t((off[d] + a0) & 15); }
  for (int64_t i = b; i < e; i++) {
    uint32_t k = KeyIn ? key32<Kind>(src[i]) : src[i];
    int d = (k >> sh) & 255;
    int64_t pos = off[d]++;
    int c = cnt[d];
    wc[d][c] = KeyOut ? k : unkey32<Kind>(k);
    if (++c == 16) {
      int64_t ls = pos - 15;
      if (ls >= lo[d]) store_line(dst + ls, wc[d]);
      else std::memcpy(dst + lo[d], wc[d] + (lo[d] - ls), (pos + 1 - lo[d]) * 4);
      c = 0;
    }
    cnt[d] = uint8_t(c);
    if (ndig >= 0) next[((pos >> shift) << 8) | ((k >> nsh) & 255)]++;
  }
  for (int d = 0; d < 256; d++) {
    int64_t ls = std::max(lo[d], off[d] - ((off[d] + a0) & 15));
    if (off[d] > ls) std::memcpy(dst + ls, wc[d] + ((ls + a0) & 15), (off[d] - ls) * 4);
  }
#if defined(MLX_X86)
  _mm_sfence();  // streaming stores are visible before the pass's join
#endif
}

template <KeyKind Kind>
void parallel_lsd32(uint32_t* data, int64_t n) {
  int nt = num_threads();
  int shift = 0;
  while (((n + (int64_t(1) << shift) - 1) >> shift) > kLsdChunks) shift++;
  int chunks = int((n + (int64_t(1) << shift) - 1) >> shift);
  auto cb = [&](int c) { return std::min<int64_t>(n, int64_t(c) << shift); };
  // Per-chunk histograms of all four digits (the top digit in two halves: runs of equal top bytes
  // would otherwise serialise on one counter), and the NaN count.
  std::vector<std::array<std::array<uint32_t, 256>, 5>> ch(chunks);
  std::vector<int64_t> nan_count(chunks, 0);
  parallel_run(std::min(nt, chunks), [&](int t, int T) {
    for (int c = chunks * t / T; c < chunks * (t + 1) / T; c++) {
      auto& h = ch[c];
      for (auto& a : h) a.fill(0);
      int64_t nans = 0, i = cb(c), e = cb(c + 1);
      auto one = [&](uint32_t b, int top) {
        if constexpr (Kind == KeyKind::f32) nans += (b & 0x7FFFFFFFu) > 0x7F800000u;
        uint32_t k = key32<Kind>(b);
        h[0][k & 255]++; h[1][(k >> 8) & 255]++; h[2][(k >> 16) & 255]++; h[top][k >> 24]++;
      };
      for (; i + 1 < e; i += 2) { one(data[i], 3); one(data[i + 1], 4); }
      if (i < e) one(data[i], 3);
      for (int d = 0; d < 256; d++) h[3][d] += h[4][d];
      nan_count[c] = nans;
    }
  });
  if constexpr (Kind == KeyKind::f32) {
    int64_t nans = 0;
    for (int c = 0; c < chunks; c++) nans += nan_count[c];
    if (nans > 0) {  // rare: move NaNs last (stably, payloads kept) and sort the rest
      std::stable_partition(data, data + n, [](uint32_t b) { return (b & 0x7FFFFFFFu) <= 0x7F800000u; });
      if (n - nans > 1) parallel_lsd32<Kind>(data, n - nans);
      return;
    }
  }
  std::vector<int> passes;
  for (int p = 0; p < 4; p++) {
    int64_t mx = 0;
    for (int d = 0; d < 256; d++) {
      int64_t s = 0;
      for (int c = 0; c < chunks; c++) s += ch[c][p][d];
      mx = std::max(mx, s);
    }
    if (mx < n) passes.push_back(p);
  }
  if (passes.empty()) return;  // all keys equal: values are identical
  BufferPtr buf = Allocator::instance().allocate(size_t(n) * 4);
  uint32_t* tmp = static_cast<uint32_t*>(buf->data());
  // cur[c][d]: chunk c's counts of the current pass's digit; nxt[t]: per-thread counts for the next.
  std::vector<std::array<int64_t, 256>> cur(chunks), off(chunks);
  for (int c = 0; c < chunks; c++)
    for (int d = 0; d < 256; d++) cur[c][d] = ch[c][passes[0]][d];
  std::vector<std::vector<int64_t>> nxt(nt, std::vector<int64_t>(size_t(chunks) * 256));
  uint32_t *src = data, *dst = tmp;
  for (size_t pi = 0; pi < passes.size(); pi++) {
    int dig = passes[pi], ndig = pi + 1 < passes.size() ? passes[pi + 1] : -1;
    int64_t s = 0;
    for (int d = 0; d < 256; d++)
      for (int c = 0; c < chunks; c++) { off[c][d] = s; s += cur[c][d]; }
    bool first = pi == 0, last = pi + 1 == passes.size();
    parallel_run(std::min(nt, chunks), [&](int t, int T) {
      auto& nx = nxt[t];
      std::fill(nx.begin(), nx.end(), 0);
      for (int c = chunks * t / T; c < chunks * (t + 1) / T; c++) {
        int64_t b = cb(c), e = cb(c + 1);
        int64_t* o = off[c].data();
        if (first && last) lsd_scatter_chunk<Kind, true, false>(src, dst, b, e, dig, ndig, o, nx.data(), shift);
        else if (first) lsd_scatter_chunk<Kind, true, true>(src, dst, b, e, dig, ndig, o, nx.data(), shift);
        else if (last) lsd_scatter_chunk<Kind, false, false>(src, dst, b, e, dig, ndig, o, nx.data(), shift);
        else lsd_scatter_chunk<Kind, false, true>(src, dst, b, e, dig, ndig, o, nx.data(), shift);
      }
    });
    if (ndig >= 0)
      for (int c = 0; c < chunks; c++)
        for (int d = 0; d < 256; d++) {
          int64_t v = 0;
          for (int t = 0; t < nt; t++) v += nxt[t][size_t(c) * 256 + d];
          cur[c][d] = v;
        }
    std::swap(src, dst);
  }
  if (src != data)
    parallel_for(n, 1 << 18, [&](int64_t b, int64_t e) { std::memcpy(data + b, src + b, (e - b) * 4); });
}

#if defined(MLX_X86)
}  // namespace
void sort_f32_keys_avx512(int32_t* cur, int32_t* out, int64_t n);  // sort_avx512.cc
void split_count_avx512(const uint32_t* src, int64_t n, int32_t p, int64_t* below, int64_t* nans);
void split_write_avx512(const uint32_t* src, int64_t n, int32_t p, int32_t* lo, int32_t* hi);
namespace {

// One long float32 row with AVX-512: the threads split it by sampled pivots into one bucket each
// (turning values into signed keys on the way), then each quicksorts its bucket back into `data`.
// Equal keys are bit-identical values, so the unstable sort is exact; -0 sorts before +0. NaNs are
// moved last first (stably, payloads kept).
void parallel_sort_f32_avx512(const uint32_t* src, uint32_t* data, int64_t n) {
  auto key = [](uint32_t b) { int32_t s = int32_t(b); return s ^ ((s >> 31) & 0x7FFFFFFF); };
  auto is_nan = [](uint32_t b) { return (b & 0x7FFFFFFFu) > 0x7F800000u; };
  int nt = std::max(1, num_threads());
  std::vector<int32_t> split;  // nt - 1 splitters
  if (nt > 1) {
    std::vector<int32_t> smp;
    int ns = 256 * nt;
    for (int i = 0; i < ns; i++) {
      uint32_t b = src[(n - 1) * (2 * int64_t(i) + 1) / (2 * ns)];
      if (!is_nan(b)) smp.push_back(key(b));
    }
    std::sort(smp.begin(), smp.end());
    for (int t = 1; t < nt && !smp.empty(); t++) split.push_back(smp[smp.size() * t / nt]);
  }
  int nb = int(split.size()) + 1;
  auto bucket = [&](int32_t k) { int b = 0; for (int32_t s : split) b += k >= s; return b; };
  std::vector<std::vector<int64_t>> cnt(nt, std::vector<int64_t>(nb + 1, 0));  // [nb]: NaNs
  parallel_run(nt, [&](int t, int T) {
    auto& c = cnt[t];
    int64_t b = n * t / T, e = n * (t + 1) / T;
    if (nb == 2) {  // one pivot (two threads): vectorised
      split_count_avx512(src + b, e - b, split[0], &c[0], &c[2]);
      c[1] = e - b - c[0] - c[2];
      return;
    }
    for (int64_t i = b; i < e; i++) {
      uint32_t x = src[i];
      if (is_nan(x)) c[nb]++;
      else c[bucket(key(x))]++;
    }
  });
  int64_t nans = 0;
  for (int t = 0; t < nt; t++) nans += cnt[t][nb];
  if (nans > 0) {  // rare: move NaNs last and sort the rest
    if (src != data) std::memcpy(data, src, n * 4);
    std::stable_partition(data, data + n, [&](uint32_t b) { return !is_nan(b); });
    if (n - nans > 1) parallel_sort_f32_avx512(data, data, n - nans);
    return;
  }
  std::vector<int64_t> start(nb + 1);
  std::vector<std::vector<int64_t>> off(nt, std::vector<int64_t>(nb));
  int64_t s = 0;
  for (int b = 0; b < nb; b++) {
    start[b] = s;
    for (int t = 0; t < nt; t++) { off[t][b] = s; s += cnt[t][b]; }
  }
  start[nb] = n;
  BufferPtr buf = Allocator::instance().allocate(size_t(n) * 4);
  int32_t* tmp = static_cast<int32_t*>(buf->data());
  parallel_run(nt, [&](int t, int T) {
    auto o = off[t];
    if (nb == 2) return split_write_avx512(src + n * t / T, n * (t + 1) / T - n * t / T, split[0], tmp + o[0], tmp + o[1]);
    for (int64_t i = n * t / T; i < n * (t + 1) / T; i++) {
      int32_t k = key(src[i]);
      tmp[o[bucket(k)]++] = k;
    }
  });
  int32_t* d = reinterpret_cast<int32_t*>(data);
  parallel_run(nb, [&](int t, int T) {
    for (int b = nb * t / T; b < nb * (t + 1) / T; b++)
      sort_f32_keys_avx512(tmp + start[b], d + start[b], start[b + 1] - start[b]);
  });
}
#endif

constexpr int64_t kParallelRow = 1 << 16;  // rows at least this long are split over threads
constexpr int64_t kParallelLsd = 1 << 20;  // 32-bit rows at least this long use parallel_lsd32

// Sorts `rows` contiguous rows of length n in place.
template <typename Tr, typename Item = typename Tr::Item>
void sort_rows(Item* data, int64_t rows, int64_t n) {
  if (n <= 1) return;
  if (rows < num_threads() && n >= kParallelRow) {
#if defined(MLX_X86)
    if constexpr (std::is_same_v<Tr, RawItem<uint32_t, KeyKind::f32>>) {
      if (best_isa() == Isa::avx512) {
        for (int64_t r = 0; r < rows; r++) parallel_sort_f32_avx512(data + r * n, data + r * n, n);
        return;
      }
    }
#endif
    if constexpr (std::is_same_v<Item, uint32_t>) {
      if (n >= kParallelLsd) {
        for (int64_t r = 0; r < rows; r++) parallel_lsd32<Tr::kind>(data + r * n, n);
        return;
      }
    }
    for (int64_t r = 0; r < rows; r++) parallel_sort_row<Tr>(data + r * n, n);
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, (1 << 15) / n), [&](int64_t b, int64_t e) {
    std::vector<Item> tmp(n > 48 ? n : 0);
    for (int64_t r = b; r < e; r++) sort_run<Tr>(data + r * n, tmp.data(), n);
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
  int64_t n0 = o.shape(axis), rows0 = o.size() / n0;
#if defined(MLX_X86)
  if (!is_partition && o.dtype() == Dtype::float32 && rows0 < num_threads() && n0 >= kParallelRow &&
      best_isa() == Isa::avx512 && has_strides(a, st) && !a.is_donatable()) {
    alloc_axis_last(o, st);  // reads the input directly: no copy first
    auto* src = static_cast<const uint32_t*>(a.raw_data());
    auto* dst = static_cast<uint32_t*>(o.raw_data());
    for (int64_t r = 0; r < rows0; r++) parallel_sort_f32_avx512(src + r * n0, dst + r * n0, n0);
    return;
  }
#endif
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
        sort_run<Tr>(pr.data(), tmp.data(), n);
        for (int64_t i = 0; i < n; i++) idx[r * n + i] = pr[i].idx;
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

