// The FFT engine, templated on a "vector" V: either float (one line) or a GCC vector of W
// floats holding W independent lines side by side, so every butterfly runs on W lines at
// once. Included by fft.cc (float and 4-wide) and by the per-ISA files (8- and 16-wide).
// Everything here has internal linkage: each file compiles it for its own instruction set.
//
// Transform: Stockham autosort, decimation in frequency. A stage of radix p on a remaining
// length p*m with stride s reads x[q + s*(j + r*m)] and writes
//   y[q + s*(p*j + k)] = w^(j*k) * sum_r x[q + s*(j + r*m)] * exp(-+2*pi*i*r*k/p)
// with w = exp(-+2*pi*i/(p*m)); after all stages the result is in natural order.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "fft_plan.h"

namespace mlx::cpu::fft {
namespace {

template <class V> struct CV { V re, im; };

template <class V> inline CV<V> operator+(CV<V> a, CV<V> b) { return {a.re + b.re, a.im + b.im}; }
template <class V> inline CV<V> operator-(CV<V> a, CV<V> b) { return {a.re - b.re, a.im - b.im}; }

// a * w, or a * conj(w) for the inverse direction (twiddles are stored with the forward sign).
template <bool fwd, class V> inline CV<V> twiddle(CV<V> a, float wr, float wi) {
  if constexpr (!fwd) wi = -wi;
  return {a.re * wr - a.im * wi, a.re * wi + a.im * wr};
}
// -i*a for the forward direction, +i*a for the inverse.
template <bool fwd, class V> inline CV<V> rot(CV<V> a) {
  if constexpr (fwd) return {a.im, V{} - a.re};
  else return {V{} - a.im, a.re};
}

template <class V> inline void set_lane(V& v, int l, float x) {
  if constexpr (std::is_same_v<V, float>) v = x;
  else v[l] = x;
}
template <class V> inline float get_lane(const V& v, int l) {
  if constexpr (std::is_same_v<V, float>) return v;
  else return v[l];
}

// Runs body(j, with_twiddle) for j in [0, m): the j = 0 butterflies need no twiddles.
template <typename F> inline void over_j(int64_t m, F&& body) {
  body(0, std::false_type{});
  for (int64_t j = 1; j < m; j++) body(j, std::true_type{});
}

template <class V, bool fwd>
void pass2(int64_t m, int64_t s, const CV<V>* x, CV<V>* y, const float* tw) {
  const int64_t xs = s * m;
  over_j(m, [&](int64_t j, auto T) {
    const CV<V>* xj = x + s * j;
    CV<V>* yj = y + 2 * s * j;
    const float* w = tw + 2 * j;
    for (int64_t q = 0; q < s; q++) {
      CV<V> a = xj[q], b = xj[q + xs];
      yj[q] = a + b;
      if constexpr (decltype(T)::value) yj[q + s] = twiddle<fwd>(a - b, w[0], w[1]);
      else yj[q + s] = a - b;
    }
  });
}

template <class V, bool fwd>
void pass3(int64_t m, int64_t s, const CV<V>* x, CV<V>* y, const float* tw) {
  const int64_t xs = s * m;
  const float c = -0.5f, sn = 0.86602540378443864676f;
  over_j(m, [&](int64_t j, auto T) {
    const CV<V>* xj = x + s * j;
    CV<V>* yj = y + 3 * s * j;
    const float* w = tw + 4 * j;
    for (int64_t q = 0; q < s; q++) {
      CV<V> a0 = xj[q], a1 = xj[q + xs], a2 = xj[q + 2 * xs];
      CV<V> t = a1 + a2, d = a1 - a2;
      CV<V> o0 = a0 + t;
      CV<V> mid{a0.re + t.re * c, a0.im + t.im * c};
      CV<V> r = rot<fwd>(CV<V>{d.re * sn, d.im * sn});
      CV<V> o1 = mid + r, o2 = mid - r;
      yj[q] = o0;
      if constexpr (decltype(T)::value) {
        yj[q + s] = twiddle<fwd>(o1, w[0], w[1]);
        yj[q + 2 * s] = twiddle<fwd>(o2, w[2], w[3]);
      } else {
        yj[q + s] = o1;
        yj[q + 2 * s] = o2;
      }
    }
  });
}

template <class V, bool fwd>
void pass4(int64_t m, int64_t s, const CV<V>* x, CV<V>* y, const float* tw) {
  const int64_t xs = s * m;
  over_j(m, [&](int64_t j, auto T) {
    const CV<V>* xj = x + s * j;
    CV<V>* yj = y + 4 * s * j;
    const float* w = tw + 6 * j;
    for (int64_t q = 0; q < s; q++) {
      CV<V> a0 = xj[q], a1 = xj[q + xs], a2 = xj[q + 2 * xs], a3 = xj[q + 3 * xs];
      CV<V> t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3, t3 = rot<fwd>(a1 - a3);
      CV<V> o0 = t0 + t2, o2 = t0 - t2, o1 = t1 + t3, o3 = t1 - t3;
      yj[q] = o0;
      if constexpr (decltype(T)::value) {
        yj[q + s] = twiddle<fwd>(o1, w[0], w[1]);
        yj[q + 2 * s] = twiddle<fwd>(o2, w[2], w[3]);
        yj[q + 3 * s] = twiddle<fwd>(o3, w[4], w[5]);
      } else {
        yj[q + s] = o1;
        yj[q + 2 * s] = o2;
        yj[q + 3 * s] = o3;
      }
    }
  });
}

template <class V, bool fwd>
void pass5(int64_t m, int64_t s, const CV<V>* x, CV<V>* y, const float* tw) {
  const int64_t xs = s * m;
  const float c1 = 0.30901699437494742410f, c2 = -0.80901699437494742410f;
  const float s1 = 0.95105651629515357212f, s2 = 0.58778525229247312917f;
  over_j(m, [&](int64_t j, auto T) {
    const CV<V>* xj = x + s * j;
    CV<V>* yj = y + 5 * s * j;
    const float* w = tw + 8 * j;
    for (int64_t q = 0; q < s; q++) {
      CV<V> a0 = xj[q], a1 = xj[q + xs], a2 = xj[q + 2 * xs], a3 = xj[q + 3 * xs], a4 = xj[q + 4 * xs];
      CV<V> b1 = a1 + a4, b2 = a2 + a3, d1 = a1 - a4, d2 = a2 - a3;
      CV<V> o0 = a0 + b1 + b2;
      CV<V> m1{a0.re + b1.re * c1 + b2.re * c2, a0.im + b1.im * c1 + b2.im * c2};
      CV<V> m2{a0.re + b1.re * c2 + b2.re * c1, a0.im + b1.im * c2 + b2.im * c1};
      CV<V> n1 = rot<fwd>(CV<V>{d1.re * s1 + d2.re * s2, d1.im * s1 + d2.im * s2});
      CV<V> n2 = rot<fwd>(CV<V>{d1.re * s2 - d2.re * s1, d1.im * s2 - d2.im * s1});
      CV<V> o1 = m1 + n1, o4 = m1 - n1, o2 = m2 + n2, o3 = m2 - n2;
      yj[q] = o0;
      if constexpr (decltype(T)::value) {
        yj[q + s] = twiddle<fwd>(o1, w[0], w[1]);
        yj[q + 2 * s] = twiddle<fwd>(o2, w[2], w[3]);
        yj[q + 3 * s] = twiddle<fwd>(o3, w[4], w[5]);
        yj[q + 4 * s] = twiddle<fwd>(o4, w[6], w[7]);
      } else {
        yj[q + s] = o1;
        yj[q + 2 * s] = o2;
        yj[q + 3 * s] = o3;
        yj[q + 4 * s] = o4;
      }
    }
  });
}

// Any odd prime p: pairs r and p-r share their cosine and sine terms.
template <class V, bool fwd>
void passg(const Stage& st, int64_t s, const CV<V>* x, CV<V>* y) {
  const int p = st.p, h = (p - 1) / 2;
  const int64_t m = st.m, xs = s * m;
  const float *gc = st.gcos.data(), *gs = st.gsin.data();
  std::unique_ptr<CV<V>[]> tmp(new CV<V>[p]);
  CV<V>* b = tmp.get();  // b[r] = a_r + a_{p-r} (r <= h), b[p-r] = a_r - a_{p-r}
  for (int64_t j = 0; j < m; j++) {
    const float* w = st.tw.data() + 2 * (p - 1) * j;
    for (int64_t q = 0; q < s; q++) {
      const CV<V>* xq = x + q + s * j;
      CV<V> a0 = xq[0], o0 = a0;
      for (int r = 1; r <= h; r++) {
        CV<V> u = xq[r * xs], v = xq[(p - r) * xs];
        b[r] = u + v;
        b[p - r] = u - v;
        o0 = o0 + b[r];
      }
      CV<V>* yq = y + q + s * p * j;
      yq[0] = o0;
      for (int k = 1; k <= h; k++) {
        CV<V> c = a0, t{V{}, V{}};
        int idx = 0;
        for (int r = 1; r <= h; r++) {
          idx += k;
          if (idx >= p) idx -= p;
          float cs = gc[idx], sn = gs[idx];
          c.re += b[r].re * cs;
          c.im += b[r].im * cs;
          t.re += b[p - r].re * sn;
          t.im += b[p - r].im * sn;
        }
        CV<V> rt = rot<fwd>(t);
        CV<V> ok = c + rt, opk = c - rt;
        if (j) {
          ok = twiddle<fwd>(ok, w[2 * (k - 1)], w[2 * (k - 1) + 1]);
          opk = twiddle<fwd>(opk, w[2 * (p - k - 1)], w[2 * (p - k - 1) + 1]);
        }
        yq[k * s] = ok;
        yq[(p - k) * s] = opk;
      }
    }
  }
}

template <class V, bool fwd> CV<V>* exec(const CPlan& P, CV<V>* a, CV<V>* b, CV<V>* c);

// Chirp-z: X_k = c_k * sum_t (x_t c_t) conj(c_{k-t}), a cyclic convolution of length m.
// The inverse direction conjugates input and output around the forward transform.
template <class V, bool fwd>
CV<V>* bluestein(const CPlan& P, CV<V>* a, CV<V>* b, CV<V>* c) {
  const int64_t n = P.n, m = P.m;
  const float *ch = P.chirp.data(), *bs = P.bspec.data();
  for (int64_t k = 0; k < n; k++) {
    CV<V> v = a[k];
    if constexpr (!fwd) v.im = V{} - v.im;
    b[k] = twiddle<true>(v, ch[2 * k], ch[2 * k + 1]);
  }
  for (int64_t k = n; k < m; k++) b[k] = CV<V>{V{}, V{}};
  CV<V>* r = exec<V, true>(*P.inner, b, c, a);
  for (int64_t k = 0; k < m; k++) r[k] = twiddle<true>(r[k], bs[2 * k], bs[2 * k + 1]);
  CV<V>* r2 = exec<V, false>(*P.inner, r, r == b ? c : b, a);
  for (int64_t k = 0; k < n; k++) {
    CV<V> v = twiddle<true>(r2[k], ch[2 * k], ch[2 * k + 1]);
    if constexpr (!fwd) v.im = V{} - v.im;
    a[k] = v;
  }
  return a;
}

// Unnormalised transform of a[0, n); returns the buffer holding the result (a, b or c).
// Every buffer holds P.buf_len elements.
template <class V, bool fwd>
CV<V>* exec(const CPlan& P, CV<V>* a, CV<V>* b, CV<V>* c) {
  if (P.bluestein) return bluestein<V, fwd>(P, a, b, c);
  CV<V>*src = a, *dst = b;
  int64_t s = 1;
  for (const Stage& st : P.stages) {
    const float* tw = st.tw.data();
    switch (st.p) {
      case 2: pass2<V, fwd>(st.m, s, src, dst, tw); break;
      case 3: pass3<V, fwd>(st.m, s, src, dst, tw); break;
      case 4: pass4<V, fwd>(st.m, s, src, dst, tw); break;
      case 5: pass5<V, fwd>(st.m, s, src, dst, tw); break;
      default: passg<V, fwd>(st, s, src, dst); break;
    }
    std::swap(src, dst);
    s *= st.p;
  }
  return src;
}

// ---- lines: gather W lines into lanes, transform, scatter ----

template <int W> struct Lanes {
  int cnt;
  int64_t in[W], out[W];
};

// In-register transpose of W vectors of W floats: log2(W) rounds of perfect-shuffle interleaves.
template <int Bytes> struct IntVec;
template <> struct IntVec<16> { typedef int type __attribute__((vector_size(16))); };
template <> struct IntVec<32> { typedef int type __attribute__((vector_size(32))); };
template <> struct IntVec<64> { typedef int type __attribute__((vector_size(64))); };

template <class V, int W> inline void transpose(V* r) {
  typedef typename IntVec<sizeof(V)>::type VI;
  VI lo, hi;
  for (int i = 0; i < W / 2; i++) lo[2 * i] = i, lo[2 * i + 1] = W + i, hi[2 * i] = W / 2 + i, hi[2 * i + 1] = W + W / 2 + i;
  V t[W];
  for (int round = 1; round < W; round *= 2) {
    for (int i = 0; i < W / 2; i++) {
      t[2 * i] = __builtin_shuffle(r[i], r[i + W / 2], lo);
      t[2 * i + 1] = __builtin_shuffle(r[i], r[i + W / 2], hi);
    }
    for (int i = 0; i < W; i++) r[i] = t[i];
  }
}

// Lines side by side in memory (line l starts `l` elements after line 0): each position of
// all W lines is one contiguous vector (complex: two, deinterleaved).
template <int W> inline bool adjacent(const int64_t* off, int cnt, int64_t step) {
  if (cnt != W || W == 1) return false;
  for (int l = 1; l < W; l++)
    if (off[l] != off[0] + l * step) return false;
  return true;
}
template <class V, int W> inline void deinterleave(const float* src, V& re, V& im) {
  typedef typename IntVec<sizeof(V)>::type VI;
  VI ev, od;
  for (int i = 0; i < W; i++) ev[i] = 2 * i, od[i] = 2 * i + 1;
  V a, b;
  std::memcpy(&a, src, sizeof(V));
  std::memcpy(&b, src + W, sizeof(V));
  re = __builtin_shuffle(a, b, ev);
  im = __builtin_shuffle(a, b, od);
}
template <class V, int W> inline void interleave(float* dst, V re, V im) {
  typedef typename IntVec<sizeof(V)>::type VI;
  VI lo, hi;
  for (int i = 0; i < W / 2; i++) lo[2 * i] = i, lo[2 * i + 1] = W + i, hi[2 * i] = W / 2 + i, hi[2 * i + 1] = W + W / 2 + i;
  V a = __builtin_shuffle(re, im, lo), b = __builtin_shuffle(re, im, hi);
  std::memcpy(dst, &a, sizeof(V));
  std::memcpy(dst + W, &b, sizeof(V));
}

// Unit-stride lines as float streams: whole groups move W x W blocks through a transpose;
// `pairs` streams alternate re/im (complex data, or the even/odd samples of a real line),
// otherwise the stream fills the real parts only. Returns the first float not moved.
template <class V, int W, bool pairs>
int64_t gather_block(const float* base, const int64_t* off, int64_t nf, CV<V>* buf) {
  if constexpr (W == 1) return 0;
  else {
    V r[W];
    int64_t f = 0;
    for (; f + W <= nf; f += W) {
      for (int l = 0; l < W; l++) std::memcpy(&r[l], base + off[l] + f, sizeof(V));
      transpose<V, W>(r);
      if constexpr (pairs)
        for (int k = 0; k < W; k += 2) buf[(f + k) / 2].re = r[k], buf[(f + k) / 2].im = r[k + 1];
      else
        for (int k = 0; k < W; k++) buf[f + k].re = r[k];
    }
    return f;
  }
}

template <class V, int W, bool pairs>
int64_t scatter_block(float* base, const int64_t* off, int64_t nf, const CV<V>* buf, float sc) {
  if constexpr (W == 1) return 0;
  else {
    V r[W];
    int64_t f = 0;
    for (; f + W <= nf; f += W) {
      if constexpr (pairs)
        for (int k = 0; k < W; k += 2) r[k] = buf[(f + k) / 2].re * sc, r[k + 1] = buf[(f + k) / 2].im * sc;
      else
        for (int k = 0; k < W; k++) r[k] = buf[f + k].re * sc;
      transpose<V, W>(r);
      for (int l = 0; l < W; l++) std::memcpy(base + off[l] + f, &r[l], sizeof(V));
    }
    return f;
  }
}

// Moves `nf` floats of each lane's line (stride st) into buf: pairs -> (re, im), else re only.
template <class V, int W, bool pairs>
void gather_f(const float* in, const int64_t* off, int cnt, int64_t st, int64_t nf, CV<V>* buf) {
  int64_t f0 = 0;
  if constexpr (W > 1) {
    if (st != 1 && adjacent<W>(off, cnt, 1)) {
      for (int64_t f = 0; f < nf; f++) {
        V v;
        std::memcpy(&v, in + off[0] + f * st, sizeof(V));
        if constexpr (pairs) (f % 2 ? buf[f / 2].im : buf[f / 2].re) = v;
        else buf[f].re = v;
      }
      return;
    }
  }
  if (st == 1 && cnt == W) f0 = gather_block<V, W, pairs>(in, off, nf, buf);
  for (int l = 0; l < cnt; l++) {
    const float* src = in + off[l];
    for (int64_t f = f0; f < nf; f++) {
      float v = src[f * st];
      if constexpr (pairs) set_lane(f % 2 ? buf[f / 2].im : buf[f / 2].re, l, v);
      else set_lane(buf[f].re, l, v);
    }
  }
}

template <class V, int W, bool pairs>
void scatter_f(float* out, const int64_t* off, int cnt, int64_t st, int64_t nf, const CV<V>* buf, float sc) {
  int64_t f0 = 0;
  if constexpr (W > 1) {
    if (st != 1 && adjacent<W>(off, cnt, 1)) {
      for (int64_t f = 0; f < nf; f++) {
        V v = (pairs ? (f % 2 ? buf[f / 2].im : buf[f / 2].re) : buf[f].re) * sc;
        std::memcpy(out + off[0] + f * st, &v, sizeof(V));
      }
      return;
    }
  }
  if (st == 1 && cnt == W) f0 = scatter_block<V, W, pairs>(out, off, nf, buf, sc);
  for (int l = 0; l < cnt; l++) {
    float* dst = out + off[l];
    for (int64_t f = f0; f < nf; f++) {
      if constexpr (pairs) dst[f * st] = get_lane(f % 2 ? buf[f / 2].im : buf[f / 2].re, l) * sc;
      else dst[f * st] = get_lane(buf[f].re, l) * sc;
    }
  }
}

// Complex lines: offsets and strides in complex elements become float ones.
template <class V, int W>
void gather_c(const LinePass& p, const Lanes<W>& L, int64_t len, CV<V>* buf) {
  int64_t off[W];
  for (int l = 0; l < L.cnt; l++) off[l] = 2 * L.in[l];
  if (p.in_st == 1) {
    gather_f<V, W, true>(static_cast<const float*>(p.in), off, L.cnt, 1, 2 * len, buf);
    return;
  }
  const float* in = static_cast<const float*>(p.in);
  const int64_t st = 2 * p.in_st;
  if constexpr (W > 1) {
    if (adjacent<W>(off, L.cnt, 2)) {
      for (int64_t t = 0; t < len; t++) deinterleave<V, W>(in + off[0] + t * st, buf[t].re, buf[t].im);
      return;
    }
  }
  for (int l = 0; l < L.cnt; l++) {
    const float* src = in + off[l];
    for (int64_t t = 0; t < len; t++) {
      set_lane(buf[t].re, l, src[t * st]);
      set_lane(buf[t].im, l, src[t * st + 1]);
    }
  }
}

template <class V, int W>
void scatter_c(const LinePass& p, const Lanes<W>& L, int64_t len, const CV<V>* buf) {
  int64_t off[W];
  for (int l = 0; l < L.cnt; l++) off[l] = 2 * L.out[l];
  if (p.out_st == 1) {
    scatter_f<V, W, true>(static_cast<float*>(p.out), off, L.cnt, 1, 2 * len, buf, p.scale);
    return;
  }
  float* out = static_cast<float*>(p.out);
  const int64_t st = 2 * p.out_st;
  const float sc = p.scale;
  if constexpr (W > 1) {
    if (adjacent<W>(off, L.cnt, 2)) {
      for (int64_t t = 0; t < len; t++) interleave<V, W>(out + off[0] + t * st, buf[t].re * sc, buf[t].im * sc);
      return;
    }
  }
  for (int l = 0; l < L.cnt; l++) {
    float* dst = out + off[l];
    for (int64_t t = 0; t < len; t++) {
      dst[t * st] = get_lane(buf[t].re, l) * sc;
      dst[t * st + 1] = get_lane(buf[t].im, l) * sc;
    }
  }
}

template <class V, bool fwd, int W>
void c2c_group(const LinePass& p, const Lanes<W>& L, CV<V>* a, CV<V>* b, CV<V>* c) {
  gather_c<V, W>(p, L, p.n, a);
  CV<V>* r = exec<V, fwd>(*p.cplan, a, b, c);
  scatter_c<V, W>(p, L, p.n, r);
}

template <class V, int W>
void r2c_group(const LinePass& p, const Lanes<W>& L, CV<V>* a, CV<V>* b, CV<V>* c) {
  const float* in = static_cast<const float*>(p.in);
  const int64_t n = p.n, st = p.in_st;
  if (n % 2) {  // odd: complex transform of (x, 0)
    gather_f<V, W, false>(in, L.in, L.cnt, st, n, a);
    for (int64_t t = 0; t < n; t++) a[t].im = V{};
    scatter_c<V, W>(p, L, n / 2 + 1, exec<V, true>(*p.cplan, a, b, c));
    return;
  }
  // even: z_t = x_2t + i x_2t+1, Z = FFT_M(z), X_k = E_k + w^k O_k
  const int64_t M = n / 2;
  gather_f<V, W, true>(in, L.in, L.cnt, st, n, a);
  CV<V>* z = exec<V, true>(*p.rplan->c, a, b, c);
  CV<V>* x = z == a ? b : a;
  const float* w = p.rplan->rtw.data();
  x[0] = CV<V>{z[0].re + z[0].im, V{}};
  x[M] = CV<V>{z[0].re - z[0].im, V{}};
  for (int64_t k = 1; k < M; k++) {
    CV<V> zk = z[k], zc{z[M - k].re, V{} - z[M - k].im};
    CV<V> e{(zk.re + zc.re) * 0.5f, (zk.im + zc.im) * 0.5f};
    CV<V> d{(zk.re - zc.re) * 0.5f, (zk.im - zc.im) * 0.5f};
    x[k] = e + twiddle<true>(rot<true>(d), w[2 * k], w[2 * k + 1]);
  }
  scatter_c<V, W>(p, L, M + 1, x);
}

template <class V, int W>
void c2r_group(const LinePass& p, const Lanes<W>& L, CV<V>* a, CV<V>* b, CV<V>* c) {
  float* out = static_cast<float*>(p.out);
  const int64_t n = p.n, st = p.out_st, h = n / 2;
  const float sc = p.scale;
  gather_c<V, W>(p, L, h + 1, a);
  a[0].im = V{};
  if (n % 2) {  // odd: Hermitian extension, complex inverse, real part
    for (int64_t k = 1; k <= h; k++) a[n - k] = CV<V>{a[k].re, V{} - a[k].im};
    scatter_f<V, W, false>(out, L.out, L.cnt, st, n, exec<V, false>(*p.cplan, a, b, c), sc);
    return;
  }
  // even: Z_k = (X_k + conj X_{M-k}) + i conj(w^k) (X_k - conj X_{M-k}); z = IFFT_M(Z)
  const int64_t M = h;
  a[M].im = V{};
  const float* w = p.rplan->rtw.data();
  for (int64_t k = 0; k < M; k++) {
    CV<V> xk = a[k], xc{a[M - k].re, V{} - a[M - k].im};
    CV<V> s = xk + xc, d = twiddle<false>(xk - xc, w[2 * k], w[2 * k + 1]);
    b[k] = CV<V>{s.re - d.im, s.im + d.re};
  }
  scatter_f<V, W, true>(out, L.out, L.cnt, st, n, exec<V, false>(*p.rplan->c, b, c, a), sc);
}

inline void line_offsets(const LinePass& p, int64_t b, int64_t& io, int64_t& oo) {
  io = oo = 0;
  for (int d = (int)p.outer.size() - 1; d >= 0; d--) {
    int64_t i = b % p.outer[d];
    b /= p.outer[d];
    io += i * p.outer_in[d];
    oo += i * p.outer_out[d];
  }
}

// Lines [b0, b1) in groups of W.
template <class V, int W>
void run_lines(const LinePass& p, int64_t b0, int64_t b1) {
  const CPlan* cp = p.cplan ? p.cplan : p.rplan->c.get();
  int64_t len = std::max<int64_t>(cp->buf_len, p.n + 2);
  std::unique_ptr<CV<V>[]> mem(new CV<V>[3 * len]());
  CV<V>*a = mem.get(), *b = a + len, *c = b + len;
  Lanes<W> L;
  for (int64_t g = b0; g < b1; g += W) {
    L.cnt = (int)std::min<int64_t>(W, b1 - g);
    for (int l = 0; l < L.cnt; l++) line_offsets(p, g + l, L.in[l], L.out[l]);
    switch (p.kind) {
      case Kind::c2c:
        if (p.inverse) c2c_group<V, false, W>(p, L, a, b, c);
        else c2c_group<V, true, W>(p, L, a, b, c);
        break;
      case Kind::r2c: r2c_group<V, W>(p, L, a, b, c); break;
      case Kind::c2r: c2r_group<V, W>(p, L, a, b, c); break;
    }
  }
}

}  // namespace
}  // namespace mlx::cpu::fft
