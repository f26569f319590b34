// GEMM driver: BLIS loop nest (jc over NC, pc over KC packing B, ic over MC packing A, jr/ir over the
// register tile), a 2-D partition of C over the thread pool, and a GEMV path for M == 1 or N == 1.
#include "gemm.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../../../engine/errors.h"
#include "../../../engine/threadpool.h"
#include "../cpu_features.h"

namespace mlx::cpu {

using namespace gemm_detail;

namespace {

const GemmKernel& pick_kernel() {
  static const GemmKernel* k = [] {
#if defined(MLX_X86)
    switch (best_isa()) {
      case Isa::avx512: return &kernel_avx512();
      case Isa::avx2: return &kernel_avx2();
      default: break;
    }
#endif
    return &kernel_generic();
  }();
  return *k;
}

// Kernel of the packed path. MLX_GEMM_TILE=12x32 (read per call, so a benchmark can switch it between calls)
// selects the previous AVX-512 tile.
const GemmKernel& packed_kernel() {
  const GemmKernel& G = pick_kernel();
#if defined(MLX_X86)
  if (G.nr == 64) {
    const char* e = std::getenv("MLX_GEMM_TILE");
    if (e && std::strcmp(e, "12x32") == 0) return kernel_avx512_12x32();
  }
#endif
  return G;
}

// Per-thread packing buffers, 64-byte aligned, kept between calls (pool threads are long-lived).
struct Scratch {
  float* p = nullptr;
  size_t n = 0;
  ~Scratch() { std::free(p); }
  float* get(size_t need) {
    if (need > n) {
      std::free(p);
      p = static_cast<float*>(std::aligned_alloc(64, (need * sizeof(float) + 63) / 64 * 64));
      if (!p) throw_error(ErrorCode::out_of_memory, "[matmul] Out of memory for packing buffers.");
      n = need;
    }
    return p;
  }
};
thread_local Scratch tl_a, tl_b;

template <typename T> inline float ld(const T& v) { return static_cast<float>(v); }

// Widens n contiguous elements to f32 (SIMD F16C / shifts in the ISA files for half types).
template <typename T> inline void cvt_row(const GemmKernel& G, const T* src, float* dst, int64_t n) {
  if constexpr (std::is_same_v<T, float>) std::memcpy(dst, src, sizeof(float) * n);
  else if constexpr (std::is_same_v<T, float16_t>) G.f16_to_f32(reinterpret_cast<const uint16_t*>(src), dst, n);
  else G.bf16_to_f32(reinterpret_cast<const uint16_t*>(src), dst, n);
}

// A block (mc x kc) -> panels of mr rows: dst[p*mr*kc + k*mr + i], zero padded.
template <typename T>
void pack_a(const GemmKernel& G, const T* A, int64_t rs, int64_t cs, int64_t mc, int64_t kc, int mr, float* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    int m = (int)std::min<int64_t>(mr, mc - i0);
    float* d = dst + i0 * kc;
    const T* a = A + i0 * rs;
    if (cs == 1) {  // rows contiguous: a transpose
      int i = 0;
#if defined(__SSE2__)
      if constexpr (std::is_same_v<T, float>) {
        // 4 rows x 4 k per step through an in-register 4x4 transpose.
        for (; i + 4 <= m; i += 4) {
          const float *r0 = a + i * rs, *r1 = r0 + rs, *r2 = r1 + rs, *r3 = r2 + rs;
          int64_t k = 0;
          for (; k + 4 <= kc; k += 4) {
            __m128 x0 = _mm_loadu_ps(r0 + k), x1 = _mm_loadu_ps(r1 + k), x2 = _mm_loadu_ps(r2 + k),
                   x3 = _mm_loadu_ps(r3 + k);
            _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
            _mm_storeu_ps(d + k * mr + i, x0);
            _mm_storeu_ps(d + (k + 1) * mr + i, x1);
            _mm_storeu_ps(d + (k + 2) * mr + i, x2);
            _mm_storeu_ps(d + (k + 3) * mr + i, x3);
          }
          for (; k < kc; k++) {
            float* dk = d + k * mr + i;
            dk[0] = r0[k], dk[1] = r1[k], dk[2] = r2[k], dk[3] = r3[k];
          }
        }
        // Two rows left (the 6-row AVX-512 tile): interleave pairs, 2 floats per k.
        if (i + 2 == m) {
          const float *r0 = a + i * rs, *r1 = r0 + rs;
          int64_t k = 0;
          for (; k + 4 <= kc; k += 4) {
            __m128 x0 = _mm_loadu_ps(r0 + k), x1 = _mm_loadu_ps(r1 + k);
            __m128 lo = _mm_unpacklo_ps(x0, x1), hi = _mm_unpackhi_ps(x0, x1);
            _mm_storel_pi((__m64*)(d + k * mr + i), lo);
            _mm_storeh_pi((__m64*)(d + (k + 1) * mr + i), lo);
            _mm_storel_pi((__m64*)(d + (k + 2) * mr + i), hi);
            _mm_storeh_pi((__m64*)(d + (k + 3) * mr + i), hi);
          }
          for (; k < kc; k++) d[k * mr + i] = r0[k], d[k * mr + i + 1] = r1[k];
          i += 2;
        }
      }
#endif
      if constexpr (!std::is_same_v<T, float>) {
        float tmp[1024];  // kc <= GemmKernel::kc
        for (; i < m; i++) {
          cvt_row(G, a + i * rs, tmp, kc);
          for (int64_t k = 0; k < kc; k++) d[k * mr + i] = tmp[k];
        }
      }
      for (; i < m; i++) {
        const T* row = a + i * rs;
        for (int64_t k = 0; k < kc; k++) d[k * mr + i] = ld(row[k]);
      }
    } else {
      for (int64_t k = 0; k < kc; k++) {
        const T* col = a + k * cs;
        float* dk = d + k * mr;
        if (rs == 1)
          for (int i = 0; i < m; i++) dk[i] = ld(col[i]);
        else
          for (int i = 0; i < m; i++) dk[i] = ld(col[i * rs]);
      }
    }
    if (m < mr)
      for (int64_t k = 0; k < kc; k++)
        for (int i = m; i < mr; i++) d[k * mr + i] = 0.0f;
  }
}

// B block (kc x nc) -> panels of nr columns: dst[q*nr*kc + k*nr + j], zero padded.
template <typename T, int NR>
void pack_b_fixed(const GemmKernel& G, const T* B, int64_t rs, int64_t cs, int64_t kc, int64_t nc, int nr_rt, float* dst) {
  constexpr int nr = NR;
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    int n = (int)std::min<int64_t>(nr, nc - j0);
    float* d = dst + j0 * kc;
    const T* b = B + j0 * cs;
    if (cs == 1) {
      for (int64_t k = 0; k < kc; k++) {
        const T* row = b + k * rs;
        float* dk = d + k * nr;
        if constexpr (std::is_same_v<T, float>) {
          if (n == nr) { std::memcpy(dk, row, sizeof(float) * nr); continue; }  // fixed size: inlined
          for (int j = 0; j < n; j++) dk[j] = row[j];
        } else {
          cvt_row(G, row, dk, n);
        }
        for (int j = n; j < nr; j++) dk[j] = 0.0f;
      }
    } else {
      for (int j = 0; j < n; j++) {
        const T* col = b + j * cs;
        for (int64_t k = 0; k < kc; k++) d[k * nr + j] = ld(col[k * rs]);
      }
      if (n < nr)
        for (int64_t k = 0; k < kc; k++)
          for (int j = n; j < nr; j++) d[k * nr + j] = 0.0f;
    }
  }
}

