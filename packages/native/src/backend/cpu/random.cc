// CPU kernels for the random primitives. The float code mirrors the op-by-op rounding of MLX's
// CPU backend (each MLX op rounds to its dtype; no FMA contraction except where MLX calls fma).
#include <algorithm>
#include <cmath>
#include <optional>
#include <cstring>
#include <numeric>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/random.h"
#include "copy.h"
#include "cpu_features.h"

// Each MLX op rounds separately: never fuse a*b+c into an fma behind our back.
#pragma GCC optimize("fp-contract=off")

namespace mlx::cpu {

#if defined(MLX_X86)
void erfinv_sym_avx2(const uint32_t* b, float* out, int64_t n);  // random_avx2.cc
#endif

namespace {

// Words [j0, j1) of the pair loop: word j and word j + off come from one hash of (j, j + off).
// Written as a plain loop over arrays so the compiler vectorises it.
void pair_words(uint32_t k0, uint32_t k1, uint32_t off, int64_t j0, int64_t j1, uint32_t* w) {
  for (int64_t j = j0; j < j1; j++) {
    uint32_t a, b;
    threefry2x32(k0, k1, (uint32_t)j, (uint32_t)(j + off), a, b);
    w[j] = a;
    w[j + off] = b;
  }
}

// MLX's layout of one key's bytes: W = ceil(bytes / 4) words; for j < W/2 the hash of
// (j, j + W/2 + odd) fills words j and j + W/2 + odd; when W is odd, word W/2 is the first half
// of the hash of (W/2, 0). The last word is cut to the remaining bytes.
void bits_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  Array keys = contiguous(in[0]);
  const uint32_t* kp = keys.data<uint32_t>();
  int64_t num_keys = keys.size() / 2;
  int64_t bytes = (int64_t)o.nbytes() / num_keys;
  int64_t W = (bytes + 3) / 4, half = W / 2, odd = W % 2;
  char* base = static_cast<char*>(o.raw_data());
  bool aligned = bytes % 4 == 0;
  auto one_key = [&](int64_t k, int64_t j0, int64_t j1, bool tail) {
    uint32_t k0 = kp[2 * k], k1 = kp[2 * k + 1];
    char* dst = base + k * bytes;
    if (aligned) {
      auto* w = reinterpret_cast<uint32_t*>(dst);
      pair_words(k0, k1, (uint32_t)(half + odd), j0, j1, w);
      if (tail && odd) { uint32_t a, b; threefry2x32(k0, k1, (uint32_t)half, 0, a, b); w[half] = a; }
      return;
    }
    if (k > 0) {  // several keys with an odd byte count: build the words aside, then copy the bytes
      std::vector<uint32_t> s(W);
      pair_words(k0, k1, (uint32_t)(half + odd), 0, half, s.data());
      if (odd) { uint32_t a, b; threefry2x32(k0, k1, (uint32_t)half, 0, a, b); s[half] = a; }
      std::memcpy(dst, s.data(), bytes);
      return;
    }
    // One key, unaligned byte count: every full pair except the last goes straight in.
    auto* w = reinterpret_cast<uint32_t*>(dst);
    int64_t full_end = std::min(j1, half - 1);
    if (j0 < full_end) pair_words(k0, k1, (uint32_t)(half + odd), j0, full_end, w);
    if (tail) {
      auto put = [&](int64_t word, uint32_t v) {
        int64_t n = std::min<int64_t>(4, bytes - 4 * word);
        std::memcpy(dst + 4 * word, &v, n);
      };
      if (half > 0) {
        uint32_t a, b;
        threefry2x32(k0, k1, (uint32_t)(half - 1), (uint32_t)(2 * half - 1 + odd), a, b);
        put(half - 1, a);
        put(2 * half - 1 + odd, b);
      }
      if (odd) { uint32_t a, b; threefry2x32(k0, k1, (uint32_t)half, 0, a, b); put(half, a); }
    }
  };
  if (num_keys == 1) {
    // One key, many words: split the pair loop across threads; the tail goes to the last chunk.
    int64_t pairs = aligned ? half : std::max<int64_t>(half - 1, 0);
    if (pairs == 0) { one_key(0, 0, 0, true); return; }
    parallel_for(pairs, 4096, [&](int64_t b, int64_t e) { one_key(0, b, e, e == pairs); });
  } else {
    int64_t per = std::max<int64_t>(1, 8192 / std::max<int64_t>(W, 1));
    parallel_for(num_keys, per, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; k++) one_key(k, 0, aligned ? half : std::max<int64_t>(half - 1, 0), true);
    });
  }
}

