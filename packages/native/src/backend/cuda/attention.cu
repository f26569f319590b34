// mx.fast.scaledDotProductAttention on the GPU.
// - f16/bf16, head dim 64 or 128: a flash-attention kernel on the tensor cores (mma.sync m16n8k16,
//   f32 accumulation). A block owns 64 queries of one head (4 warps x 16 rows); K/V tiles of 64 keys
//   stream through shared memory (cp.async, double buffered, XOR-swizzled rows read with ldmatrix);
//   online softmax in registers; P goes from the score accumulators straight into A fragments.
//   Causal blocks stop at their last visible key tile. GQA maps query head h to kv head h / rep.
// - One query row (decode): keys split across blocks (flash-decoding), partials merged by a second kernel.
// - Anything else (float32 prefill, other head dims): one block per query row, scores in shared memory.
// Masked scores are the lowest float, as MLX's where(mask, s, finfo.min): a row that sees no key gets
// the mean of V (uniform weights), like the CPU kernel.
#include <cfloat>
#include <cstdlib>
#include <cstring>

#include "../../primitives/fast.h"
#include "common.cuh"
#include "warp_quad.cuh"
#if MLX_CUDNN_SDPA
#include "attention_cudnn.h"
#endif

namespace mlx::cu {

namespace {

using Mk = ScaledDotProductAttention::Mask;
constexpr float kLog2e = 1.4426950408889634f;
__host__ __device__ __forceinline__ int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

struct AttnArgs {
  const void *q, *k, *v, *mask_ptr, *sinks;
  void* out;
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv;
  int64_t qs[3], ks[3], vs[3];  // element strides over (batch, head, position); the last dim is unit
  int64_t ms[4];                // mask strides over (B, Hq, Lq, Lk), 0 where broadcast
  float scale, scale_log2;
  int mask;  // 0 none, 1 causal, 2 bool, 3 additive
  int rep;   // Hq / Hkv
};

// ---------------------------------------------------------------- PTX helpers
__device__ __forceinline__ uint32_t smem_addr(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }
__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool valid) {
  int n = valid ? 16 : 0;  // 0: zero-fill (rows past the end)
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(n));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }
__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
__device__ __forceinline__ void ldsm_x4_t(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
template <typename T> __device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}
template <typename T> __device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  } else {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
}

// ---------------------------------------------------------------- flash kernel (f16/bf16)
constexpr int kBc = 64;

// Element offset of (row, 16-byte chunk) in a [64][D] tile: chunks XOR-swizzled by row so that the
// 8 rows one ldmatrix reads fall in different banks.
template <int D> __device__ __forceinline__ int swz(int row, int chunk) { return row * D + ((chunk ^ (row & 7)) << 3); }

template <typename T, int D, int ROWS, int THREADS>
__device__ __forceinline__ void load_tile(T* dst, const T* src, int64_t row_stride, int nvalid) {
  constexpr int CPR = D / 8;
#pragma unroll
  for (int i = threadIdx.x; i < ROWS * CPR; i += THREADS) {
    int r = i / CPR, c = i % CPR;
    bool ok = r < nvalid;
    cp_async16(smem_addr(dst + swz<D>(r, c)), ok ? src + r * row_stride + c * 8 : src, ok);
  }
}