template <typename T>
void pack_b(const GemmKernel& G, const T* B, int64_t rs, int64_t cs, int64_t kc, int64_t nc, int nr, float* dst) {
  // Columns of B contiguous (x @ W.T with W row-major): the panels are pack_a's layout of Bᵀ, whose rows are
  // contiguous, so its in-register transposes apply. Element by element this copy was ~1/5 of pack_b's time in a
  // SigLIP encode (patch embedding, connector); the Idefics3 connector's 64 x 12288 x 576 product went 16.1 -> 8.8 ms.
  if (rs == 1 && cs != 1) return pack_a(G, B, cs, rs, nc, kc, nr, dst);
  switch (nr) {
    case 64: return pack_b_fixed<T, 64>(G, B, rs, cs, kc, nc, nr, dst);
    case 32: return pack_b_fixed<T, 32>(G, B, rs, cs, kc, nc, nr, dst);
    case 16: return pack_b_fixed<T, 16>(G, B, rs, cs, kc, nc, nr, dst);
    case 8: return pack_b_fixed<T, 8>(G, B, rs, cs, kc, nc, nr, dst);
    default: throw_error(ErrorCode::internal, "[gemm] Unsupported register tile width.");
  }
}

// Splits `total` into `parts` nearly equal steps that are multiples of `unit` (except the last).
inline int64_t balanced_block(int64_t total, int64_t max_block, int64_t unit) {
  int64_t parts = (total + max_block - 1) / max_block;
  int64_t b = (total + parts - 1) / parts;
  return std::min(max_block, (b + unit - 1) / unit * unit);
}