// ---- parameter access: scalar broadcast or a contiguous copy over the output shape ----
template <typename T> struct In {
  Array keep;
  const T* p = nullptr;
  bool scalar = false;
  explicit In(const Array& a) {
    if (a.data_size() == 1) { keep = a; scalar = true; }
    else keep = contiguous(a);
    p = keep.data<T>();
  }
  T operator[](int64_t i) const { return scalar ? p[0] : p[i]; }
};

// Rounds a float result to T the way an MLX op with output dtype T does.
template <typename T> inline float rnd(float x) { return (float)T(x); }
template <> inline float rnd<float>(float x) { return x; }

inline float to_unit(uint32_t b) { return (float)b * 2.3283064365386963e-10f; }  // b / 2^32 (exact scale)

template <typename T> constexpr float below_one() {
  if constexpr (std::is_same_v<T, float>) return 0.99999994f;        // nextafter(1, 0)
  else if constexpr (std::is_same_v<T, float16_t>) return 0.99951171875f;  // 0x3BFF
  else return 0.99609375f;                                           // bf16 0x3F7F
}

#include "random_erfinv.inc"

// MLX's fast exp (Cephes polynomial on 2^x) used inside its erf.
inline float exp_mlx(float x0) {
  if (std::isnan(x0)) return x0;
  if (x0 > 88.0f) return INFINITY;
  if (x0 < -88.0f) return 0.0f;
  float x = x0 * 1.442695f;
  float ip = std::floor(x + 0.5f), fp = x - ip;
  x = 1.535336188319500e-4f;
  x = std::fma(x, fp, 1.339887440266574e-3f); x = std::fma(x, fp, 9.618437357674640e-3f);
  x = std::fma(x, fp, 5.550332471162809e-2f); x = std::fma(x, fp, 2.402264791363012e-1f);
  x = std::fma(x, fp, 6.931472028550421e-1f); x = std::fma(x, fp, 1.0f);
  uint32_t e = (uint32_t)(((int32_t)ip + 127) << 23);
  float s;
  std::memcpy(&s, &e, 4);
  return s * x;
}

inline float erf_f(float v) {
  float t = 1.0f / std::fma(0.3275911f, std::fabs(v), 1.0f);
  float r = std::fma(1.061405429f, t, -1.453152027f);
  r = std::fma(r, t, 1.421413741f); r = std::fma(r, t, -0.284496736f); r = std::fma(r, t, 0.254829592f);
  float e = -exp_mlx(-v * v);
  float res = std::fma(e * t, r, 1.0f);
  return v > 0 ? res : -res;
}

// x86 float -> integer conversion as MLX's astype performs it (truncation; out of range gives
// the "integer indefinite" value of the 32- or 64-bit conversion, then wraps to the type).
template <typename D> inline D f2i(float v) {
  auto c32 = [](float x) -> int32_t { return (x >= -2147483648.0f && x < 2147483648.0f) ? (int32_t)x : INT32_MIN; };
  auto c64 = [](float x) -> int64_t {
    return (x >= -9.2233720368547758e18f && x < 9.2233720368547758e18f) ? (int64_t)x : INT64_MIN;
  };
  if constexpr (std::is_same_v<D, bool>) return v != 0.0f;
  else if constexpr (std::is_same_v<D, uint64_t>) {
    if (v < 9.2233720368547758e18f) return (uint64_t)c64(v);
    return (uint64_t)c64(v - 9.2233720368547758e18f) ^ (1ull << 63);
  } else if constexpr (sizeof(D) == 8 || std::is_same_v<D, uint32_t>) return (D)c64(v);
  else return (D)c32(v);
}