// Each warp owns RM 16-row m-tiles (the K and V fragments it reads from shared memory serve all RM);
// Q fragments are re-read from shared memory for every key tile. MINB: blocks per SM the registers are
// sized for (launch_flash picks it).
template <typename T, int D, int MK, typename MT, int WARPS, int MINB, int RM>
__global__ void __launch_bounds__(WARPS * 32, MINB) flash_kernel(AttnArgs A) {
  constexpr int kBr = 16 * WARPS * RM, kThreads = 32 * WARPS;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* sQ = reinterpret_cast<T*>(smem_raw);
  T* sK = sQ + kBr * D;       // 2 stages
  T* sV = sK + 2 * kBc * D;   // 2 stages
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  // Causal: the heaviest query blocks (last ones) are scheduled first.
  const int64_t qb = MK == 1 ? (int64_t)gridDim.x - 1 - blockIdx.x : blockIdx.x;
  const int64_t bh = blockIdx.y, b = bh / A.Hq, h = bh % A.Hq, hk = h / A.rep;
  const int64_t q0 = qb * kBr;
  const T* qp = static_cast<const T*>(A.q) + b * A.qs[0] + h * A.qs[1] + q0 * A.qs[2];
  const T* kp = static_cast<const T*>(A.k) + b * A.ks[0] + hk * A.ks[1];
  const T* vp = static_cast<const T*>(A.v) + b * A.vs[0] + hk * A.vs[1];
  const int64_t coff = A.Lk - A.Lq;  // causal: query i sees keys j <= i + coff
  const int64_t nkb = (A.Lk + kBc - 1) / kBc;
  int64_t kend = nkb;
  const int64_t qlast = imin(q0 + kBr, A.Lq) - 1;
  if (MK == 1 && q0 + coff >= 0) kend = imin(nkb, (qlast + coff) / kBc + 1);

  load_tile<T, D, kBr, kThreads>(sQ, qp, A.qs[2], (int)imin(kBr, A.Lq - q0));
  cp_async_commit();
  load_tile<T, D, kBc, kThreads>(sK, kp, A.ks[2], (int)imin(kBc, A.Lk));
  load_tile<T, D, kBc, kThreads>(sV, vp, A.vs[2], (int)imin(kBc, A.Lk));
  cp_async_commit();
  cp_async_wait<1>();
  __syncthreads();

  const int wrow0 = warp * 16 * RM;  // the warp's first row in the block
  const int qrow = wrow0 + (lane & 7) + 8 * ((lane >> 3) & 1);
  float o[RM][D / 8][4];
#pragma unroll
  for (int mt = 0; mt < RM; mt++)
#pragma unroll
    for (int i = 0; i < D / 8; i++) o[mt][i][0] = o[mt][i][1] = o[mt][i][2] = o[mt][i][3] = 0.f;
  float m[RM][2], l[RM][2];
#pragma unroll
  for (int mt = 0; mt < RM; mt++) m[mt][0] = m[mt][1] = -INFINITY, l[mt][0] = l[mt][1] = 0.f;
  const int64_t row_lo = q0 + wrow0 + (lane >> 2);  // + 16 mt + 8 (e >> 1)

  for (int64_t kb = 0; kb < kend; kb++) {
    const int st = (int)(kb & 1);
    if (kb + 1 < kend) {
      int64_t j1 = (kb + 1) * kBc;
      int nv = (int)imin(kBc, A.Lk - j1);
      load_tile<T, D, kBc, kThreads>(sK + (st ^ 1) * kBc * D, kp + j1 * A.ks[2], A.ks[2], nv);
      load_tile<T, D, kBc, kThreads>(sV + (st ^ 1) * kBc * D, vp + j1 * A.vs[2], A.vs[2], nv);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const T* k_s = sK + st * kBc * D;
    const T* v_s = sV + st * kBc * D;

    // S = Q K^T for this warp's RM x 16 rows x 64 keys.
    float s[RM][kBc / 8][4];
#pragma unroll
    for (int mt = 0; mt < RM; mt++)
#pragma unroll
      for (int i = 0; i < kBc / 8; i++) s[mt][i][0] = s[mt][i][1] = s[mt][i][2] = s[mt][i][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) {
      uint32_t qa[RM][4];
#pragma unroll
      for (int mt = 0; mt < RM; mt++) ldsm_x4(qa[mt], smem_addr(sQ + swz<D>(qrow + 16 * mt, 2 * kk + (lane >> 4))));
#pragma unroll
      for (int n2 = 0; n2 < kBc / 16; n2++) {
        uint32_t bfr[4];
        int key = n2 * 16 + (lane & 7) + 8 * (lane >> 4);
        ldsm_x4(bfr, smem_addr(k_s + swz<D>(key, 2 * kk + ((lane >> 3) & 1))));
#pragma unroll
        for (int mt = 0; mt < RM; mt++) {
          mma16816<T>(s[mt][2 * n2], qa[mt], bfr[0], bfr[1]);
          mma16816<T>(s[mt][2 * n2 + 1], qa[mt], bfr[2], bfr[3]);
        }
      }
    }

    // Scale (log2 domain) and mask.
    const int64_t j0 = kb * kBc;
    const bool edge = j0 + kBc > A.Lk || (MK == 1 && j0 + kBc - 1 > q0 + coff) || MK >= 2;
#pragma unroll
    for (int mt = 0; mt < RM; mt++)
#pragma unroll
      for (int nt = 0; nt < kBc / 8; nt++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
          float x = s[mt][nt][e] * A.scale_log2;
          if (edge) {
            int64_t i = row_lo + 16 * mt + (e >> 1) * 8;
            int64_t j = j0 + nt * 8 + 2 * (lane & 3) + (e & 1);
            if (j >= A.Lk) x = -INFINITY;
            else if (MK == 1) { if (j > i + coff) x = -FLT_MAX; }
            else if (MK >= 2 && i < A.Lq) {
              MT mv = static_cast<const MT*>(A.mask_ptr)[b * A.ms[0] + h * A.ms[1] + i * A.ms[2] + j * A.ms[3]];
              if constexpr (MK == 2) { if (!cvt<bool>(mv)) x = -FLT_MAX; }
              else x += cvt<float>(mv) * kLog2e;
            }
          }
          s[mt][nt][e] = x;
        }
      }

    // Online softmax (rows lo: e = 0,1; hi: e = 2,3); a row's 4 threads share a quad.
#pragma unroll
    for (int mt = 0; mt < RM; mt++)
#pragma unroll
      for (int r = 0; r < 2; r++) {
        float mx = -INFINITY;
#pragma unroll
        for (int nt = 0; nt < kBc / 8; nt++) mx = fmaxf(mx, fmaxf(s[mt][nt][2 * r], s[mt][nt][2 * r + 1]));
        mx = quad_max(mx);
        float mn = fmaxf(m[mt][r], mx);
        float shift = mn == -INFINITY ? 0.f : mn;
        float alpha = exp2f(m[mt][r] - shift);
        float sum = 0.f;
#pragma unroll
        for (int nt = 0; nt < kBc / 8; nt++) {
          float p0 = exp2f(s[mt][nt][2 * r] - shift), p1 = exp2f(s[mt][nt][2 * r + 1] - shift);
          s[mt][nt][2 * r] = p0;
          s[mt][nt][2 * r + 1] = p1;
          sum += p0 + p1;
        }
        l[mt][r] = l[mt][r] * alpha + sum;
        m[mt][r] = mn;
#pragma unroll
        for (int d = 0; d < D / 8; d++) {
          o[mt][d][2 * r] *= alpha;
          o[mt][d][2 * r + 1] *= alpha;
        }
      }

    // O += P V.
#pragma unroll
    for (int k2 = 0; k2 < kBc / 16; k2++) {
      uint32_t a[RM][4];
#pragma unroll
      for (int mt = 0; mt < RM; mt++) {
        a[mt][0] = pack2<T>(s[mt][2 * k2][0], s[mt][2 * k2][1]);
        a[mt][1] = pack2<T>(s[mt][2 * k2][2], s[mt][2 * k2][3]);
        a[mt][2] = pack2<T>(s[mt][2 * k2 + 1][0], s[mt][2 * k2 + 1][1]);
        a[mt][3] = pack2<T>(s[mt][2 * k2 + 1][2], s[mt][2 * k2 + 1][3]);
      }
#pragma unroll
      for (int d2 = 0; d2 < D / 16; d2++) {
        uint32_t bfr[4];
        int key = k2 * 16 + (lane & 7) + 8 * ((lane >> 3) & 1);
        ldsm_x4_t(bfr, smem_addr(v_s + swz<D>(key, 2 * d2 + (lane >> 4))));
#pragma unroll
        for (int mt = 0; mt < RM; mt++) {
          mma16816<T>(o[mt][2 * d2], a[mt], bfr[0], bfr[1]);
          mma16816<T>(o[mt][2 * d2 + 1], a[mt], bfr[2], bfr[3]);
        }
      }
    }
    __syncthreads();  // the next iteration's prefetch overwrites this stage
  }

  // Finish: full row sums, sinks, normalise, store.
#pragma unroll
  for (int mt = 0; mt < RM; mt++)
#pragma unroll
    for (int r = 0; r < 2; r++) {
      float lr = quad_sum(l[mt][r]);
      float f = 1.f;
      if (A.sinks) {
        float sk = cvt<float>(static_cast<const T*>(A.sinks)[h]) * kLog2e;
        float M = fmaxf(m[mt][r], sk);
        float a = m[mt][r] == -INFINITY ? 0.f : exp2f(m[mt][r] - M);
        f = a;
        lr = lr * a + exp2f(sk - M);
      }
      float inv = f / lr;
      int64_t i = row_lo + 16 * mt + r * 8;
      if (i < A.Lq) {
        T* orow = static_cast<T*>(A.out) + ((b * A.Hq + h) * A.Lq + i) * D;
#pragma unroll
        for (int d = 0; d < D / 8; d++)
          *reinterpret_cast<uint32_t*>(orow + d * 8 + 2 * (lane & 3)) = pack2<T>(o[mt][d][2 * r] * inv, o[mt][d][2 * r + 1] * inv);
      }
    }
}