// Register-tile loops over one packed mc x kc block of A and kc x nc block of B (C += / = the product).
// `bias` (null, or the row vector at this block's first column) is added to every row after the tile's store.
void macro_kernel(const GemmKernel& G, int64_t mc, int64_t nc, int64_t kc, const float* pa, const float* pb,
                  float* C, int64_t ldc, float alpha, float beta, const float* bias = nullptr) {
  const int mr = G.mr, nr = G.nr;
  alignas(64) float tmp[32 * 32];
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int n = (int)std::min<int64_t>(nr, nc - jr);
    const float* bp = pb + jr * kc;
    for (int64_t ir = 0; ir < mc; ir += mr) {
      const int m = (int)std::min<int64_t>(mr, mc - ir);
      float* c = C + ir * ldc + jr;
      if (m == mr && n == nr) {
        G.tile(kc, pa + ir * kc, bp, c, ldc, alpha, beta);
        if (bias)  // the tile was just written: it is in L1
          for (int i = 0; i < mr; i++)
            for (int j = 0; j < nr; j++) c[i * ldc + j] += bias[jr + j];
      } else {  // edge tile: full tile into scratch, then the valid part
        G.tile(kc, pa + ir * kc, bp, tmp, nr, 1.0f, 0.0f);
        for (int i = 0; i < m; i++)
          for (int j = 0; j < n; j++) {
            float v = alpha * tmp[i * nr + j];
            v = beta == 0.0f ? v : v + beta * c[i * ldc + j];
            c[i * ldc + j] = bias ? v + bias[jr + j] : v;
          }
      }
    }
  }
}

// Sequential BLIS loop nest over one M x N block of C (f32).
template <typename T>
void gemm_serial(const GemmKernel& G, int64_t M, int64_t N, int64_t K, float alpha, const T* A, int64_t a_rs,
                 int64_t a_cs, const T* B, int64_t b_rs, int64_t b_cs, float beta, float* C, int64_t ldc,
                 const float* bias = nullptr) {
  const int mr = G.mr, nr = G.nr;
  const int64_t kcb = balanced_block(K, G.kc, 8);
  const int64_t mcb = balanced_block(M, G.mc, mr);
  const int64_t ncb = balanced_block(N, G.nc, nr);
  float* pa = tl_a.get((size_t)((mcb + mr - 1) / mr * mr * kcb));
  float* pb = tl_b.get((size_t)((ncb + nr - 1) / nr * nr * kcb));
  for (int64_t jc = 0; jc < N; jc += ncb) {
    const int64_t nc = std::min(ncb, N - jc);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = std::min(kcb, K - pc);
      pack_b(G, B + pc * b_rs + jc * b_cs, b_rs, b_cs, kc, nc, nr, pb);
      for (int64_t ic = 0; ic < M; ic += mcb) {
        const int64_t mc = std::min(mcb, M - ic);
        pack_a(G, A + ic * a_rs + pc * a_cs, a_rs, a_cs, mc, kc, mr, pa);
        macro_kernel(G, mc, nc, kc, pa, pb, C + ic * ldc + jc, ldc, alpha, pc == 0 ? beta : 1.0f,
                     pc == 0 && bias ? bias + jc : nullptr);
      }
    }
  }
}

