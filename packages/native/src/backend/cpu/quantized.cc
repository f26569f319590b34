// CPU kernels for affine quantization: Quantize, Dequantize, QuantizedMatmul, GatherQMM, GatherMM.
// Packed rows are a little-endian bit stream (element k at bits [k*bits, (k+1)*bits)), which is exactly
// MLX's layout for every bit width: 8 elements always occupy `bits` whole bytes.
// Matmul paths: few rows of x with transposed weights -> qmv kernels on the packed weights (SIMD for 4/8 bits,
// portable otherwise); everything else -> dequantize a tile of W to f32 and run the packed GEMM on it.
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../../engine/backend.h"
#include "../../engine/half.h"
#include "../../engine/threadpool.h"
#include "../../primitives/quantized.h"
#include "copy.h"
#include "cpu_features.h"
#include "gemm/gemm.h"
#include "quantized_mm.h"
#include "simd/qdeq.h"
#include "simd/qmv.h"

namespace mlx::cpu {

namespace {

// ---- element access -------------------------------------------------------------------------------------

inline float load_f(const void* p, Dtype dt, int64_t i) {
  switch (dt) {
    case Dtype::float16: return (float)static_cast<const float16_t*>(p)[i];
    case Dtype::bfloat16: return (float)static_cast<const bfloat16_t*>(p)[i];
    default: return static_cast<const float*>(p)[i];
  }
}

// Values of a float array (f32/f16/bf16, n elements from p) as f32 in dst.
void to_f32(const void* p, Dtype dt, int64_t n, float* dst) {
  if (dt == Dtype::float32) {
    std::memcpy(dst, p, n * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < n; i++) dst[i] = load_f(p, dt, i);
}

void from_f32(const float* src, int64_t n, void* p, Dtype dt) {
  switch (dt) {
    case Dtype::float16: {
      auto o = static_cast<float16_t*>(p);
      for (int64_t i = 0; i < n; i++) o[i] = float16_t(src[i]);
      break;
    }
    case Dtype::bfloat16: {
      auto o = static_cast<bfloat16_t*>(p);
      for (int64_t i = 0; i < n; i++) o[i] = bfloat16_t(src[i]);
      break;
    }
    default: std::memcpy(p, src, n * sizeof(float));
  }
}

// Unpacks n (multiple of 8) elements of a packed row.
inline void unpack_row(const uint8_t* w, int bits, int64_t n, uint8_t* q) {
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  for (int64_t i = 0; i < n; i += 8, w += bits) {
    uint64_t v = 0;
    std::memcpy(&v, w, bits);
    for (int j = 0; j < 8; j++) q[i + j] = uint8_t((v >> (j * bits)) & mask);
  }
}

// Is the trailing matrix of `a` row-contiguous (its batch dims may be anything, broadcast included)?
bool last2_contiguous(const Array& a) {
  int nd = a.ndim();
  return a.strides()[nd - 1] == 1 && (a.shape(nd - 2) == 1 || a.strides()[nd - 2] == a.shape(nd - 1));
}

// Element offset of batch item `i` (flat over all but the last two dims).
int64_t batch_loc(const Array& a, int64_t i) {
  int64_t off = 0;
  for (int d = a.ndim() - 3; d >= 0 && i > 0; d--) {
    int64_t n = a.shape(d);
    off += (i % n) * a.strides()[d];
    i /= n;
  }
  return off;
}

// ---- Quantize -------------------------------------------------------------------------------------------

// MLX's affine rule: scale from the group range, adjusted so that the edge value with the larger magnitude
// is represented exactly (it becomes the bias); float arithmetic, scales/biases rounded to w's dtype last.
template <typename T>
void quantize_groups(const T* w, uint8_t* out, T* scales, T* biases, int bits, int gs, int64_t g0, int64_t g1) {
  const float n_bins = float((1 << bits) - 1);
  const float eps = 1e-7f;
  const int64_t gbytes = (int64_t)gs * bits / 8;
  for (int64_t i = g0; i < g1; i++) {
    const T* wg = w + i * gs;
    float w_min = std::numeric_limits<float>::infinity(), w_max = -w_min;
    for (int j = 0; j < gs; j++) {
      float v = (float)wg[j];
      w_max = std::max(w_max, v);
      w_min = std::min(w_min, v);
    }
    float scale, bias = 0;
    if (bits == 1) {
      // MLX's 1-bit rule: plain range and minimum.
      scale = std::max(w_max - w_min, eps);
      bias = w_min;
    } else {
      bool mask = std::abs(w_min) > std::abs(w_max);
      scale = std::max((w_max - w_min) / n_bins, eps);
      scale = mask ? scale : -scale;
      float edge = mask ? w_min : w_max;
      float q0 = std::rint(edge / scale);
      if (q0 != 0) {
        scale = edge / q0;
        bias = edge;
      }
    }
    uint8_t* o = out + i * gbytes;
    for (int j = 0; j < gs; j += 8, o += bits) {
      uint64_t packed = 0;
      for (int k = 0; k < 8; k++) {
        float v = std::rint(((float)wg[j + k] - bias) / scale);
        v = std::min(std::max(v, 0.0f), n_bins);
        packed |= uint64_t(v) << (k * bits);
      }
      std::memcpy(o, &packed, bits);
    }
    scales[i] = T(scale);
    biases[i] = T(bias);
  }
}

void quantize_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& prim = static_cast<const Quantize&>(p);
  Array w = contiguous(in[0]);
  for (auto& o : out) o.allocate();
  const int gs = prim.group_size(), bits = prim.bits();
  const int64_t groups = w.size() / gs;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    parallel_for(groups, std::max<int64_t>(1, 16384 / gs), [&](int64_t g0, int64_t g1) {
      quantize_groups<T>(w.data<T>(), out[0].data<uint8_t>(), out[1].data<T>(), out[2].data<T>(), bits, gs, g0, g1);
    });
  };
  switch (w.dtype()) {
    case Dtype::float16: run(float16_t{}); break;
    case Dtype::bfloat16: run(bfloat16_t{}); break;
    default: run(float{}); break;
  }
}

template <typename C> constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<C, float16_t>) return Dtype::float16;
  else if constexpr (std::is_same_v<C, bfloat16_t>) return Dtype::bfloat16;
  else return Dtype::float32;
}

