// AVX-512 quicksort of int32 float keys (k = b ^ ((b >> 31) & 0x7FFFFFFF), a self-inverse map that
// orders float bits totally, -0 before +0; the caller removes NaNs first). Partitions go out of place
// with compress-stores, alternating two buffers; ranges of <= 32 finish with an in-register bitonic
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

// Sorts n <= 32 keys from src into out as float bits.
inline void leaf(const Net& nw, const int32_t* src, int32_t* out, int64_t n) {
  const __m512i pad = _mm512_set1_epi32(INT_MAX);
  if (n <= 16) {
    __mmask16 m = __mmask16((1u << n) - 1);
    __m512i v = net_steps(nw, _mm512_mask_loadu_epi32(pad, m, src), 0);
    _mm512_mask_storeu_epi32(out, m, fkey(v));
    return;
  }
  __mmask16 m = __mmask16((1u << (n - 16)) - 1);
  __m512i a = net_steps(nw, _mm512_loadu_si512(src), 0);
  __m512i b = net_steps(nw, _mm512_mask_loadu_epi32(pad, m, src + 16), 0);
  b = _mm512_permutexvar_epi32(_mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), b);
  __m512i lo = net_steps(nw, _mm512_min_epi32(a, b), 6), hi = net_steps(nw, _mm512_max_epi32(a, b), 6);
  _mm512_storeu_si512(out, fkey(lo));
  _mm512_mask_storeu_epi32(out + 16, m, fkey(hi));
}

// Splits src[0, n) into dst: keys < p (or <= p when le) first; returns their count.
template <bool Le>
int64_t partition(const int32_t* src, int32_t* dst, int64_t n, int32_t p) {
  const __m512i pv = _mm512_set1_epi32(p);
  int64_t l = 0, r = n, i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i v = _mm512_loadu_si512(src + i);
    __mmask16 m = Le ? _mm512_cmple_epi32_mask(v, pv) : _mm512_cmplt_epi32_mask(v, pv);
    int c = __builtin_popcount(m);
    // Compress in registers + masked stores: much faster than compress-to-memory on Intel.
    _mm512_mask_storeu_epi32(dst + l, __mmask16((1u << c) - 1), _mm512_maskz_compress_epi32(m, v));
    l += c;
    r -= 16 - c;
    _mm512_mask_storeu_epi32(dst + r, __mmask16((1u << (16 - c)) - 1), _mm512_maskz_compress_epi32(__mmask16(~m), v));
  }
  if (i < n) {
    __mmask16 t = __mmask16((1u << (n - i)) - 1);
    __m512i v = _mm512_maskz_loadu_epi32(t, src + i);
    __mmask16 m = (Le ? _mm512_cmple_epi32_mask(v, pv) : _mm512_cmplt_epi32_mask(v, pv)) & t;
    int c = __builtin_popcount(m);
    _mm512_mask_compressstoreu_epi32(dst + l, m, v);
    l += c;
    r -= __builtin_popcount(t) - c;
    _mm512_mask_compressstoreu_epi32(dst + r, __mmask16(t & ~m), v);
  }
  return l;
}

int32_t pick_pivot(const Net& nw, const int32_t* a, int64_t n) {
  alignas(64) int32_t s[16];
  for (int i = 0; i < 16; i++) s[i] = a[(n - 1) * (2 * i + 1) / 32];
  _mm512_store_si512(s, net_steps(nw, _mm512_load_si512(s), 0));
  return s[8];
}

void fill_equal(int32_t* out, int64_t n, int32_t k) {
  int32_t b = fkey1(k);
  std::fill(out, out + n, b);
}

// Keys are in cur; oth is scratch of the same size; out (cur or oth) receives the float bits.
void qsort_rec(const Net& nw, int32_t* cur, int32_t* oth, int32_t* out, int64_t n, int depth) {
  if (n <= 32) {
    if (n > 0) leaf(nw, cur, out, n);
    return;
  }
  if (depth == 0) {  // pathological pivots: finish with a comparison sort
    if (cur != out) std::memcpy(out, cur, n * 4);
    std::sort(out, out + n);
    for (int64_t i = 0; i < n; i++) out[i] = fkey1(out[i]);
    return;
  }
  int32_t p = pick_pivot(nw, cur, n);
  int64_t l = partition<false>(cur, oth, n, p);
  if (l == 0) {  // p is the minimum: split off the keys equal to it
    l = partition<true>(cur, oth, n, p);
    fill_equal(out, l, p);
    if (l < n) qsort_rec(nw, oth + l, cur + l, out + l, n - l, depth - 1);
    return;
  }
  qsort_rec(nw, oth, cur, out, l, depth - 1);
  qsort_rec(nw, oth + l, cur + l, out + l, n - l, depth - 1);
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

void sort_f32_keys_avx512(int32_t* cur, int32_t* oth, int32_t* out, int64_t n) {
  int depth = 16;
  for (int64_t m = n; m > 1; m >>= 1) depth += 2;
  qsort_rec(net(), cur, oth, out, n, depth);
}

}  // namespace mlx::cpu
#endif