// Parallel loop nest for tall C: B blocks are packed once and shared; threads take row chunks of A from an
// atomic counter, so a thread that starts late (busy machine) just takes fewer chunks.
template <typename T>
void gemm_rows_dynamic(const GemmKernel& G, int nt, int64_t M, int64_t N, int64_t K, float alpha, const T* A,
                       int64_t a_rs, int64_t a_cs, const T* B, int64_t b_rs, int64_t b_cs, float beta, float* C,
                       int64_t ldc, const float* bias = nullptr) {
  const int mr = G.mr, nr = G.nr;
  const int64_t kcb = balanced_block(K, G.kc, 8);
  const int64_t ncb = balanced_block(N, G.nc, nr);
  // About four chunks per thread, each at most one L2-sized A block.
  const int64_t per = (M + 4 * nt - 1) / (4 * nt);
  const int64_t chunk = std::min<int64_t>(G.mc, std::max<int64_t>(mr, (per + mr - 1) / mr * mr));
  const int64_t nchunks = (M + chunk - 1) / chunk;
  float* pb = tl_b.get((size_t)((ncb + nr - 1) / nr * nr * kcb));
  for (int64_t jc = 0; jc < N; jc += ncb) {
    const int64_t nc = std::min(ncb, N - jc);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = std::min(kcb, K - pc);
      const float bk = pc == 0 ? beta : 1.0f;
      // Phase 1: threads pack groups of B panels; a thread only waits for groups another running thread took.
      const int64_t cols = 4 * nr, ngroups = (nc + cols - 1) / cols;
      std::atomic<int64_t> next{0}, next_b{0}, done_b{0};
      parallel_run(nt, [&](int, int) {
        for (int64_t g; (g = next_b.fetch_add(1, std::memory_order_relaxed)) < ngroups;) {
          const int64_t j0 = g * cols;
          pack_b(G, B + pc * b_rs + (jc + j0) * b_cs, b_rs, b_cs, kc, std::min(cols, nc - j0), nr, pb + j0 * kc);
          done_b.fetch_add(1, std::memory_order_release);
        }
        while (done_b.load(std::memory_order_acquire) < ngroups) std::this_thread::yield();
        // Phase 2: row chunks of A against the shared packed B.
        float* pa = tl_a.get((size_t)(chunk * kc));
        for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < nchunks;) {
          const int64_t i0 = c * chunk, mc = std::min(chunk, M - i0);
          pack_a(G, A + i0 * a_rs + pc * a_cs, a_rs, a_cs, mc, kc, mr, pa);
          macro_kernel(G, mc, nc, kc, pa, pb, C + i0 * ldc + jc, ldc, alpha, bk, pc == 0 && bias ? bias + jc : nullptr);
        }
      });
    }
  }
}

void scale_rows(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; i++) {
    float* c = C + i * ldc;
    if (beta == 0.0f) std::fill(c, c + N, 0.0f);
    else for (int64_t j = 0; j < N; j++) c[j] *= beta;
  }
}