// ---- Dequantize -----------------------------------------------------------------------------------------

// out = scale * q + bias, as MLX: the product rounded to the scales' dtype C, the sum to the promoted type of
// scales and biases (C when they match, else float32), then converted to the output dtype T.
template <typename C, typename T>
void dequantize_rows(const uint8_t* w, const C* sc, const void* bi, Dtype bdt, int gs, int bits, int64_t K,
                     int64_t r0, int64_t r1, T* out) {
  const int64_t G = K / gs, rb = K * bits / 8;
  const bool same = bdt == dtype_of<C>();
  uint8_t q[128];
  for (int64_t r = r0; r < r1; r++) {
    for (int64_t g = 0; g < G; g++) {
      unpack_row(w + r * rb + g * gs * bits / 8, bits, gs, q);
      const float s = float(sc[r * G + g]), b = load_f(bi, bdt, r * G + g);
      T* o = out + r * K + g * gs;
      for (int j = 0; j < gs; j++) {
        float prod = float(C(s * float(C(float(q[j])))));
        float sum = prod + b;
        o[j] = T(same ? float(C(sum)) : sum);
      }
    }
  }
}

void dequantize_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& prim = static_cast<const Dequantize&>(p);
  Array w = contiguous(in[0]), sc = contiguous(in[1]), bi = contiguous(in[2]);
  Array& o = out[0];
  o.allocate();
  const int64_t K = o.shape(-1), rows = K ? o.size() / K : 0;
  auto run = [&](auto ctag, auto ttag) {
    using C = decltype(ctag);
    using T = decltype(ttag);
    parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(K, 1)), [&](int64_t r0, int64_t r1) {
      dequantize_rows<C, T>(w.data<uint8_t>(), sc.data<C>(), bi.raw_data(), bi.dtype(), prim.group_size(),
                            prim.bits(), K, r0, r1, o.data<T>());
    });
  };
  auto by_out = [&](auto ctag) {
    switch (o.dtype()) {
      case Dtype::float16: run(ctag, float16_t{}); break;
      case Dtype::bfloat16: run(ctag, bfloat16_t{}); break;
      default: run(ctag, float{}); break;
    }
  };
  switch (sc.dtype()) {
    case Dtype::float16: by_out(float16_t{}); break;
    case Dtype::bfloat16: by_out(bfloat16_t{}); break;
    default: by_out(float{}); break;
  }
}