// ---------------------------------------------------------------- decode (one query row)
constexpr int kDecWarps = 4;

// Partial attention of (b, h) over keys [sp*kps, (sp+1)*kps): per split m (log2 domain), l and the
// unnormalised output, in float32. Each lane holds DPL consecutive dims.
template <typename T, int DPL, typename MT>
__global__ void __launch_bounds__(kDecWarps * 32) decode_kernel(AttnArgs A, int64_t kps, float* part) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t sp = blockIdx.x, nsp = gridDim.x, bh = blockIdx.y, b = bh / A.Hq, h = bh % A.Hq, hk = h / A.rep;
  constexpr int D = DPL * 32;
  const T* qr = static_cast<const T*>(A.q) + b * A.qs[0] + h * A.qs[1];
  const T* kb = static_cast<const T*>(A.k) + b * A.ks[0] + hk * A.ks[1];
  const T* vb = static_cast<const T*>(A.v) + b * A.vs[0] + hk * A.vs[1];
  float qv[DPL], acc[DPL];
#pragma unroll
  for (int e = 0; e < DPL; e++) {
    qv[e] = cvt<float>(qr[lane * DPL + e]) * A.scale_log2;
    acc[e] = 0.f;
  }
  float m = -INFINITY, l = 0.f;
  int64_t j0 = sp * kps, j1 = imin(A.Lk, j0 + kps);
  // 8 keys per step: their loads and warp reductions overlap (a single key is a chain of latencies).
  constexpr int G = 8;
  for (int64_t jb = j0 + warp * G; jb < j1; jb += kDecWarps * G) {
    float d[G];
#pragma unroll
    for (int g = 0; g < G; g++) {
      int64_t j = imin(jb + g, j1 - 1);
      const T* kr = kb + j * A.ks[2] + lane * DPL;
      float x = 0.f;
#pragma unroll
      for (int e = 0; e < DPL; e++) x = fmaf(qv[e], cvt<float>(kr[e]), x);
      d[g] = x;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
#pragma unroll
      for (int g = 0; g < G; g++) d[g] += __shfl_xor_sync(0xffffffffu, d[g], o);
    }
    float mx = -INFINITY;
#pragma unroll
    for (int g = 0; g < G; g++) {
      int64_t j = jb + g;
      if (j >= j1) d[g] = -INFINITY;
      else if (A.mask == 2 || A.mask == 3) {
        MT mv = static_cast<const MT*>(A.mask_ptr)[b * A.ms[0] + h * A.ms[1] + j * A.ms[3]];
        if (A.mask == 2) { if (!cvt<bool>(mv)) d[g] = -FLT_MAX; }
        else d[g] += cvt<float>(mv) * kLog2e;
      }
      mx = fmaxf(mx, d[g]);
    }
    float mn = fmaxf(m, mx);
    float shift = mn == -INFINITY ? 0.f : mn;
    float alpha = exp2f(m - shift);
    l *= alpha;
#pragma unroll
    for (int e = 0; e < DPL; e++) acc[e] *= alpha;
    m = mn;
#pragma unroll
    for (int g = 0; g < G; g++) {
      float p = exp2f(d[g] - shift);
      l += p;
      int64_t j = imin(jb + g, j1 - 1);
      const T* vr = vb + j * A.vs[2] + lane * DPL;
#pragma unroll
      for (int e = 0; e < DPL; e++) acc[e] = fmaf(p, cvt<float>(vr[e]), acc[e]);
    }
  }
  // Merge the block's warps.
  __shared__ float sm[kDecWarps], sl[kDecWarps], so[kDecWarps][D];
  if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
  for (int e = 0; e < DPL; e++) so[warp][lane * DPL + e] = acc[e];
  __syncthreads();
  if (warp == 0) {
    float M = -INFINITY;
#pragma unroll
    for (int w = 0; w < kDecWarps; w++) M = fmaxf(M, sm[w]);
    float shift = M == -INFINITY ? 0.f : M;
    float L = 0.f, out[DPL];
#pragma unroll
    for (int e = 0; e < DPL; e++) out[e] = 0.f;
#pragma unroll
    for (int w = 0; w < kDecWarps; w++) {
      float f = exp2f(sm[w] - shift);
      L += f * sl[w];
#pragma unroll
      for (int e = 0; e < DPL; e++) out[e] += f * so[w][lane * DPL + e];
    }
    float* pr = part + (bh * nsp + sp) * (D + 2);
#pragma unroll
    for (int e = 0; e < DPL; e++) pr[lane * DPL + e] = out[e];
    if (lane == 0) { pr[D] = M; pr[D + 1] = L; }
  }
}