// f32 GEMM over the pool: C is split into a tm x tn grid of tile-aligned blocks, one per thread. Each thread
// packs its own panels, so there are no barriers (the redundant packing is O(MK + KN), small next to MNK).
template <typename T>
void gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const T* A, int64_t a_rs, int64_t a_cs, const T* B,
              int64_t b_rs, int64_t b_cs, float beta, float* C, int64_t ldc, bool threads,
              const float* bias = nullptr) {
  const GemmKernel& G = packed_kernel();
  if (K == 0) { scale_rows(M, N, beta, C, ldc); return; }
  int nt = threads && M * N * K >= kGemmParallelWork ? num_threads() : 1;
  const int64_t mt = (M + G.mr - 1) / G.mr, ntl = (N + G.nr - 1) / G.nr;  // tiles per dim
  nt = (int)std::min<int64_t>(nt, mt * ntl);
  if (nt <= 1) { gemm_serial(G, M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, beta, C, ldc, bias); return; }
  // Enough rows to balance dynamically: chunks of >= 96 rows. Smaller chunks re-read every B panel from L3 for a few
  // row tiles each; below that the static grid (each thread all rows x its columns) was 5-20 % faster here
  // (M = 64..512 with the 6-row tile) and equal at M = 1024.
  constexpr int64_t kMinChunkRows = 96;
  if (mt >= 4 * nt && M >= 4 * nt * kMinChunkRows) {
    gemm_rows_dynamic(G, nt, M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, beta, C, ldc, bias);
    return;
  }
  // Grid with the least per-thread packing (perimeter) among those that give every thread work.
  int tm = 1, tn = nt;
  double best = 1e300;
  for (int a = 1; a <= nt; a++) {
    if (nt % a || a > mt || nt / a > ntl) continue;
    double cost = (double)M / a + (double)N / (nt / a);
    if (cost < best) best = cost, tm = a, tn = nt / a;
  }
  parallel_run(tm * tn, [&](int t, int) {
    int64_t bi = t / tn, bj = t % tn;
    int64_t m0 = mt * bi / tm * G.mr, m1 = std::min(M, mt * (bi + 1) / tm * G.mr);
    int64_t n0 = ntl * bj / tn * G.nr, n1 = std::min(N, ntl * (bj + 1) / tn * G.nr);
    if (m0 >= m1 || n0 >= n1) return;
    gemm_serial(G, m1 - m0, n1 - n0, K, alpha, A + m0 * a_rs, a_rs, a_cs, B + n0 * b_cs, b_rs, b_cs, beta,
                C + m0 * ldc + n0, ldc, bias ? bias + n0 : nullptr);
  });
}

// y[i] = alpha * sum_k W[i*rs + k*cs] * x[k] + beta * y[i] for i < n (f32, x and y contiguous).
// Bandwidth bound: rows of W contiguous -> one dot per output; columns contiguous -> axpy sweeps.
bool gemv(int64_t n, int64_t K, float alpha, const float* W, int64_t rs, int64_t cs, const float* x, float beta,
          float* y, bool threads) {
  if (cs != 1 && rs != 1) return false;
  const GemmKernel& G = pick_kernel();
  const bool par = threads && n * K >= (int64_t(1) << 16);
  if (cs == 1) {
    auto fn = [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) {
        float v = alpha * G.dot(W + i * rs, x, K);
        y[i] = beta == 0.0f ? v : v + beta * y[i];
      }
    };
    if (par) parallel_for(n, std::max<int64_t>(1, 8192 / std::max<int64_t>(K, 1)), fn);
    else fn(0, n);
    return true;
  }
  // rs == 1: columns of W (over i) are contiguous.
  auto fn = [&](int64_t b, int64_t e) {
    constexpr int64_t IB = 4096;  // keep the y block in L1/L2 while sweeping k
    for (int64_t i0 = b; i0 < e; i0 += IB) {
      int64_t len = std::min(IB, e - i0);
      scale_rows(1, len, beta, y + i0, len);
      for (int64_t k = 0; k < K; k++) G.axpy(alpha * x[k], W + k * cs + i0, y + i0, len);
    }
  };
  if (par) {
    int nt = (int)std::min<int64_t>(num_threads(), (n + 63) / 64);
    parallel_run(nt, [&](int t, int T) {
      int64_t b = (n * t / T) / 16 * 16, e = t + 1 == T ? n : (n * (t + 1) / T) / 16 * 16;
      if (b < e) fn(b, e);
    });
  } else {
    fn(0, n);
  }
  return true;
}

// Rows of A up to which a product streams B once through the small-M kernels instead of packing it.
// MLX_GEMM_SMALL_M overrides it (0 turns the path off: the before/after benchmark uses that).
const int64_t kSmallM = [] {
  const char* e = std::getenv("MLX_GEMM_SMALL_M");
  return e ? std::atoll(e) : int64_t(32);
}();

template <typename T> constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float16_t>) return Dtype::float16;
  else if constexpr (std::is_same_v<T, bfloat16_t>) return Dtype::bfloat16;
  else return Dtype::float32;
}