template <typename D> inline D f2i_d(double v) {
  auto c32 = [](double x) -> int32_t { return (x > -2147483649.0 && x < 2147483648.0) ? (int32_t)x : INT32_MIN; };
  auto c64 = [](double x) -> int64_t {
    return (x >= -9.2233720368547758e18 && x < 9.2233720368547758e18) ? (int64_t)x : INT64_MIN;
  };
  if constexpr (std::is_same_v<D, bool>) return v != 0.0;
  else if constexpr (std::is_same_v<D, uint64_t>) {
    if (v < 9.2233720368547758e18) return (uint64_t)c64(v);
    return (uint64_t)c64(v - 9.2233720368547758e18) ^ (1ull << 63);
  } else if constexpr (sizeof(D) == 8 || std::is_same_v<D, uint32_t>) return (D)c64(v);
  else return (D)c32(v);
}

constexpr int64_t kGrain = 16384;

template <typename T> void uniform_k(const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  In<T> lo(in[1]), hi(in[2]);
  T* out = o.data<T>();
  parallel_for(o.size(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float x = rnd<T>(std::min(to_unit(b[i]), below_one<T>()));
      float l = (float)lo[i], r = rnd<T>((float)hi[i] - l);
      out[i] = T(rnd<T>(r * x) + l);
    }
  });
}

// Converts a value of the promoted type P to D as astype does.
template <typename D, typename P> inline D cast_to(P v) {
  if constexpr (std::is_same_v<P, double>) return f2i_d<D>(v);
  else if constexpr (std::is_same_v<P, float>) return f2i<D>(v);
  else if constexpr (std::is_same_v<D, bool>) return v != 0;
  else return static_cast<D>(v);
}

// randint: u = uniform(low, high) in float32; astype(floor(u)); clamp to [low, high - 1] in D,
// where high - 1 is computed in promote(high, int32) like MLX's subtract(high, 1).
template <typename D> void randint_k(const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  In<float> lf(in[1]), hf(in[2]);
  In<D> lo(in[3]);
  const Array& hp = in[4];
  int64_t nh = hp.data_size() == 1 ? 1 : o.size();
  std::vector<D> hm1(nh);
  auto fill = [&](auto tag) {
    using P = typename decltype(tag)::type;
    In<P> h(hp);
    for (int64_t i = 0; i < nh; i++) {
      P v = h[i];
      if constexpr (std::is_same_v<P, float16_t> || std::is_same_v<P, bfloat16_t>) hm1[i] = cast_to<D>((float)P((float)v - 1.0f));
      else if constexpr (std::is_floating_point_v<P>) hm1[i] = cast_to<D>(P(v - P(1)));
      else hm1[i] = cast_to<D>((P)((std::make_unsigned_t<P>)v - 1u));
    }
  };
  switch (hp.dtype()) {
    case Dtype::int32: fill(TypeTag<int32_t>{}); break;
    case Dtype::int64: fill(TypeTag<int64_t>{}); break;
    case Dtype::float16: fill(TypeTag<float16_t>{}); break;
    case Dtype::bfloat16: fill(TypeTag<bfloat16_t>{}); break;
    case Dtype::float64: fill(TypeTag<double>{}); break;
    default: fill(TypeTag<float>{}); break;
  }
  D* out = o.data<D>();
  parallel_for(o.size(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float x = std::min(to_unit(b[i]), 0.99999994f);
      float l = lf[i], r = hf[i] - l;
      float u = r * x;
      D v = f2i<D>(std::floor(u + l));
      D h = hm1[nh == 1 ? 0 : i], q = lo[i];
      v = v < h ? v : h;
      out[i] = v > q ? v : q;
    }
  });
}

template <typename P> void bernoulli_k(const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  In<P> p(in[1]);
  bool* out = o.data<bool>();
  const P upper = (P)4294967808.0f;  // nextafter(float(UINT32_MAX), inf)
  parallel_for(o.size(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) out[i] = (P)b[i] < p[i] * upper;
  });
}