template <typename T, int DPL>
__global__ void decode_merge(AttnArgs A, int nsp, const float* part) {
  const int lane = threadIdx.x & 31;
  const int64_t bh = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5);
  if (bh >= A.B * A.Hq) return;
  constexpr int D = DPL * 32;
  const float* pb = part + bh * nsp * (D + 2);
  float M = -INFINITY;
  for (int s = 0; s < nsp; s++) M = fmaxf(M, pb[s * (D + 2) + D]);
  float shift = M == -INFINITY ? 0.f : M;
  float L = 0.f, out[DPL];
#pragma unroll
  for (int e = 0; e < DPL; e++) out[e] = 0.f;
  for (int s = 0; s < nsp; s++) {
    const float* pr = pb + s * (D + 2);
    float f = exp2f(pr[D] - shift);
    L += f * pr[D + 1];
#pragma unroll
    for (int e = 0; e < DPL; e++) out[e] += f * pr[lane * DPL + e];
  }
  float fscale = 1.f;
  if (A.sinks) {
    int64_t h = bh % A.Hq;
    float sk = cvt<float>(static_cast<const T*>(A.sinks)[h]) * kLog2e;
    float Mx = fmaxf(M, sk);
    float a = M == -INFINITY ? 0.f : exp2f(M - Mx);
    fscale = a;
    L = L * a + exp2f(sk - Mx);
  }
  float inv = fscale / L;
  T* orow = static_cast<T*>(A.out) + bh * D;