// ---- quantized matmul -----------------------------------------------------------------------------------

// Portable qmv rows for any bit width: unpack a group, dot it with each x row.
void rows_generic(const qmv::Args& a, int64_t n0, int64_t n1, int64_t m0, int mb) {
  const int64_t G = a.K / a.gs;
  uint8_t q[128];
  float qf[128];
  for (int64_t n = n0; n < n1; n++) {
    const uint8_t* wr = a.w + n * a.ldw;
    float tot[4] = {0, 0, 0, 0};
    for (int64_t g = 0; g < G; g++) {
      unpack_row(wr + g * a.gs * a.bits / 8, a.bits, a.gs, q);
      for (int j = 0; j < a.gs; j++) qf[j] = (float)q[j];
      const float s = load_f(a.scales, a.sdt, n * a.lds + g), b = load_f(a.biases, a.sdt, n * a.lds + g);
      for (int r = 0; r < mb; r++) {
        const float* x = a.x + (m0 + r) * a.ldx + g * a.gs;
        float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // 8 partial sums so the compiler can vectorize
        for (int j = 0; j < a.gs; j += 8)
          for (int l = 0; l < 8; l++) p[l] += qf[j + l] * x[j + l];
        float d = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        tot[r] += s * d + b * a.xsum[(m0 + r) * a.ldxs + g];
      }
    }
    for (int r = 0; r < mb; r++) a.y[(m0 + r) * a.ldy + n] = tot[r];
  }
}

qmv::RowsFn pick_rows(int bits, int gs, qmv::PrepFn* prep) {
  *prep = nullptr;
#if defined(MLX_X86)
  Isa isa = best_isa();
  qmv::RowsFn f = nullptr;
  // AVX-512: the nibble-permute kernel for 4 bits in groups of 32/64/128, the shuffle/widen kernel for the
  // other widths (5/6 bits: GGUF Q5_0/Q6_K without widening to 8) and groups of 16.
  if (isa == Isa::avx512 && !(bits == 4 && (gs == 32 || gs == 64 || gs == 128)))
    if ((f = qmv::rows_bits_avx512(bits, gs))) return f;
  // The SIMD kernels walk groups in 32-element chunks; the AVX2 one also takes 16-element groups (GGUF Q6_K),
  // also on AVX-512 machines.
  if (gs == 16 && (bits == 4 || bits == 8) && (isa == Isa::avx2 || isa == Isa::avx512)) return qmv::rows_avx2(bits);
  if (gs % 32 != 0) return rows_generic;
  if (isa == Isa::avx512) f = qmv::rows_avx512(bits, gs, prep);
  else if (isa == Isa::avx2) f = qmv::rows_avx2(bits);
  if (f) return f;
#endif
  return rows_generic;
}

// Rows of x at most this many go through qmv; more rows dequantize panels for the GEMM kernels.
// MLX_QMV_MAX_ROWS overrides it; MLX_QMM_PANEL=0 restores the older whole-tile path (benchmark baseline).
int64_t env_int(const char* name, int64_t dflt) {
  const char* e = std::getenv(name);
  return e ? std::atoll(e) : dflt;
}
const int64_t kQmvMaxRows = env_int("MLX_QMV_MAX_ROWS", 8);
// MLX_QMV_PREFETCH_NEXT=0: qmv without the cross-tile prefetch (benchmark baseline).
const bool kQmvPrefetchNext = env_int("MLX_QMV_PREFETCH_NEXT", 1) != 0;
const bool kQmmPanels = env_int("MLX_QMM_PANEL", 1) != 0;
// Rows of x up to this many (above kQmvMaxRows) take the row-invariant kernels of quantized_mm.cc: each row's
// result is bit-identical to the same row computed alone. Above it, dequantized panels + GEMM (fastest for long
// prompts, but the sums round differently). MLX_QMM_INVARIANT_MAX_ROWS overrides it.
const int64_t kInvariantMaxRows = env_int("MLX_QMM_INVARIANT_MAX_ROWS", 64);

struct QParams {
  int gs, bits;
  bool transpose;
  Dtype sdt;  // scales and biases share it (the op casts them to one dtype)
};

qmv::DeqFn pick_deq() {
#if defined(MLX_X86)
  switch (best_isa()) {
    case Isa::avx512: return qmv::deq_avx512();
    case Isa::avx2: return qmv::deq_avx2();
    default: break;
  }
#endif
  return qmv::deq_panel;
}