template <typename T> inline T mul_t(T a, T b) {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) return a * b;
  else return T((float)a * (float)b);
}
template <typename T> inline T add_t(T a, T b) {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) return a + b;
  else return T((float)a + (float)b);
}

template <typename T> void normal_k(const RandomTransform& p, const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  size_t k = 1;
  std::optional<In<T>> sc, lc;
  if (p.has_scale()) sc.emplace(in[k++]);
  if (p.has_loc()) lc.emplace(in[k++]);
  T* out = o.data<T>();
  const T sqrt2 = T(std::sqrt(2.0));
  bool fast = false;
#if defined(MLX_X86)
  fast = !b.scalar && best_isa() != Isa::generic;
#endif
  parallel_for(o.size(), kGrain / 4, [&](int64_t s, int64_t e) {
    float tmp[256];
    for (int64_t i0 = s; i0 < e; i0 += 256) {
      int64_t m = std::min<int64_t>(256, e - i0);
#if defined(MLX_X86)
      if (fast) erfinv_sym_avx2(b.p + i0, tmp, m);
      else
#endif
        for (int64_t j = 0; j < m; j++) tmp[j] = erfinv_f(sym_unit(b[i0 + j]));
      for (int64_t j = 0; j < m; j++) {
        int64_t i = i0 + j;
        T v = T(tmp[j]);
        T a = sc ? mul_t(sqrt2, (*sc)[i]) : sqrt2;
        v = mul_t(a, v);
        out[i] = lc ? add_t((*lc)[i], v) : v;
      }
    }
  });
}

void complex_normal_k(const RandomTransform& p, const std::vector<Array>& in, Array& o) {
  Array bits = contiguous(in[0]);
  const uint32_t* b = bits.data<uint32_t>();
  size_t k = 1;
  std::optional<In<float>> sc, lc;
  if (p.has_scale()) sc.emplace(in[k++]);
  if (p.has_loc()) lc.emplace(in[k++]);
  auto* out = o.data<complex64_t>();
  parallel_for(o.size(), kGrain / 8, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float re = erfinv_f(sym_unit(b[2 * i])), im = erfinv_f(sym_unit(b[2 * i + 1]));
      if (sc) { float f = (*sc)[i]; re = f * re, im = f * im; }
      if (lc) { re = (*lc)[i] + re, im = 0.0f + im; }
      out[i] = complex64_t(re, im);
    }
  });
}

template <typename T> void truncated_normal_k(const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  In<T> lo(in[1]), hi(in[2]);
  T* out = o.data<T>();
  const float sqrt2 = (float)T(std::sqrt(2.0));
  parallel_for(o.size(), kGrain / 8, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float l = (float)lo[i], h = (float)hi[i];
      float a = rnd<T>(erf_f(rnd<T>(l / sqrt2))), c = rnd<T>(erf_f(rnd<T>(h / sqrt2)));
      float x = rnd<T>(std::min(to_unit(b[i]), below_one<T>()));
      float u = rnd<T>(rnd<T>(rnd<T>(c - a) * x) + a);
      float v = rnd<T>(sqrt2 * rnd<T>(erfinv_f(u)));
      v = std::isnan(h) ? h : (h < v ? h : v);   // minimum(upper, out)
      v = std::isnan(v) ? v : (v > l ? v : l);   // maximum(., lower)
      out[i] = T(v);
    }
  });
}

template <typename T> void gumbel_k(const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  T* out = o.data<T>();
  parallel_for(o.size(), kGrain / 8, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float u = rnd<T>(std::min(to_unit(b[i]), below_one<T>()));  // uniform(0, 1): 1 * u + 0
      out[i] = T(-rnd<T>(std::log(-rnd<T>(std::log(u)))));
    }
  });
}