#pragma unroll
  for (int e = 0; e < DPL; e++) orow[lane * DPL + e] = cvt<T>(out[e] * inv);
}

// ---------------------------------------------------------------- general rows kernel
// One block per query row, the row's scores in shared memory (float32 prefill, other head dims).
template <typename T, typename MT>
__global__ void sdpa_rows(AttnArgs A) {
  extern __shared__ float sc[];  // Lk scores, then 32 floats of reduction scratch
  float* red = sc + A.Lk;
  int64_t row = blockIdx.x;  // (b, h, i)
  int64_t i = row % A.Lq, h = (row / A.Lq) % A.Hq, b = row / (A.Lq * A.Hq);
  int64_t hk = h / A.rep;
  const T* qr = static_cast<const T*>(A.q) + b * A.qs[0] + h * A.qs[1] + i * A.qs[2];
  const T* kb = static_cast<const T*>(A.k) + b * A.ks[0] + hk * A.ks[1];
  const T* vb = static_cast<const T*>(A.v) + b * A.vs[0] + hk * A.vs[1];
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  int64_t coff = A.Lk - A.Lq;
  for (int64_t j = wid; j < A.Lk; j += nw) {
    const T* kr = kb + j * A.ks[2];
    float d = 0.f;
    for (int64_t t = lane; t < A.D; t += 32) d += cvt<float>(qr[t]) * cvt<float>(kr[t]);
    d = warp_reduce(d, [](float a, float c) { return a + c; });
    if (lane == 0) {
      float s = d * A.scale;
      if (A.mask == 1) { if (j > i + coff) s = -FLT_MAX; }
      else if (A.mask >= 2) {
        MT mv = static_cast<const MT*>(A.mask_ptr)[b * A.ms[0] + h * A.ms[1] + i * A.ms[2] + j * A.ms[3]];
        if (A.mask == 2) { if (!cvt<bool>(mv)) s = -FLT_MAX; }
        else s += cvt<float>(mv);
      }
      sc[j] = s;
    }
  }
  __syncthreads();
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < A.Lk; j += blockDim.x) mx = fmaxf(mx, sc[j]);
  const T* sinks = static_cast<const T*>(A.sinks);
  if (sinks) mx = fmaxf(mx, cvt<float>(sinks[h]));
  mx = block_reduce<float>(mx, [](float a, float c) { return fmaxf(a, c); }, red, -INFINITY);
  float shift = mx == -INFINITY ? 0.f : mx;
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < A.Lk; j += blockDim.x) {
    float e = expf(sc[j] - shift);
    sc[j] = e;
    sum += e;
  }
  sum = block_reduce<float>(sum, [](float a, float c) { return a + c; }, red, 0.f);
  if (sinks) sum += expf(cvt<float>(sinks[h]) - shift);
  float inv = 1.f / sum;
  T* orow = static_cast<T*>(A.out) + row * A.Dv;
  for (int64_t t = threadIdx.x; t < A.Dv; t += blockDim.x) {
    float acc = 0.f;
    for (int64_t j = 0; j < A.Lk; j++) acc += sc[j] * cvt<float>(vb[j * A.vs[2] + t]);
    orow[t] = cvt<T>(acc * inv);
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

// ---------------------------------------------------------------- cuDNN path
#if MLX_CUDNN_SDPA
// An array mask as cuDNN's additive bias: row-contiguous [bb, bh, Lq, Lk] in T. Boolean false is
// -1e30 (bf16 only): added to any score it stays -1e30 in f32, so a row that sees no key gets equal
// weights, as MLX's where(mask, s, finfo.min).
template <typename T, typename MT>
__global__ void mask_to_bias(const MT* m, AttnArgs A, int64_t bb, int64_t bh, T* dst) {
  int64_t n = bb * bh * A.Lq * A.Lk;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t j = i % A.Lk, r = i / A.Lk, q = r % A.Lq, h = (r / A.Lq) % bh, b = r / A.Lq / bh;
    MT v = m[b * A.ms[0] + h * A.ms[1] + q * A.ms[2] + j * A.ms[3]];
    if constexpr (std::is_same_v<MT, bool>) dst[i] = cvt<T>(v ? 0.f : -1e30f);
    else dst[i] = v;
  }
}

int64_t env_int(const char* name, int64_t dflt) {
  const char* e = std::getenv(name);
  return e && *e ? std::atoll(e) : dflt;
}

