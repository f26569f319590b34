// Row kernels for float32 reductions and softmax, written with GCC/Clang vector extensions so
// one source serves every ISA: included by reduce.cc (portable baseline), reduce_avx2.cc and
// reduce_avx512.cc, each compiled with its own -m flags. Include inside a namespace.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#pragma GCC diagnostic ignored "-Wpsabi"

namespace rsimd {

typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
constexpr int W = 16;

inline vf load(const float* p) { vf v; std::memcpy(&v, p, sizeof(vf)); return v; }
inline void store(float* p, vf v) { std::memcpy(p, &v, sizeof(vf)); }
inline vf splat(float x) { return vf{} + x; }
// First k (< W) lanes from p, the rest `fill`.
inline vf load_part(const float* p, int64_t k, float fill) {
  float t[W];
  for (int i = 0; i < W; i++) t[i] = i < k ? p[i] : fill;
  return load(t);
}
inline float hsum(vf v) { float s = 0; for (int i = 0; i < W; i++) s += v[i]; return s; }
inline float hmax(vf v) { float s = v[0]; for (int i = 1; i < W; i++) s = v[i] > s ? v[i] : s; return s; }
inline float hmin(vf v) { float s = v[0]; for (int i = 1; i < W; i++) s = v[i] < s ? v[i] : s; return s; }

// Blocked summation: four vector accumulators per 4096-element block, block totals in double;
// error grows with the block count, not n (numpy-like pairwise accuracy).
inline float sum_f32(const float* p, int64_t n) {
  double total = 0;
  int64_t i = 0;
  constexpr int64_t B = 4096;
  while (i + 4 * W <= n) {
    vf a0{}, a1{}, a2{}, a3{};
    int64_t end = std::min(n - 4 * W + 1, i + B);
    for (; i < end; i += 4 * W) {
      a0 += load(p + i); a1 += load(p + i + W); a2 += load(p + i + 2 * W); a3 += load(p + i + 3 * W);
    }
    total += hsum((a0 + a1) + (a2 + a3));
  }
  float t = 0;
  for (; i < n; i++) t += p[i];
  return (float)(total + t);
}

// NaN-propagating max/min like MLX.
template <bool IsMax> inline float minmax_f32(const float* p, int64_t n) {
  float init = IsMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  vf m0 = splat(init), m1 = m0;
  vi bad{};
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    vf x0 = load(p + i), x1 = load(p + i + W);
    if constexpr (IsMax) { m0 = x0 > m0 ? x0 : m0; m1 = x1 > m1 ? x1 : m1; }
    else { m0 = x0 < m0 ? x0 : m0; m1 = x1 < m1 ? x1 : m1; }
    bad |= (x0 != x0) | (x1 != x1);
  }
  float m = IsMax ? hmax(m0 > m1 ? m0 : m1) : hmin(m0 < m1 ? m0 : m1);
  for (int k = 0; k < W; k++) if (bad[k]) return std::numeric_limits<float>::quiet_NaN();
  for (; i < n; i++) {
    if (p[i] != p[i]) return p[i];
    m = IsMax ? (p[i] > m ? p[i] : m) : (p[i] < m ? p[i] : m);
  }
  return m;
}

// exp with ~1 ulp error (Cephes polynomial, round-to-nearest by the 1.5*2^23 trick).
inline vf exp_v(vf x) {
  const vf hi = splat(88.3762626647949f), lo = splat(-87.3365447505531f);
  vf xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const vf magic = splat(12582912.0f);
  vf t = xc * 1.44269504088896341f + magic;
  vi ni = (vi)t - (vi)magic;
  vf n = t - magic;
  vf r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vf y = splat(1.9875691500E-4f);
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * (r * r) + r + 1.0f;
  vf scale = (vf)((ni + 127) << 23);
  y = y * scale;
  y = x > hi ? splat(std::numeric_limits<float>::infinity()) : y;
  y = x < lo ? splat(0.0f) : y;
  y = x != x ? x : y;
  return y;
}

// Max without NaN care (a NaN reaches the result through exp anyway).
inline float max_plain(const float* p, int64_t n) {
  vf m = splat(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + W <= n; i += W) { vf x = load(p + i); m = x > m ? x : m; }
  if (i < n) { vf x = load_part(p + i, n - i, -std::numeric_limits<float>::infinity()); m = x > m ? x : m; }
  return hmax(m);
}

// Sum of exp(x - m); writes the exponentials to out when out != nullptr.
inline float exp_sum(const float* p, int64_t n, float m, float* out) {
  vf s0{}, s1{};
  vf mv = splat(m);
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    vf e0 = exp_v(load(p + i) - mv), e1 = exp_v(load(p + i + W) - mv);
    if (out) { store(out + i, e0); store(out + i + W, e1); }
    s0 += e0; s1 += e1;
  }
  for (; i < n; i += W) {
    int64_t k = std::min<int64_t>(W, n - i);
    vf e = exp_v(load_part(p + i, k, -std::numeric_limits<float>::infinity()) - mv);
    if (k < W) { vf z{}; for (int j = 0; j < W; j++) if (j >= k) e[j] = z[j]; }
    if (out) for (int64_t j = 0; j < k; j++) out[i + j] = e[j];
    s0 += e;
  }
  return hsum(s0 + s1);
}

inline void softmax_f32(const float* p, float* out, int64_t n) {
  float m = max_plain(p, n);
  float s = exp_sum(p, n, m, out);
  vf inv = splat(1.0f / s);
  int64_t i = 0;
  for (; i + W <= n; i += W) store(out + i, load(out + i) * inv);
  for (; i < n; i++) out[i] *= inv[0];
}

inline float logsumexp_f32(const float* p, int64_t n) {
  float m = max_plain(p, n);
  if (std::isinf(m)) m = 0.0f;  // all -inf gives -inf, any +inf gives +inf (MLX)
  return std::log(exp_sum(p, n, m, nullptr)) + m;
}

}  // namespace rsimd