// Few rows of A against B read in place (either B layout with one unit stride), widened in registers; the
// pool splits N. Returns false when B has no unit stride (the caller packs instead).
template <typename T>
bool gemm_small(int64_t M, int64_t N, int64_t K, float alpha, const T* A, int64_t a_rs, int64_t a_cs, const T* B,
                int64_t b_rs, int64_t b_cs, float beta, float* C, int64_t ldc, bool threads) {
  const bool nt = b_rs == 1, nn = !nt && b_cs == 1;
  if (!(nt || nn) || K <= 0 || M > kSmallM) return false;
  const GemmKernel& G = pick_kernel();
  std::vector<float> abuf;
  const float* Af;
  int64_t lda;
  if (std::is_same_v<T, float> && a_cs == 1) {
    Af = reinterpret_cast<const float*>(A), lda = a_rs;
  } else {
    abuf.resize((size_t)(M * K));
    for (int64_t m = 0; m < M; m++) {
      if (a_cs == 1) cvt_row(G, A + m * a_rs, abuf.data() + m * K, K);
      else for (int64_t k = 0; k < K; k++) abuf[m * K + k] = ld(A[m * a_rs + k * a_cs]);
    }
    Af = abuf.data(), lda = K;
  }
  const SmallArgs sa{Af, lda, (int)M, K, B, nt ? b_cs : b_rs, C, ldc, alpha, beta};
  const SmallFn fn = G.small(nt, dtype_of<T>());
  const int64_t chunk = 256;  // B rows (nt) or columns (nn) per task, a multiple of every tile width
  const int64_t tasks = (N + chunk - 1) / chunk;
  const int nt_pool = threads && N * K * (int64_t)sizeof(T) >= (int64_t(1) << 18)
                          ? (int)std::min<int64_t>(num_threads(), tasks) : 1;
  if (nt_pool <= 1) { fn(sa, 0, N); return true; }
  // Tasks come from a shared counter: a thread that starts late on a busy machine just takes fewer.
  std::atomic<int64_t> next{0};
  parallel_run(nt_pool, [&](int, int) {
    for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;)
      fn(sa, t * chunk, std::min(N, (t + 1) * chunk));
  });
  return true;
}

// Small-M dispatch for either orientation: few rows of A, or (N == 1 with contiguous C) few columns of B,
// computed as C^T = B^T A^T.
template <typename T>
bool gemm_small_any(int64_t M, int64_t N, int64_t K, float alpha, const T* A, int64_t a_rs, int64_t a_cs,
                    const T* B, int64_t b_rs, int64_t b_cs, float beta, float* C, int64_t ldc, bool threads) {
  if (M <= kSmallM && gemm_small(M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, beta, C, ldc, threads)) return true;
  if (kSmallM > 0 && N == 1 && (ldc == 1 || M == 1))
    return gemm_small<T>(1, M, K, alpha, B, b_cs, b_rs, A, a_cs, a_rs, beta, C, M, threads);
  return false;
}

template <typename T>
void gemm_half(int64_t M, int64_t N, int64_t K, float alpha, const T* A, int64_t a_rs, int64_t a_cs, const T* B,
               int64_t b_rs, int64_t b_cs, float beta, T* C, int64_t ldc, bool threads) {
  // Accumulate in an f32 copy of C, then round once.
  std::vector<float> acc((size_t)(M * N));
  if (beta != 0.0f)
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) acc[i * N + j] = static_cast<float>(C[i * ldc + j]);
  if (!gemm_small_any<T>(M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, beta, acc.data(), N, threads))
    gemm_f32<T>(M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, beta, acc.data(), N, threads);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) C[i * ldc + j] = T(acc[i * N + j]);
}

template <typename T>
void gemm_wide(int64_t M, int64_t N, int64_t K, float alpha, const T* A, int64_t a_rs, int64_t a_cs, const T* B,
               int64_t b_rs, int64_t b_cs, float beta, T* C, int64_t ldc, bool threads) {
  auto run = [&](int64_t b, int64_t e) {
    gemm_simple<T>(e - b, N, K, T(alpha), A + b * a_rs, a_rs, a_cs, B, b_rs, b_cs, T(beta), C + b * ldc, ldc);
  };
  if (threads && M * N * K >= kGemmParallelWork / 4)
    parallel_for(M, std::max<int64_t>(1, 16384 / std::max<int64_t>(N * K, 1)), run);
  else
    run(0, M);
}

}  // namespace