// Runs the attention through cuDNN when it takes the case; false leaves it to our kernels. A shape's
// first call queues its plan for the background builder (cuDNN compiles kernels: 0.05-1.5 s) and
// runs our kernel; later calls of that shape run cuDNN (MLX_CUDA_CUDNN_BUILD=sync: build at once).
// MLX_CUDA_CUDNN_SDPA=0 turns it off; MLX_CUDA_CUDNN_MIN_Q: fewest query rows (default 2: one query
// row keeps the split-K decode kernel, which needs no per-length plan).
template <typename T>
bool run_cudnn(const AttnArgs& A, const Array& q, const Array& k, const Array& v, const Array* mask, Array& out,
               const Stream& s) {
  bool on = env_int("MLX_CUDA_CUDNN_SDPA", 1) != 0;  // read per call: benchmarks A/B it in one process
  static const int64_t min_q = env_int("MLX_CUDA_CUDNN_MIN_Q", 2);
  if (!on || A.Lq < min_q || A.D != A.Dv || A.D % 8 != 0 || A.D > 256) return false;
  if (A.mask == 1 && A.Lq > A.Lk) return false;  // rows with no visible key: our kernels follow MLX there
  bool bool_mask = mask && mask->dtype() == Dtype::bool_;
  if (bool_mask && !std::is_same_v<T, __nv_bfloat16>) return false;  // -1e30 needs bf16's range
  if (!cudnn_attn::available()) return false;
  cudnn_attn::Desc d;
  d.dtype = std::is_same_v<T, __nv_bfloat16> ? 1 : 0;
  d.mask = A.mask == 0 ? 0 : A.mask == 1 ? 1 : 3;
  d.B = A.B; d.Hq = A.Hq; d.Hkv = A.Hkv; d.Lq = A.Lq; d.Lk = A.Lk; d.D = A.D; d.Dv = A.Dv;
  d.scale = A.scale;
  auto strides = [&](const Array& a, int64_t (&st)[4]) {
    int64_t canon = a.shape(3);
    st[3] = 1;
    for (int i = 2; i >= 0; i--) {
      bool one = a.shape(i) == 1;
      st[i] = one ? canon : a.strides()[i];
      canon *= a.shape(i);
      if (!one && (st[i] <= 0 || st[i] % 8 != 0)) return false;
    }
    return a.strides()[3] == 1 && aligned16(in_ptr(a, s));
  };
  if (!strides(q, d.qs) || !strides(k, d.ks) || !strides(v, d.vs)) return false;
  Array bias;
  const void* bias_ptr = nullptr;
  if (d.mask == 3) {
    d.bias_b = A.ms[0] == 0 ? 1 : A.B;
    d.bias_h = A.ms[1] == 0 ? 1 : A.Hq;
    int64_t lk = A.Lk;
    bool direct = !bool_mask && A.ms[3] == 1 && A.ms[2] == lk && (d.bias_h == 1 || A.ms[1] == A.Lq * lk) &&
                  (d.bias_b == 1 || A.ms[0] == d.bias_h * A.Lq * lk) && aligned16(A.mask_ptr);
    if (direct) {
      bias_ptr = A.mask_ptr;
    } else {
      bias = device_empty({d.bias_b, d.bias_h, A.Lq, lk}, out.dtype(), s);
      T* dst = static_cast<T*>(bias.buffer()->device_ptr);
      int64_t n = d.bias_b * d.bias_h * A.Lq * lk;
      unsigned blocks = (unsigned)std::min<int64_t>((n + 255) / 256, (int64_t)num_sms() * 16);
      if (bool_mask) mask_to_bias<T, bool><<<blocks, 256, 0, stream_of(s)>>>((const bool*)A.mask_ptr, A, d.bias_b, d.bias_h, dst);
      else mask_to_bias<T, T><<<blocks, 256, 0, stream_of(s)>>>((const T*)A.mask_ptr, A, d.bias_b, d.bias_h, dst);
      MLX_CUDA_LAUNCHED();
      bias_ptr = dst;
    }
  }
  static const bool hooked = (cudnn_attn::set_event_hook([](const char* n, double x) { count_event(n, x); }), true);
  (void)hooked;
  const char* bm = std::getenv("MLX_CUDA_CUDNN_BUILD");  // read per call: tests switch it
  auto p = cudnn_attn::prepare(d, bm && !std::strcmp(bm, "sync") ? cudnn_attn::Build::kSync : cudnn_attn::Build::kAsync);
  if (p.pending) count_event("cudnn_sdpa_pending");
  if (p.workspace < 0) return false;
  Array ws = device_empty({std::max<int64_t>(p.workspace, 1)}, Dtype::uint8, s);
  auto r = cudnn_attn::execute(d, in_ptr(q, s), in_ptr(k, s), in_ptr(v, s), bias_ptr, A.out, ws.buffer()->device_ptr,
                               stream_of(s));
  count_event(r == cudnn_attn::Run::kOk ? "cudnn_sdpa" : r == cudnn_attn::Run::kBusy ? "cudnn_sdpa_busy" : "cudnn_sdpa_error");
  return r == cudnn_attn::Run::kOk;
}
#endif