// Transposed weights, more rows than qmv takes: threads take panels of weight rows, decode each panel once
// to f32 in their cache and multiply it with all M rows of x (small-M kernels up to 32 rows, the packed
// GEMM beyond), so the dequantized matrix never exists as a whole and each weight is decoded once.
void qmm_panels(const QParams& qp, const float* x, int64_t M, int64_t K, int64_t N, const uint8_t* w,
                const void* sc, const void* bi, float* y, bool threads) {
  const int64_t G = K / qp.gs;
  const qmv::DeqArgs da{w, K * qp.bits / 8, K, qp.gs, qp.bits, sc, bi, G, qp.sdt};
  const qmv::DeqFn deq = pick_deq();
  int nt = threads && M * N * K >= (int64_t(1) << 20) ? num_threads() : 1;
  int64_t np;
  if (M <= 32) {
    np = 16;  // 16 rows of W (<= 256 KiB for K <= 4096) stay in L2 while every x row passes
  } else {
    const int64_t cap = std::max<int64_t>(16, ((int64_t(1) << 18) / K) / 16 * 16);  // <= 1 MiB of f32
    const int64_t share = ((N + 4 * nt - 1) / (4 * nt) + 15) / 16 * 16;                 // ~4 panels a thread
    np = std::max<int64_t>(16, std::min(cap, share));
  }
  const int64_t tasks = (N + np - 1) / np;
  nt = (int)std::min<int64_t>(nt, tasks);
  std::atomic<int64_t> next{0};
  auto body = [&](int, int) {
    std::vector<float> panel((size_t)(np * K));
    for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
      const int64_t n0 = t * np, n1 = std::min(N, n0 + np);
      deq(da, n0, n1, panel.data());
      gemm(Dtype::float32, M, n1 - n0, K, 1.0f, x, K, 1, panel.data(), 1, K, 0.0f, y + n0, N, false);
    }
  };
  if (nt <= 1) body(0, 1);
  else parallel_run(nt, body);
}