template <typename T> void laplace_k(const RandomTransform& p, const std::vector<Array>& in, Array& o) {
  In<uint32_t> b(in[0]);
  T* out = o.data<T>();
  const T scale = T(p.scale()), loc = T(p.loc());
  const bool use_scale = p.scale() != 1.0f, use_loc = p.loc() != 0.0f;
  parallel_for(o.size(), kGrain / 8, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float u = sym_unit(b[i]);
      float sg = (float)((u > 0) - (u < 0));
      T v;
      // multiply(array(-1, dtype), abs(u)) promotes to float64 when dtype is float64.
      if constexpr (std::is_same_v<T, double>) v = (double)sg * std::log1p(-1.0 * (double)std::fabs(u));
      else v = T(sg * std::log1p(-1.0f * std::fabs(u)));
      if (use_scale) v = mul_t(scale, v);
      if (use_loc) v = add_t(loc, v);
      out[i] = v;
    }
  });
}

template <typename F> void float_dispatch(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::float32: f(TypeTag<float>{}); break;
    case Dtype::float16: f(TypeTag<float16_t>{}); break;
    case Dtype::bfloat16: f(TypeTag<bfloat16_t>{}); break;
    case Dtype::float64: f(TypeTag<double>{}); break;
    default: throw_error(ErrorCode::dtype, "[random] Unsupported dtype.");
  }
}

void transform_kernel(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& p = static_cast<const RandomTransform&>(prim);
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  switch (p.kind()) {
    case RandomTransform::uniform:
      float_dispatch(o.dtype(), [&](auto t) {
        using T = typename decltype(t)::type;
        if constexpr (!std::is_same_v<T, double>) uniform_k<T>(in, o);
      });
      break;
    case RandomTransform::randint:
      dispatch_all(o.dtype(), [&](auto t) {
        using D = typename decltype(t)::type;
        if constexpr (std::is_integral_v<D>) randint_k<D>(in, o);
      });
      break;
    case RandomTransform::bernoulli:
      if (in[1].dtype() == Dtype::float64) bernoulli_k<double>(in, o);
      else bernoulli_k<float>(in, o);
      break;
    case RandomTransform::normal:
      float_dispatch(o.dtype(), [&](auto t) { normal_k<typename decltype(t)::type>(p, in, o); });
      break;
    case RandomTransform::complex_normal: complex_normal_k(p, in, o); break;
    case RandomTransform::truncated_normal:
      float_dispatch(o.dtype(), [&](auto t) {
        using T = typename decltype(t)::type;
        if constexpr (!std::is_same_v<T, double>) truncated_normal_k<T>(in, o);
      });
      break;
    case RandomTransform::gumbel:
      float_dispatch(o.dtype(), [&](auto t) {
        using T = typename decltype(t)::type;
        if constexpr (!std::is_same_v<T, double>) gumbel_k<T>(in, o);
      });
      break;
    case RandomTransform::laplace:
      float_dispatch(o.dtype(), [&](auto t) { laplace_k<typename decltype(t)::type>(p, in, o); });
      break;
  }
}

// Stable argsort of distinct-or-not uint32 values: sort (value, index) pairs packed in 64 bits.
void argsort_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  o.allocate();
  Array x = contiguous(in[0]);
  const uint32_t* v = x.data<uint32_t>();
  int64_t n = x.size();
  std::vector<uint64_t> keys(n);
  for (int64_t i = 0; i < n; i++) keys[i] = ((uint64_t)v[i] << 32) | (uint64_t)i;
  std::sort(keys.begin(), keys.end());
  uint32_t* r = o.data<uint32_t>();
  for (int64_t i = 0; i < n; i++) r[i] = (uint32_t)keys[i];
}

void take_kernel(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  int axis = static_cast<const RandomTake&>(prim).axis();
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  Array x = contiguous(in[0]);
  Array idx = contiguous(in[1]);
  const uint32_t* id = idx.data<uint32_t>();
  int64_t outer = 1, inner = 1, n = x.shape(axis), k = o.shape(axis);
  for (int i = 0; i < axis; i++) outer *= x.shape(i);
  for (int i = axis + 1; i < x.ndim(); i++) inner *= x.shape(i);
  size_t row = (size_t)inner * x.itemsize();
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(o.raw_data());
  parallel_for(outer * k, std::max<int64_t>(1, 65536 / std::max<size_t>(row, 1)), [&](int64_t s, int64_t e) {
    for (int64_t t = s; t < e; t++) {
      int64_t a = t / k, j = t % k;
      std::memcpy(dst + t * row, src + (a * n + id[j]) * row, row);
    }
  });
}