// ---------------------------------------------------------------- host
// 128 query rows per block: 4 warps of two 16-row m-tiles (default: each K/V fragment a warp reads from
// shared memory serves both tiles; H100, 1x32x4096x128 bf16: causal 0.70 ms, no mask 1.11; 13x12x1024x64 0.22)
// or, MLX_CUDA_FLASH_WARPS=8, 8 warps of one (sessions 3-6: 0.82, 1.25, 0.26 ms). Read once.
bool flash_eight_warps() {
  static const bool eight = [] {
    const char* e = std::getenv("MLX_CUDA_FLASH_WARPS");
    return e && std::atoi(e) == 8;
  }();
  return eight;
}

template <typename T, typename MT> void launch_flash(const AttnArgs& A, cudaStream_t st) {
  auto go = [&](auto kern, int D, int rows, int warps) {
    int64_t nqb = (A.Lq + rows - 1) / rows;
    dim3 grid((unsigned)nqb, (unsigned)(A.B * A.Hq));
    size_t smem = (size_t)(rows + 4 * kBc) * D * sizeof(T);
    static thread_local const void* raised[64] = {};  // kernels whose shared-memory limit is raised
    bool done = false;
    for (auto& r : raised) {
      if (r == (const void*)kern) { done = true; break; }
      if (!r) { r = (const void*)kern; break; }
    }
    if (!done) MLX_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, 160 * 1024));
    kern<<<grid, warps * 32, smem, st>>>(A);
    MLX_CUDA_LAUNCHED();
  };
  auto by_mask = [&](auto dtag, auto wtag) {
    // 8 warps x 1 m-tile: two blocks per SM at D 64; one at D 128, where 128 registers spill.
    constexpr int D = decltype(dtag)::value, W = decltype(wtag)::value, RM = W == 4 ? 2 : 1;
    constexpr int MB = W == 8 && D == 64 ? 2 : 1, rows = 16 * W * RM;
    switch (A.mask) {
      case 0: go(flash_kernel<T, D, 0, MT, W, MB, RM>, D, rows, W); break;
      case 1: go(flash_kernel<T, D, 1, MT, W, MB, RM>, D, rows, W); break;
      case 2: go(flash_kernel<T, D, 2, MT, W, MB, RM>, D, rows, W); break;
      default: go(flash_kernel<T, D, 3, MT, W, MB, RM>, D, rows, W); break;
    }
  };
  auto by_d = [&](auto wtag) {
    if (A.D == 64) by_mask(std::integral_constant<int, 64>{}, wtag);
    else by_mask(std::integral_constant<int, 128>{}, wtag);
  };
  if (flash_eight_warps()) by_d(std::integral_constant<int, 8>{});
  else by_d(std::integral_constant<int, 4>{});
}

template <typename T, typename MT> void launch_decode(const AttnArgs& A, const Stream& s) {
  cudaStream_t st = stream_of(s);
  int64_t bh = A.B * A.Hq;
  // Enough blocks for four waves of the GPU, at least 64 keys per split.
  int64_t want = std::max<int64_t>(1, (4 * num_sms() + bh - 1) / bh);
  int64_t nsp = std::max<int64_t>(1, imin(want, (A.Lk + 63) / 64));
  int64_t kps = (A.Lk + nsp - 1) / nsp;
  nsp = (A.Lk + kps - 1) / kps;
  Array part = device_empty({bh * nsp * (A.D + 2)}, Dtype::float32, s);
  float* pp = static_cast<float*>(part.buffer()->device_ptr);
  dim3 grid((unsigned)nsp, (unsigned)bh);
  auto go = [&](auto dtag) {
    constexpr int DPL = decltype(dtag)::value;
    decode_kernel<T, DPL, MT><<<grid, kDecWarps * 32, 0, st>>>(A, kps, pp);
    MLX_CUDA_LAUNCHED();
    decode_merge<T, DPL><<<(unsigned)((bh + 3) / 4), 128, 0, st>>>(A, (int)nsp, pp);
    MLX_CUDA_LAUNCHED();
  };
  switch (A.D / 32) {
    case 1: go(std::integral_constant<int, 1>{}); break;
    case 2: go(std::integral_constant<int, 2>{}); break;
    case 3: go(std::integral_constant<int, 3>{}); break;
    case 4: go(std::integral_constant<int, 4>{}); break;
    case 5: go(std::integral_constant<int, 5>{}); break;
    case 6: go(std::integral_constant<int, 6>{}); break;
    case 7: go(std::integral_constant<int, 7>{}); break;
    default: go(std::integral_constant<int, 8>{}); break;
  }
}

void set_strides(const Array& a, int64_t (&s)[3]) {
  for (int d = 0; d < 3; d++) s[d] = a.shape(d) == 1 ? 0 : a.strides()[d];
}