// One product: x (M x K, f32 row-major) with one quantized matrix; y (M x N, f32, row stride N).
// w/sc/bi point at the quantized matrix: transpose ? [N, K] : [K, N] (packed along the last dim).
void qmm_one(const QParams& qp, const float* x, int64_t M, int64_t K, int64_t N, const uint8_t* w, const void* sc,
             const void* bi, float* y, bool threads) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    std::fill(y, y + M * N, 0.0f);
    return;
  }
  const int gs = qp.gs, bits = qp.bits;
  const int ssz = dtype_size(qp.sdt);
  if (qp.transpose && M <= kQmvMaxRows) {
    const int64_t G = K / gs;
    std::vector<float> xsum(M * G);
    for (int64_t m = 0; m < M; m++)
      for (int64_t g = 0; g < G; g++) {
        float s = 0;
        for (int j = 0; j < gs; j++) s += x[m * K + g * gs + j];
        xsum[m * G + g] = s;
      }
    qmv::Args a{x, K, xsum.data(), G, K, gs, bits, w, K * bits / 8, sc, bi, G, qp.sdt, y, N};
    qmv::PrepFn prep;
    qmv::RowsFn fn = pick_rows(bits, gs, &prep);
    std::vector<float> xp;
    if (prep) {
      a.ldxp = qmv::xp_len(K);
      xp.resize(M * a.ldxp);
      for (int64_t m = 0; m < M; m++) prep(x + m * K, K, xp.data() + m * a.ldxp);
      a.xp = xp.data();
    }
    auto range = [&](int64_t n0, int64_t n1) {
      // One x row (decode): a single call, so the kernel's prefetch runs ahead across the whole range.
      if (M == 1 && kQmvPrefetchNext) return fn(a, n0, n1, 0, 1);
      // Tiles of weight rows stay in cache while every block of x rows passes over them.
      for (int64_t t = n0; t < n1; t += 32) {
        int64_t t1 = std::min(n1, t + 32);
        for (int64_t m = 0; m < M; m += 4) fn(a, t, t1, m, (int)std::min<int64_t>(4, M - m));
      }
    };
    // The kernels prefetch a few rows ahead within the rows they are given, so the first rows of each tile a
    // thread takes would start cold (tiles come from a shared counter, not in address order): a thread claims
    // its next tile one ahead and prefetches that tile's first rows (weights, scales, biases) while it works.
    const int64_t ldw = K * bits / 8, ldsb = G * ssz;
    auto prefetch_rows = [&](int64_t n0, int64_t n1) {
      const char* wp = reinterpret_cast<const char*>(w) + n0 * ldw;
      for (int64_t o = 0, e = (n1 - n0) * ldw; o < e; o += 64) __builtin_prefetch(wp + o, 0, 3);
      const char* sp = static_cast<const char*>(sc) + n0 * ldsb;
      const char* bp = static_cast<const char*>(bi) + n0 * ldsb;
      for (int64_t o = 0, e = (n1 - n0) * ldsb; o < e; o += 64) __builtin_prefetch(sp + o, 0, 3), __builtin_prefetch(bp + o, 0, 3);
    };
    // Each thread takes at least kQmvGrain weights (default 2^17, ~10 us of 4-bit work): the pool's workers
    // spin between the kernels of a decode step, so a second thread costs about a microsecond and the small
    // LLM shapes (576x576) gain from it. On shared, loaded cores a larger grain (MLX_QMV_GRAIN=1048576)
    // keeps small products on one thread.
    static const int64_t kQmvGrain = std::max<int64_t>(1024, env_int("MLX_QMV_GRAIN", int64_t(1) << 17));
    const int64_t grain = std::max<int64_t>(4, kQmvGrain / K);
    const int nt = threads && N >= 2 * grain ? (int)std::min<int64_t>(num_threads(), N / grain) : 1;
    if (nt <= 1) {
      range(0, N);
      return;
    }
    // Threads take 32-row tiles from a shared counter rather than fixed halves, so a thread that starts
    // late (the cores are shared) takes fewer tiles instead of delaying the result.
    std::atomic<int64_t> next{0};
    if (!kQmvPrefetchNext || M > 1) {
      parallel_run(nt, [&](int, int) {
        for (int64_t t; (t = next.fetch_add(32, std::memory_order_relaxed)) < N;) range(t, std::min(N, t + 32));
      });
      return;
    }
    // Tiles of about a quarter of a thread's share (multiples of 32 rows): long enough runs for the kernels'
    // prefetch, enough tiles for a late thread to take fewer.
    static const int64_t kTilesPerThread = std::max<int64_t>(1, env_int("MLX_QMV_TILES_PER_THREAD", 4));
    const int64_t tile = std::max<int64_t>(32, (N + nt * kTilesPerThread - 1) / (nt * kTilesPerThread) + 31) / 32 * 32;
    parallel_run(nt, [&](int, int) {
      int64_t t = next.fetch_add(tile, std::memory_order_relaxed);
      while (t < N) {
        const int64_t u = next.fetch_add(tile, std::memory_order_relaxed);
        if (u < N) prefetch_rows(u, std::min(N, u + 16));
        range(t, std::min(N, t + tile));
        t = u;
      }
    });
    return;
  }
  if (qp.transpose && M <= kInvariantMaxRows) {
    qmv::PrepFn prep;
    qmv::RowsFn fn = pick_rows(bits, gs, &prep);
    qmm_invariant(x, M, K, N, w, sc, bi, qp.sdt, gs, bits, y, threads, fn, prep);
    return;
  }
  if (qp.transpose && kQmmPanels && qp.gs % 8 == 0 && qp.gs <= 256) {
    qmm_panels(qp, x, M, K, N, w, sc, bi, y, threads);
    return;
  }
  // Tiled dequantization + GEMM. Tiles are rows of the stored matrix (length L = its last dim).
  const int64_t rows_total = qp.transpose ? N : K, L = qp.transpose ? K : N, G = L / gs;
  const int64_t tile = std::max<int64_t>(16, ((int64_t(1) << 17) / L + 15) / 16 * 16);
  std::vector<float> buf((size_t)std::min(tile, rows_total) * L);
  const int64_t rb = L * bits / 8;
  for (int64_t r0 = 0; r0 < rows_total; r0 += tile) {
    const int64_t r1 = std::min(rows_total, r0 + tile), nr = r1 - r0;
    auto deq = [&](int64_t a0, int64_t a1) {
      uint8_t q[128];
      for (int64_t r = a0; r < a1; r++)
        for (int64_t g = 0; g < G; g++) {
          unpack_row(w + (r0 + r) * rb + g * gs * bits / 8, bits, gs, q);
          const int64_t si = (r0 + r) * G + g;
          const float s = load_f(sc, qp.sdt, si), b = load_f(bi, qp.sdt, si);
          float* o = buf.data() + r * L + g * gs;
          for (int j = 0; j < gs; j++) o[j] = s * (float)q[j] + b;
        }
    };
    if (threads) parallel_for(nr, std::max<int64_t>(1, 8192 / L), deq);
    else deq(0, nr);
    if (qp.transpose) {
      // y[:, r0:r1] = x @ tile^T
      gemm(Dtype::float32, M, nr, K, 1.0f, x, K, 1, buf.data(), 1, L, 0.0f, y + r0, N, threads);
    } else {
      // y += x[:, r0:r1] @ tile
      gemm(Dtype::float32, M, N, nr, 1.0f, x + r0, K, 1, buf.data(), L, 1, r0 == 0 ? 0.0f : 1.0f, y, N, threads);
    }
  }
  (void)ssz;
}

