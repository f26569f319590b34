// AVX-512 quicksort of int32 float keys (k = b ^ ((b >> 31) & 0x7FFFFFFF), a self-inverse map that
// orders float bits totally, -0 before +0; the caller removes NaNs first). Partitions run in place
// (compress in registers, masked stores); ranges of <= 256 finish with an in-register bitonic
// network and are written, turned back into float bits, to the output buffer.
#if defined(MLX_X86)
// GCC 12 flags the intrinsics' internal undefined pass-through vectors.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>

namespace mlx::cpu {

namespace {

inline __m512i fkey(__m512i v) {
  return _mm512_xor_si512(v, _mm512_and_si512(_mm512_srai_epi32(v, 31), _mm512_set1_epi32(0x7FFFFFFF)));
}
inline int32_t fkey1(int32_t b) { return b ^ ((b >> 31) & 0x7FFFFFFF); }

// Bitonic network on 16 lanes: step s compares lane i with lane i ^ j and keeps the max where the
// mask bit is set. Steps 6..9 alone merge a bitonic vector into ascending order.
struct Net {
  __m512i idx[10];
  __mmask16 take_max[10];
  Net() {
    int s = 0;
    for (int k = 2; k <= 16; k *= 2)
      for (int j = k / 2; j >= 1; j /= 2, s++) {
        alignas(64) int32_t id[16];
        unsigned m = 0;
        for (int i = 0; i < 16; i++) {
          id[i] = i ^ j;
          bool lower = (i & j) == 0, asc = (i & k) == 0;
          if (lower != asc) m |= 1u << i;
        }
        idx[s] = _mm512_load_si512(id);
        take_max[s] = __mmask16(m);
      }
  }
};
const Net& net() { static const Net n; return n; }

inline __m512i net_steps(const Net& nw, __m512i v, int from) {
  for (int s = from; s < 10; s++) {
    __m512i p = _mm512_permutexvar_epi32(nw.idx[s], v);
    v = _mm512_mask_blend_epi32(nw.take_max[s], _mm512_min_epi32(v, p), _mm512_max_epi32(v, p));
  }
  return v;
}

inline __m512i rev(__m512i v) {
  return _mm512_permutexvar_epi32(_mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), v);
}
// Bitonic sort of V vectors (16 V keys): sort each, then merge runs of w vectors pairwise: compare
// run A with run B reversed, which leaves two bitonic runs, then half-clean each down to single
// vectors and finish inside them.
template <int V>
inline void sort_vecs(const Net& nw, __m512i* v) {
  for (int j = 0; j < V; j++) v[j] = net_steps(nw, v[j], 0);
  for (int w = 1; w < V; w *= 2)
    for (int b = 0; b < V; b += 2 * w) {
      for (int i = 0; i < w; i++) {
        __m512i x = v[b + i], y = rev(v[b + 2 * w - 1 - i]);
        v[b + i] = _mm512_min_epi32(x, y);
        v[b + 2 * w - 1 - i] = _mm512_max_epi32(x, y);
      }
      // The hi run came out in reverse vector order; put it back (max vectors stay bitonic).
      for (int i = 0; i < w / 2; i++) std::swap(v[b + w + i], v[b + 2 * w - 1 - i]);
      for (int d = w / 2; d >= 1; d /= 2)
        for (int k = b; k < b + 2 * w; k += 2 * d)
          for (int i = k; i < k + d; i++) {
            __m512i x = v[i], y = v[i + d];
            v[i] = _mm512_min_epi32(x, y);
            v[i + d] = _mm512_max_epi32(x, y);
          }
      for (int i = b; i < b + 2 * w; i++) v[i] = net_steps(nw, v[i], 6);
    }
}

template <int V>
inline void leaf_v(const Net& nw, const int32_t* src, int32_t* out, int64_t n) {
  const __m512i pad = _mm512_set1_epi32(INT_MAX);
  __m512i v[V];
  auto mk = [n](int j) { int64_t r = n - 16 * j; return r >= 16 ? __mmask16(0xFFFF) : r <= 0 ? __mmask16(0) : __mmask16((1u << r) - 1); };
  for (int j = 0; j < V; j++) v[j] = _mm512_mask_loadu_epi32(pad, mk(j), src + 16 * j);
  sort_vecs<V>(nw, v);
  for (int j = 0; j < V; j++) _mm512_mask_storeu_epi32(out + 16 * j, mk(j), fkey(v[j]));
}

constexpr int64_t kLeaf = 256;

// Sorts n <= kLeaf keys from src into out as float bits (lanes past n padded with INT_MAX).
inline void leaf(const Net& nw, const int32_t* src, int32_t* out, int64_t n) {
  if (n <= 16) leaf_v<1>(nw, src, out, n);
  else if (n <= 32) leaf_v<2>(nw, src, out, n);
  else if (n <= 64) leaf_v<4>(nw, src, out, n);
  else if (n <= 128) leaf_v<8>(nw, src, out, n);
  else leaf_v<16>(nw, src, out, n);
}

// Partitions a[0, n) (n >= 32) in place: keys < p (or <= p when Le) first; returns their count.
// The first and last vectors are held in registers, then each step reads from whichever side has
// less room, so the compressed stores never overrun unread data.
template <bool Le>
int64_t partition(int32_t* a, int64_t n, int32_t p) {
  const __m512i pv = _mm512_set1_epi32(p);
  int64_t l_read = 16, r_read = n - 16, l_store = 0, r_store = n;
  auto emit = [&](__m512i v, __mmask16 valid) {
    __mmask16 m = (Le ? _mm512_cmple_epi32_mask(v, pv) : _mm512_cmplt_epi32_mask(v, pv)) & valid;
    int c = __builtin_popcount(m), r = __builtin_popcount(valid) - c;
    _mm512_mask_storeu_epi32(a + l_store, __mmask16((1u << c) - 1), _mm512_maskz_compress_epi32(m, v));
    l_store += c;
    r_store -= r;
    _mm512_mask_storeu_epi32(a + r_store, __mmask16((1u << r) - 1), _mm512_maskz_compress_epi32(__mmask16(valid & ~m), v));
  };
  // U vectors from each end wait in registers (U = 4 for long ranges), so reads may run ahead.
  constexpr int U = 4;
  __m512i hold[2 * U];
  int nh = n >= 32 * U ? U : 1;
  for (int j = 0; j < nh; j++) {
    hold[2 * j] = _mm512_loadu_si512(a + 16 * j);
    hold[2 * j + 1] = _mm512_loadu_si512(a + n - 16 * (j + 1));
  }
  l_read = 16 * nh;
  r_read = n - 16 * nh;
  if (nh == U) {
    while (r_read - l_read >= 16 * U) {
      __m512i v[U];
      _mm_prefetch(reinterpret_cast<const char*>(a + l_read + 512), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a + l_read + 528), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a + r_read - 528), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a + r_read - 512), _MM_HINT_T0);
      if (l_read - l_store <= r_store - r_read) {
        for (int j = 0; j < U; j++) v[j] = _mm512_loadu_si512(a + l_read + 16 * j);
        l_read += 16 * U;
      } else {
        r_read -= 16 * U;
        for (int j = 0; j < U; j++) v[j] = _mm512_loadu_si512(a + r_read + 16 * j);
      }
      for (int j = 0; j < U; j++) emit(v[j], 0xFFFF);
    }
  }
  while (r_read - l_read >= 16) {
    __m512i v;
    if (l_read - l_store <= r_store - r_read) { v = _mm512_loadu_si512(a + l_read); l_read += 16; }
    else { r_read -= 16; v = _mm512_loadu_si512(a + r_read); }
    emit(v, 0xFFFF);
  }
  if (r_read > l_read) {
    __mmask16 valid = __mmask16((1u << (r_read - l_read)) - 1);
    emit(_mm512_maskz_loadu_epi32(valid, a + l_read), valid);
  }
  for (int j = 0; j < 2 * nh; j++) emit(hold[j], 0xFFFF);
  return l_store;
}