template <typename T> void categorical_impl(const Array& g, const Array& l, Array& o) {
  int64_t K = g.shape(-1), M = o.size();
  const T* gp = g.data<T>();
  const T* lp = l.data<T>();
  uint32_t* r = o.data<uint32_t>();
  parallel_for(M, std::max<int64_t>(1, kGrain / std::max<int64_t>(K, 1)), [&](int64_t s, int64_t e) {
    for (int64_t m = s; m < e; m++) {
      const T* a = gp + m * K;
      const T* b = lp + m * K;
      T best = a[0] + b[0];
      uint32_t bi = 0;
      for (int64_t j = 1; j < K; j++) {
        T v = a[j] + b[j];
        if (v > best || (std::isnan(v) && !std::isnan(best))) best = v, bi = (uint32_t)j;
      }
      r[m] = bi;
    }
  });
}

void categorical_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  Array g = contiguous(in[0]), l = contiguous(in[1]);
  if (g.dtype() == Dtype::float64) categorical_impl<double>(g, l, o);
  else categorical_impl<float>(g, l, o);
}

// Principal square root of a symmetric PSD matrix: cyclic Jacobi eigen-decomposition in double,
// then V diag(sqrt(max(w, 0))) V^T.
void psd_sqrt(const float* a, float* out, int n) {
  std::vector<double> A(n * n), V(n * n, 0.0);
  for (int i = 0; i < n * n; i++) A[i] = a[i];
  for (int i = 0; i < n; i++) V[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 64; sweep++) {
    double off = 0, tot = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) (i == j ? tot : off) += A[i * n + j] * A[i * n + j];
    if (off <= 1e-30 * (tot + off) || off == 0) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        double apq = A[p * n + q];
        if (apq == 0) continue;
        double theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) {  // A = J^T A J
          double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
          double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
          double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<double> w(n);
  for (int i = 0; i < n; i++) w[i] = std::sqrt(std::max(A[i * n + i], 0.0));
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double acc = 0;
      for (int k = 0; k < n; k++) acc += V[i * n + k] * w[k] * V[j * n + k];
      out[i * n + j] = (float)acc;
    }
}

void psd_sqrt_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  Array c = contiguous(in[0]);
  int n = (int)c.shape(-1);
  int64_t batch = c.size() / ((int64_t)n * n);
  const float* a = c.data<float>();
  float* r = o.data<float>();
  parallel_for(batch, 1, [&](int64_t s, int64_t e) {
    for (int64_t b = s; b < e; b++) psd_sqrt(a + b * n * n, r + b * n * n, n);
  });
}

void mvn_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  Array z = contiguous(in[0]), sd = contiguous(in[1]), mu = contiguous(in[2]);
  int64_t n = o.shape(-1), rows = o.size() / n;
  const float *zp = z.data<float>(), *sp = sd.data<float>(), *mp = mu.data<float>();
  float* r = o.data<float>();
  parallel_for(rows, std::max<int64_t>(1, 4096 / (n * n)), [&](int64_t s, int64_t e) {
    for (int64_t m = s; m < e; m++) {
      const float* zr = zp + m * n;
      const float* S = sp + m * n * n;
      for (int64_t j = 0; j < n; j++) {
        float acc = 0;
        for (int64_t i = 0; i < n; i++) acc += zr[i] * S[i * n + j];
        r[m * n + j] = mp[m * n + j] + acc;
      }
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, RandomBits, bits_kernel);
MLX_REGISTER_KERNEL(cpu, RandomTransform, transform_kernel);
MLX_REGISTER_KERNEL(cpu, RandomArgsort, argsort_kernel);
MLX_REGISTER_KERNEL(cpu, RandomTake, take_kernel);
MLX_REGISTER_KERNEL(cpu, RandomCategorical, categorical_kernel);
MLX_REGISTER_KERNEL(cpu, RandomPsdSqrt, psd_sqrt_kernel);
MLX_REGISTER_KERNEL(cpu, RandomMvnApply, mvn_kernel);

}  // namespace mlx::cpu