void gemm_bias_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t a_rs, int64_t a_cs,
                   const float* B, int64_t b_rs, int64_t b_cs, const float* bias, float* C, int64_t ldc, bool threads) {
  if (M <= 0 || N <= 0) return;
  if (K > 0 && M > kSmallM && N > 1) {
    gemm_f32<float>(M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, 0.0f, C, ldc, threads, bias);
    return;
  }
  // Few rows (small-M / GEMV paths) or K == 0: rows start as the bias, the product is accumulated onto them.
  for (int64_t i = 0; i < M; i++) std::memcpy(C + i * ldc, bias, sizeof(float) * N);
  gemm(Dtype::float32, M, N, K, alpha, A, a_rs, a_cs, B, b_rs, b_cs, 1.0f, C, ldc, threads);
}

void gemm(Dtype dt, int64_t M, int64_t N, int64_t K, float alpha, const void* A, int64_t a_rs, int64_t a_cs,
          const void* B, int64_t b_rs, int64_t b_cs, float beta, void* C, int64_t ldc, bool threads) {
  if (M <= 0 || N <= 0) return;
  switch (dt) {
    case Dtype::float32: {
      auto a = static_cast<const float*>(A);
      auto b = static_cast<const float*>(B);
      auto c = static_cast<float*>(C);
      if (K > 0 && N == 1 && (ldc == 1 || M == 1)) {
        std::vector<float> xs;
        const float* x = b;
        if (b_rs != 1) { xs.resize(K); for (int64_t k = 0; k < K; k++) xs[k] = b[k * b_rs]; x = xs.data(); }
        if (gemv(M, K, alpha, a, a_rs, a_cs, x, beta, c, threads)) return;
      } else if (K > 0 && M == 1 && kSmallM > 0 && b_rs == 1) {
        // Rows of B^T contiguous: the small-M kernel (prefetching, 4 rows per pass) streams B fastest.
        gemm_small<float>(M, N, K, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, ldc, threads);
        return;
      } else if (K > 0 && M == 1) {
        std::vector<float> xs;
        const float* x = a;
        if (a_cs != 1) { xs.resize(K); for (int64_t k = 0; k < K; k++) xs[k] = a[k * a_cs]; x = xs.data(); }
        if (gemv(N, K, alpha, b, b_cs, b_rs, x, beta, c, threads)) return;
      }
      if (gemm_small_any<float>(M, N, K, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, ldc, threads)) return;
      gemm_f32<float>(M, N, K, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, ldc, threads);
      return;
    }
    case Dtype::float16:
      gemm_half(M, N, K, alpha, static_cast<const float16_t*>(A), a_rs, a_cs, static_cast<const float16_t*>(B),
                b_rs, b_cs, beta, static_cast<float16_t*>(C), ldc, threads);
      return;
    case Dtype::bfloat16:
      gemm_half(M, N, K, alpha, static_cast<const bfloat16_t*>(A), a_rs, a_cs, static_cast<const bfloat16_t*>(B),
                b_rs, b_cs, beta, static_cast<bfloat16_t*>(C), ldc, threads);
      return;
    case Dtype::float64:
      gemm_wide(M, N, K, alpha, static_cast<const double*>(A), a_rs, a_cs, static_cast<const double*>(B), b_rs,
                b_cs, beta, static_cast<double*>(C), ldc, threads);
      return;
    case Dtype::complex64:
      gemm_wide(M, N, K, alpha, static_cast<const complex64_t*>(A), a_rs, a_cs,
                static_cast<const complex64_t*>(B), b_rs, b_cs, beta, static_cast<complex64_t*>(C), ldc, threads);
      return;
    default:
      throw_error(ErrorCode::dtype, std::string("[matmul] Unsupported dtype ") + dtype_name(dt) + ".");
  }
}

}  // namespace mlx::cpu