int32_t pick_pivot(const Net& nw, const int32_t* a, int64_t n) {
  if (n < 2048) {  // median of three
    int32_t x = a[n / 4], y = a[n / 2], z = a[3 * n / 4];
    return std::max(std::min(x, y), std::min(std::max(x, y), z));
  }
  alignas(64) int32_t s[16];
  for (int i = 0; i < 16; i++) s[i] = a[(n - 1) * (2 * i + 1) / 32];
  _mm512_store_si512(s, net_steps(nw, _mm512_load_si512(s), 0));
  return s[8];
}

void fill_equal(int32_t* out, int64_t n, int32_t k) {
  int32_t b = fkey1(k);
  std::fill(out, out + n, b);
}

// Sorts the keys in cur (in place, as scratch); out receives them sorted, as float bits.
void qsort_rec(const Net& nw, int32_t* cur, int32_t* out, int64_t n, int depth) {
  if (n <= kLeaf) {
    if (n > 0) leaf(nw, cur, out, n);
    return;
  }
  if (depth == 0) {  // pathological pivots: finish with a comparison sort
    std::sort(cur, cur + n);
    for (int64_t i = 0; i < n; i++) out[i] = fkey1(cur[i]);
    return;
  }
  int32_t p = pick_pivot(nw, cur, n);
  int64_t l = partition<false>(cur, n, p);
  if (l == 0) {  // p is the minimum: split off the keys equal to it
    l = partition<true>(cur, n, p);
    fill_equal(out, l, p);
    if (l < n) qsort_rec(nw, cur + l, out + l, n - l, depth - 1);
    return;
  }
  qsort_rec(nw, cur, out, l, depth - 1);
  qsort_rec(nw, cur + l, out + l, n - l, depth - 1);
}

}  // namespace