// A batch of products: item i multiplies x rows at xoff[i] with the quantized matrix at woff[i] / soff[i]
// (element offsets) into out item i.
void qmm_batch(const QParams& qp, const Array& x, const Array& w, const Array& sc, const Array& bi, Array& out,
               int64_t M, int64_t K, int64_t N, const std::vector<int64_t>& xoff, const std::vector<int64_t>& woff,
               const std::vector<int64_t>& soff) {
  out.allocate();
  const int64_t B = (int64_t)xoff.size();
  const bool f32x = x.dtype() == Dtype::float32, f32o = out.dtype() == Dtype::float32;
  const int ssz = dtype_size(qp.sdt);
  auto item = [&](int64_t i, bool threads, std::vector<float>& xb, std::vector<float>& yb) {
    const float* xp;
    if (f32x) {
      xp = x.data<float>() + xoff[i];
    } else {
      xb.resize(M * K);
      to_f32(static_cast<const char*>(x.raw_data()) + xoff[i] * x.itemsize(), x.dtype(), M * K, xb.data());
      xp = xb.data();
    }
    float* yp;
    if (f32o) {
      yp = out.data<float>() + i * M * N;
    } else {
      yb.resize(M * N);
      yp = yb.data();
    }
    qmm_one(qp, xp, M, K, N, w.data<uint8_t>() + woff[i] * 4, static_cast<const char*>(sc.raw_data()) + soff[i] * ssz,
            static_cast<const char*>(bi.raw_data()) + soff[i] * ssz, yp, threads);
    if (!f32o) from_f32(yp, M * N, static_cast<char*>(out.raw_data()) + i * M * N * out.itemsize(), out.dtype());
  };
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  if (B > 1 && work < (int64_t(1) << 18)) {
    // Many small products (MoE decode): one thread per item.
    parallel_for(B, std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(work, 1)), [&](int64_t b0, int64_t b1) {
      std::vector<float> xb, yb;
      for (int64_t i = b0; i < b1; i++) item(i, false, xb, yb);
    });
  } else {
    std::vector<float> xb, yb;
    for (int64_t i = 0; i < B; i++) item(i, true, xb, yb);
  }
}

Array trailing_contiguous(const Array& a) { return last2_contiguous(a) ? a : contiguous(a); }

void quantized_matmul_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& prim = static_cast<const QuantizedMatmul&>(p);
  QParams qp{prim.group_size(), prim.bits(), prim.transpose(), in[2].dtype()};
  Array w = trailing_contiguous(in[1]), sc = trailing_contiguous(in[2]), bi = trailing_contiguous(in[3]);
  const int64_t K = in[0].shape(-1), N = out[0].shape(-1);
  if (in[1].ndim() == 2) {
    Array x = contiguous(in[0]);
    const int64_t M = K ? x.size() / K : out[0].size() / std::max<int64_t>(N, 1);
    qmm_batch(qp, x, w, sc, bi, out[0], M, K, N, {0}, {0}, {0});
    return;
  }
  Array x = trailing_contiguous(in[0]);
  const int64_t M = x.shape(-2);
  const int64_t B = (M * N) != 0 ? out[0].size() / (M * N) : 0;
  std::vector<int64_t> xo(B), wo(B), so(B);
  for (int64_t i = 0; i < B; i++) xo[i] = batch_loc(x, i), wo[i] = batch_loc(w, i), so[i] = batch_loc(sc, i);
  if (B == 0) {
    out[0].allocate();
    return;
  }
  // sc and bi are both either copies or views with identical strides: same offsets.
  if (sc.strides() != bi.strides()) sc = contiguous(sc), bi = contiguous(bi);
  for (int64_t i = 0; i < B; i++) so[i] = batch_loc(sc, i);
  qmm_batch(qp, x, w, sc, bi, out[0], M, K, N, xo, wo, so);
}