void sdpa(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const ScaledDotProductAttention&>(p);
  Dtype dt = out[0].dtype();
  int mi = (P.mask() == Mk::boolean || P.mask() == Mk::additive) ? 3 : -1;
  int si = P.has_sinks() ? (mi >= 0 ? 4 : 3) : -1;
  bool ok = (dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16) && in[0].dtype() == dt &&
            in[1].dtype() == dt && in[2].dtype() == dt && (si < 0 || in[si].dtype() == dt) &&
            (mi < 0 || in[mi].dtype() == Dtype::bool_ || in[mi].dtype() == dt) && in[0].ndim() == 4 &&
            in[1].ndim() == 4 && in[2].ndim() == 4;
  if (!ok) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  AttnArgs A{};
  A.B = in[0].shape(0); A.Hq = in[0].shape(1); A.Lq = in[0].shape(2); A.D = in[0].shape(3);
  A.Hkv = in[1].shape(1); A.Lk = in[1].shape(2); A.Dv = in[2].shape(3);
  if (A.Lk == 0 || A.Hkv == 0 || A.Hq % A.Hkv != 0) return cpu_fallback(p, in, out);
  A.rep = (int)(A.Hq / A.Hkv);
  A.scale = P.scale();
  A.scale_log2 = P.scale() * kLog2e;
  A.mask = P.mask() == Mk::none ? 0 : P.mask() == Mk::causal ? 1 : P.mask() == Mk::boolean ? 2 : 3;
  bool half = dt != Dtype::float32;
  bool decode = A.Lq == 1 && A.D == A.Dv && A.D % 32 == 0 && A.D <= 256;
  if (decode && A.mask == 1) A.mask = 0;  // one query row sees every key (Lq <= Lk)
  bool flash = !decode && half && A.D == A.Dv && (A.D == 64 || A.D == 128);
  bool cudnn = false;
#if MLX_CUDNN_SDPA
  cudnn = !decode && half && si < 0;  // run_cudnn decides the rest
#endif
  bool rows = !decode && !flash && (A.Lk + 32) * 4 <= 200 * 1024;
  if (!decode && !flash && !rows && !cudnn) return cpu_fallback(p, in, out);

  // Unit stride on the last dim (views such as transposed [B, L, H, D] -> [B, H, L, D] stay in place);
  // the flash kernel's 16-byte copies also need 16-byte aligned rows.
  auto prep = [&](const Array& a) {
    bool unit = a.strides()[3] == 1 || a.shape(3) == 1;
    if (unit && (flash || cudnn)) {
      for (int d = 0; d < 3; d++) unit = unit && (a.shape(d) == 1 || a.strides()[d] % 8 == 0);
      unit = unit && aligned16(in_ptr(a, s));
    }
    return unit ? a : contiguous_gpu(a, s);
  };
  Array q = prep(in[0]), k = prep(in[1]), v = prep(in[2]);
  set_strides(q, A.qs);
  set_strides(k, A.ks);
  set_strides(v, A.vs);
  A.q = in_ptr(q, s); A.k = in_ptr(k, s); A.v = in_ptr(v, s);
  Dtype mdt = dt;
  Array m;
  if (mi >= 0) {
    m = in[mi];
    mdt = m.dtype();
    int nd = m.ndim();
    check(nd <= 4, ErrorCode::shape, "[scaled_dot_product_attention] mask has more than 4 dims.");
    for (int d = 0; d < nd; d++) A.ms[4 - nd + d] = m.shape(d) == 1 ? 0 : m.strides()[d];
    A.mask_ptr = in_ptr(m, s);
  }
  Array sk;
  if (si >= 0) {
    sk = contiguous_gpu(in[si], s);
    A.sinks = in_ptr(sk, s);
  }
  A.out = alloc_out(out[0], s);
  if (out[0].size() == 0) return;
#if MLX_CUDNN_SDPA
  if (cudnn) {
    bool done = dt == Dtype::bfloat16 ? run_cudnn<__nv_bfloat16>(A, q, k, v, mi >= 0 ? &m : nullptr, out[0], s)
                                      : run_cudnn<__half>(A, q, k, v, mi >= 0 ? &m : nullptr, out[0], s);
    if (done) return;
  }
  if (!decode && !flash && !rows) return cpu_fallback(p, in, out);
#endif
  cudaStream_t st = stream_of(s);
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      auto run = [&](auto mptr) {
        using MT = MLX_T(mptr);
        if (decode) {
          launch_decode<T, MT>(A, s);
        } else if (flash) {
          if constexpr (is_half_v<T>) launch_flash<T, MT>(A, st);
        } else {
          size_t smem = (size_t)(A.Lk + 32) * sizeof(float);
          auto kern = sdpa_rows<T, MT>;
          if (smem > 48 * 1024) MLX_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
          kern<<<(unsigned)(A.B * A.Hq * A.Lq), 128, smem, st>>>(A);
          MLX_CUDA_LAUNCHED();
        }
      };
      if (mdt == Dtype::bool_) run((bool*)nullptr);
      else run((T*)nullptr);
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, ScaledDotProductAttention, sdpa);

}  // namespace mlx::cu