// Parallel-split helpers for one pivot: count keys of src (float bits) below p and NaNs; then
// write the keys below p at lo and the others at hi.
void split_count_avx512(const uint32_t* src, int64_t n, int32_t p, int64_t* below, int64_t* nans) {
  const __m512i pv = _mm512_set1_epi32(p), mag = _mm512_set1_epi32(0x7FFFFFFF), inf = _mm512_set1_epi32(0x7F800000);
  int64_t b = 0, q = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i v = _mm512_loadu_si512(src + i);
    q += __builtin_popcount(_mm512_cmpgt_epi32_mask(_mm512_and_si512(v, mag), inf));
    b += __builtin_popcount(_mm512_cmplt_epi32_mask(fkey(v), pv));
  }
  for (; i < n; i++) {
    int32_t x = int32_t(src[i]);
    q += (x & 0x7FFFFFFF) > 0x7F800000;
    b += fkey1(x) < p;
  }
  *below = b;
  *nans = q;
}

void split_write_avx512(const uint32_t* src, int64_t n, int32_t p, int32_t* lo, int32_t* hi) {
  const __m512i pv = _mm512_set1_epi32(p);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i v = fkey(_mm512_loadu_si512(src + i));
    __mmask16 m = _mm512_cmplt_epi32_mask(v, pv);
    int c = __builtin_popcount(m);
    _mm512_mask_storeu_epi32(lo, __mmask16((1u << c) - 1), _mm512_maskz_compress_epi32(m, v));
    _mm512_mask_storeu_epi32(hi, __mmask16((1u << (16 - c)) - 1), _mm512_maskz_compress_epi32(__mmask16(~m), v));
    lo += c;
    hi += 16 - c;
  }
  for (; i < n; i++) {
    int32_t k = fkey1(int32_t(src[i]));
    if (k < p) *lo++ = k; else *hi++ = k;
  }
}

void sort_f32_keys_avx512(int32_t* cur, int32_t* out, int64_t n) {
  int depth = 16;
  for (int64_t m = n; m > 1; m >>= 1) depth += 2;
  qsort_rec(net(), cur, out, n, depth);
}

}  // namespace mlx::cpu
#endif