// Flat indices (uint32, any layout) checked against the number of batch items.
std::vector<int64_t> read_indices(const Array& idx, int64_t limit, const char* op) {
  Array c = contiguous(idx);
  std::vector<int64_t> v(c.size());
  const uint32_t* p = c.data<uint32_t>();
  for (int64_t i = 0; i < c.size(); i++) {
    if ((int64_t)p[i] >= limit)
      throw_error(ErrorCode::index, std::string("[") + op + "] Index " + std::to_string(p[i]) +
                                        " is out of bounds for a batch of " + std::to_string(limit) + " matrices.");
    v[i] = p[i];
  }
  return v;
}

int64_t batch_count(const Array& a) {
  int64_t n = 1;
  for (int d = 0; d < a.ndim() - 2; d++) n *= a.shape(d);
  return n;
}

void gather_qmm_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& prim = static_cast<const GatherQMM&>(p);
  QParams qp{prim.group_size(), prim.bits(), prim.transpose(), in[2].dtype()};
  Array x = trailing_contiguous(in[0]), w = trailing_contiguous(in[1]);
  Array sc = trailing_contiguous(in[2]), bi = trailing_contiguous(in[3]);
  if (sc.strides() != bi.strides()) sc = contiguous(sc), bi = contiguous(bi);
  auto li = read_indices(in[4], batch_count(x), "gather_qmm");
  auto ri = read_indices(in[5], batch_count(w), "gather_qmm");
  const int64_t B = (int64_t)li.size();
  std::vector<int64_t> xo(B), wo(B), so(B);
  for (int64_t i = 0; i < B; i++) xo[i] = batch_loc(x, li[i]), wo[i] = batch_loc(w, ri[i]), so[i] = batch_loc(sc, ri[i]);
  qmm_batch(qp, x, w, sc, bi, out[0], x.shape(-2), x.shape(-1), out[0].shape(-1), xo, wo, so);
}

void gather_mm_kernel(const Primitive&, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array &a = in[0], &b = in[1];
  Array& o = out[0];
  o.allocate();
  auto li = read_indices(in[2], batch_count(a), "gather_mm");
  auto ri = read_indices(in[3], batch_count(b), "gather_mm");
  const int64_t M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  if (o.size() == 0) return;
  const int na = a.ndim(), nb = b.ndim(), isz = o.itemsize();
  const char* pa = static_cast<const char*>(a.raw_data());
  const char* pb = static_cast<const char*>(b.raw_data());
  char* pc = static_cast<char*>(o.raw_data());
  const int64_t B = (int64_t)li.size();
  auto one = [&](int64_t i, bool threads) {
    gemm(o.dtype(), M, N, K, 1.0f, K ? pa + batch_loc(a, li[i]) * isz : nullptr, a.strides()[na - 2],
         a.strides()[na - 1], K ? pb + batch_loc(b, ri[i]) * isz : nullptr, b.strides()[nb - 2], b.strides()[nb - 1],
         0.0f, pc + i * M * N * isz, N, threads);
  };
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  if (B > 1 && work < kGemmParallelWork) {
    parallel_for(B, std::max<int64_t>(1, kGemmParallelWork / 8 / work), [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; i++) one(i, false);
    });
  } else {
    for (int64_t i = 0; i < B; i++) one(i, true);
  }
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Quantize, quantize_kernel);
MLX_REGISTER_KERNEL(cpu, Dequantize, dequantize_kernel);
MLX_REGISTER_KERNEL(cpu, QuantizedMatmul, quantized_matmul_kernel);
MLX_REGISTER_KERNEL(cpu, GatherQMM, gather_qmm_kernel);
MLX_REGISTER_KERNEL(cpu, GatherMM, gather_mm_kernel);

}  // namespace mlx::cpu
